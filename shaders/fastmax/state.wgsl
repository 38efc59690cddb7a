// Fastmax key moments of one chunk of keys (docs/spec/variants.md §5), as one tiled product.
//
// With k̂ = [1, k − μ_k] (d + 1 entries, centred on the fly with MU) the key features are the
// products ψ_f(k) = k̂_a·k̂_b over the pairs a ≤ b of PAIRS (f = 0 is (0, 0) = 1, then (0, b) = k_b,
// then for p = 2 the symmetric-packed (a, b), 1 ≤ a ≤ b ≤ d). For the keys j of one chunk:
//     ST[f][e]  = Σ_j ψ_f(k_j)·v_j[e]      (e < dv)   K̃ᵀV, Σ(k̃⊗k̃)vᵀ, and row 0 = Σv
//     ST[f][dv] = Σ_j ψ_f(k_j)                        Σk̃, Σ(k̃⊗k̃), and ST[0][dv] = count
// i.e. the (D × (dv+1)) matrix Ψᵀ·[V, 1] of the chunk. The lim/T scales are not applied here
// (they are folded into the query-side coefficients), so the moments hold unscaled centred keys.
//
// One workgroup = 64 features (f ≥ 1) × 64 values of one chunk of one head; 256 invocations,
// each owning 4 features × 4 values in registers (tile.wgsl). Per step STEP keys (steps.wgsl): the
// feature tile As (STEP × 64, built from K in registers) and the value tile Bs (STEP × 64) go to
// workgroup memory, then each invocation does STEP·16 multiply-adds. The extra column (Σψ) is
// written by the workgroups of the first value tile, the extra row (Σv) by those of the first
// feature tile — each spread over all 256 invocations (feature/value × quarter of the keys).
// A chunk writes its own slice of ST; the split-N partial sums are combined by scan.wgsl.
// A workgroup handles `cpg` consecutive chunks one after the other (the host picks cpg so that
// about as many workgroups run as the adapter needs: starting a 256-invocation workgroup costs
// ~0.4 ms of CPU on SwiftShader, more than a short chunk's work).

#include "fastmax/entry.wgsl"
#include "fastmax/steps.wgsl"

const TF: u32 = 64u; // features per workgroup
const TE: u32 = 64u; // values per workgroup

@group(0) @binding(1) var<storage, read> K: array<f32>;
@group(0) @binding(2) var<storage, read> V: array<f32>;
@group(0) @binding(3) var<storage, read> MU: array<f32>;
@group(0) @binding(4) var<storage, read> PAIRS: array<u32>;
@group(0) @binding(5) var<storage, read_write> ST: array<f32>;
// per step of STEP keys (steps.wgsl): As = the key features [key][feature/4], Bs = the values
// [key][value/4]

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) t: u32) {
  let g = workgroupOf(grid);
  if (g == NONE) { return; }
  // g = ((h · cgroups + chunk group) · ftiles + feature tile) · etiles + values tile
  let cgroups = (P.chunks + P.cpg - 1u) / P.cpg;
  let etile = g % P.etiles;
  let ftile = (g / P.etiles) % P.ftiles;
  let cg = (g / (P.etiles * P.ftiles)) % cgroups;
  let h = g / (P.etiles * P.ftiles * cgroups);
  let n = P.n;
  let d = P.d;
  let dv = P.dv;
  let D = P.nfeat;
  let W = dv + 1u;
  let fbase = 1u + ftile * TF;
  let e0 = etile * TE;
  let tx = t % 16u; // value group (compute) / feature-or-value group (tile build)
  let ty = t / 16u; // feature group (compute) / key of the step (tile build)

  // the 4 features this invocation builds into As: fbase + tx·4 + u
  var pa: array<u32, 4>;
  var pb: array<u32, 4>;
  var fok: array<bool, 4>;
  for (var u = 0u; u < 4u; u++) {
    let f = fbase + tx * 4u + u;
    fok[u] = f < D;
    let pr = PAIRS[min(f, D - 1u)];
    pa[u] = pr & 0xffffu;
    pb[u] = pr >> 16u;
  }

  let lane = t % 64u;
  let quarter = t / 64u;
  // the chunks of this workgroup, one after the other (amortizes a workgroup's start-up where
  // launching one is expensive, e.g. on a software adapter); each chunk writes its own state
  for (var chunk = cg * P.cpg; chunk < min(cg * P.cpg + P.cpg, P.chunks); chunk++) {
    let j0 = chunk * P.chunk;
    let j1 = min(j0 + P.chunk, n);
    var acc = array<vec4<f32>, 4>();
    var zacc = 0.0;
    var sacc = 0.0;

    for (var jb = j0; jb < j1; jb += STEP) {
      let j = jb + ty;
      let jok = j < j1;
      let row = h * n + min(j, n - 1u);
      var mu = 0.0;
      if (P.center != 0u) {
        mu = MU[(P.heads + h) * n + min(j, n - 1u)];
      }
      var pv = vec4<f32>(0.0);
      var vv = vec4<f32>(0.0);
      if (jok) {
        for (var u = 0u; u < 4u; u++) {
          if (fok[u]) {
            let ka = select(K[row * d + max(pa[u], 1u) - 1u] - mu, 1.0, pa[u] == 0u);
            let kb = select(K[row * d + max(pb[u], 1u) - 1u] - mu, 1.0, pb[u] == 0u);
            pv[u] = ka * kb;
          }
          let e = e0 + tx * 4u + u;
          if (e < dv) {
            vv[u] = V[row * dv + e];
          }
        }
      }
      As[t] = pv; // [ty][tx]
      Bs[t] = vv;
      workgroupBarrier();
      let part = stepProduct(tx, ty);
      for (var u = 0u; u < 4u; u++) {
        acc[u] += part[u];
      }
      for (var jj = quarter * 4u; jj < quarter * 4u + 4u; jj++) {
        // Σψ of feature `lane` and Σv of value `lane` over this invocation's quarter of the keys
        zacc += As[jj * 16u + lane / 4u][lane % 4u];
        sacc += Bs[jj * 16u + lane / 4u][lane % 4u];
      }
      workgroupBarrier();
    }

    let sb = (h * P.chunks + chunk) * D; // first state row of this chunk
    for (var u = 0u; u < 4u; u++) {
      let f = fbase + ty * 4u + u;
      if (f < D) {
        for (var c = 0u; c < 4u; c++) {
          let e = e0 + tx * 4u + c;
          if (e < dv) {
            ST[(sb + f) * W + e] = acc[u][c];
          }
        }
      }
    }
    // the extra column (Σψ) from the first value tile, the extra row (Σv) from the first feature tile
    if (etile == 0u) {
      let z = quarterSum(t, zacc);
      let f = fbase + t;
      if (t < 64u && f < D) {
        ST[(sb + f) * W + dv] = z;
      }
    }
    if (ftile == 0u) {
      let sv = quarterSum(t, sacc);
      let e = e0 + t;
      if (t < 64u && e < dv) {
        ST[sb * W + e] = sv;
      }
      if (t == 0u && etile == 0u) {
        ST[sb * W + dv] = f32(j1 - j0);
      }
    }
  }
}
