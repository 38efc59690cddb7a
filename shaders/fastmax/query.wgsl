// Fastmax per-query numerator and denominator from the moments (docs/spec/variants.md §5):
//     Y[i][e]  = Σ_f φ_f(q_i)·E[f][e]   (e < dv: numerator)
//     Y[i][dv] = Σ_f φ_f(q_i)·E[f][dv]  (denominator)
// with the query features φ_f(q) = c_deg(f)·m_f·q̂_a·q̂_b, q̂ = [1, q − μ_q], (a, b) = PAIRS[f],
// deg = [a > 0] + [b > 0], c from COEF (a0, a1·α, a2·α²: lim and T are folded in there) and
// m_f = 2 for the off-diagonal pairs a ≠ b ≥ 1 of the symmetric packing (q⊗q has both (a, b)
// and (b, a)), else 1. Hence num_i = a0·Σv + a1·q̃ᵀ(K̃ᵀV)/T + a2·(q̃⊗q̃)ᵀ(Σ(k̃⊗k̃)vᵀ)/T² and
// den_i = a0·n + a1·q̃·Σk̃/T + a2·(q̃⊗q̃)·Σ(k̃⊗k̃)/T².
// E is the total state (not causal: chunk 0 after the reduction) or, when causal, the
// exclusive prefix of the query's chunk (finalize.wgsl adds the chunk's own keys explicitly).
//
// One workgroup = 64 queries × 64 values of one head (or `rpg` such row tiles one after the
// other, row-tiles.wgsl); 256 invocations, each 4 queries × 4 values (tile.wgsl).
// Per step STEP features (steps.wgsl): the query features As (STEP × 64 queries, built in
// registers) and the state slice Bs (STEP × 64 values) go to workgroup memory. The denominator
// column is accumulated by the workgroups of the first value tile, spread over all invocations
// (query × quarter of the step).

#include "fastmax/params.wgsl"
#include "fastmax/steps.wgsl"
#include "fastmax/row-tiles.wgsl"

const TI: u32 = 64u; // queries per workgroup
const TE: u32 = 64u; // values per workgroup

@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> MU: array<f32>;
@group(0) @binding(3) var<storage, read> COEF: array<f32>;
@group(0) @binding(4) var<storage, read> PAIRS: array<u32>;
@group(0) @binding(5) var<storage, read> ST: array<f32>;
@group(0) @binding(6) var<storage, read_write> Y: array<f32>;

// per step (steps.wgsl): As = the query features [feature][query/4], Bs = the state slice
// [feature][value/4], Ez = the state's denominator column [feature]
var<workgroup> Ez: array<f32, STEP>;

// numerators and denominators of row tile `rt`, values tile `etile` of head h
fn rowTile(h: u32, rt: u32, etile: u32, t: u32) {
  let n = P.n;
  let d = P.d;
  let dv = P.dv;
  let D = P.nfeat;
  let W = dv + 1u;
  let i0 = rt * TI;
  let e0 = etile * TE;
  // the state this row block reads: the total, or its chunk's exclusive prefix (chunk % TI == 0)
  let sc = select(0u, i0 / P.chunk, P.causal != 0u);
  let sb = (h * P.chunks + sc) * D;
  let tx = t % 16u; // value group (compute) / query group (tile build)
  let ty = t / 16u; // query group (compute) / feature of the step (tile build)

  // the 4 queries this invocation builds features for: i0 + tx·4 + u
  var qrow: array<u32, 4>;
  var qok: array<bool, 4>;
  var qmu: array<f32, 4>;
  for (var u = 0u; u < 4u; u++) {
    let i = i0 + tx * 4u + u;
    qok[u] = i < n;
    qrow[u] = h * n + min(i, n - 1u);
    qmu[u] = 0.0;
    if (P.center != 0u) {
      qmu[u] = MU[qrow[u]]; // Q's means come first in MU
    }
  }
  let co = vec3<f32>(COEF[h * 8u], COEF[h * 8u + 1u], COEF[h * 8u + 2u]);

  var acc = array<vec4<f32>, 4>();
  var dacc = 0.0;
  let lane = t % 64u;
  let quarter = t / 64u;

  for (var fb = 0u; fb < D; fb += STEP) {
    let f = fb + ty;
    let fok = f < D;
    let pr = PAIRS[min(f, D - 1u)];
    let a = pr & 0xffffu;
    let b = pr >> 16u;
    let deg = u32(a > 0u) + u32(b > 0u);
    let coef = co[deg] * select(1.0, 2.0, a != b && a > 0u);
    var fv = vec4<f32>(0.0);
    var ev = vec4<f32>(0.0);
    if (fok) {
      for (var u = 0u; u < 4u; u++) {
        if (qok[u]) {
          let qa = select(Q[qrow[u] * d + max(a, 1u) - 1u] - qmu[u], 1.0, a == 0u);
          let qb = select(Q[qrow[u] * d + max(b, 1u) - 1u] - qmu[u], 1.0, b == 0u);
          fv[u] = coef * qa * qb;
        }
        let e = e0 + tx * 4u + u;
        if (e < dv) {
          ev[u] = ST[(sb + f) * W + e];
        }
      }
    }
    As[t] = fv; // [ty][tx]
    Bs[t] = ev;
    if (t < STEP) {
      Ez[t] = select(0.0, ST[(sb + min(fb + t, D - 1u)) * W + dv], fb + t < D);
    }
    workgroupBarrier();
    let part = stepProduct(tx, ty);
    for (var u = 0u; u < 4u; u++) {
      acc[u] += part[u];
    }
    for (var ff = quarter * 4u; ff < quarter * 4u + 4u; ff++) {
      dacc += As[ff * 16u + lane / 4u][lane % 4u] * Ez[ff];
    }
    workgroupBarrier();
  }

  for (var u = 0u; u < 4u; u++) {
    let i = i0 + ty * 4u + u;
    if (i < n) {
      for (var c = 0u; c < 4u; c++) {
        let e = e0 + tx * 4u + c;
        if (e < dv) {
          Y[(h * n + i) * W + e] = acc[u][c];
        }
      }
    }
  }
  if (etile == 0u) {
    let den = quarterSum(t, dacc);
    if (t < 64u && i0 + t < n) {
      Y[(h * n + i0 + t) * W + dv] = den;
    }
  }
}
