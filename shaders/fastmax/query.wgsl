// Fastmax per-query numerator and denominator from the moments (spec/variants.md §5):
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
// other: fewer, longer workgroups where starting one is costly, e.g. on a software adapter);
// 256 invocations, each 4 queries × 4 values.
// Per step TF features: the query features Fs (TF × 64 queries, built in registers) and the state
// slice Es (TF × 64 values) go to workgroup memory. The denominator column is accumulated by the
// workgroups of the first value tile, spread over all invocations (query × quarter of the step).

struct Params {
  n: u32, d: u32, dv: u32, heads: u32,
  causal: u32, p: u32, nfeat: u32, chunk: u32,
  chunks: u32, ftiles: u32, etiles: u32, rtiles: u32,
  g0: u32, groups: u32, center: u32, normalize: u32,
  lim: f32, invT: f32, a0: f32, a1: f32,
  a2: f32, mode: u32, row0: u32, rows: u32,
  pool: u32, pcols: u32, base: u32, head: u32,
  // state.wgsl: consecutive chunks handled by one workgroup, one after the other
  cpg: u32,
  // query/finalize (intra)/prep (stats): row tiles handled by one workgroup, one after the other
  rpg: u32,
}

const TI: u32 = 64u; // queries per workgroup
const TE: u32 = 64u; // values per workgroup
const TF: u32 = 16u; // features per step

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> MU: array<f32>;
@group(0) @binding(3) var<storage, read> COEF: array<f32>;
@group(0) @binding(4) var<storage, read> PAIRS: array<u32>;
@group(0) @binding(5) var<storage, read> ST: array<f32>;
@group(0) @binding(6) var<storage, read_write> Y: array<f32>;

var<workgroup> Fs: array<vec4<f32>, TF * 16u>; // [feature][query/4]
var<workgroup> Es: array<vec4<f32>, TF * 16u>; // [feature][value/4]
var<workgroup> Ez: array<f32, TF>; // [feature] denominator column
var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let gl = wid.x + wid.y * nwg.x;
  if (gl >= P.groups) {
    return; // whole workgroup: uniform
  }
  let g = P.g0 + gl;
  let etile = g % P.etiles;
  let r = g / P.etiles;
  let rgroups = (P.rtiles + P.rpg - 1u) / P.rpg;
  let rg = r % rgroups;
  let h = r / rgroups;
  // the row tiles of this workgroup, one after the other (see `rpg`)
  for (var rtile = rg * P.rpg; rtile < min(rg * P.rpg + P.rpg, P.rtiles); rtile++) {
    rowTile(h, rtile, etile, t);
  }
}

// numerators and denominators of row tile `rtile`, values tile `etile` of head h
fn rowTile(h: u32, rtile: u32, etile: u32, t: u32) {
  let n = P.n;
  let d = P.d;
  let dv = P.dv;
  let D = P.nfeat;
  let W = dv + 1u;
  let i0 = rtile * TI;
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

  var acc: array<vec4<f32>, 4>;
  for (var u = 0u; u < 4u; u++) {
    acc[u] = vec4<f32>(0.0);
  }
  var dacc = 0.0;
  let lane = t % 64u;
  let quarter = t / 64u;

  for (var fb = 0u; fb < D; fb += TF) {
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
    Fs[t] = fv; // [ty][tx]
    Es[t] = ev;
    if (t < TF) {
      Ez[t] = select(0.0, ST[(sb + min(fb + t, D - 1u)) * W + dv], fb + t < D);
    }
    workgroupBarrier();
    // two-level sum (per step, then across steps): the error grows with D/TF + TF, not D
    var part = array<vec4<f32>, 4>(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
    for (var ff = 0u; ff < TF; ff++) {
      let qv = Fs[ff * 16u + ty];
      let sv = Es[ff * 16u + tx];
      part[0] += qv.x * sv;
      part[1] += qv.y * sv;
      part[2] += qv.z * sv;
      part[3] += qv.w * sv;
    }
    for (var u = 0u; u < 4u; u++) {
      acc[u] += part[u];
    }
    if (etile == 0u) {
      for (var ff = quarter * 4u; ff < quarter * 4u + 4u; ff++) {
        dacc += Fs[ff * 16u + lane / 4u][lane % 4u] * Ez[ff];
      }
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
    red[t] = dacc;
    workgroupBarrier();
    if (t < 64u && i0 + t < n) {
      Y[(h * n + i0 + t) * W + dv] = (red[t] + red[t + 64u]) + (red[t + 128u] + red[t + 192u]);
    }
  }
  workgroupBarrier(); // red is reused by the next row tile
}
