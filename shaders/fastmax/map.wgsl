// Fastmax implied attention map for display (spec/variants.md §5):
//     A[i][j] = f(x_ij) / Σ_l f(x_il)   (causal: l ≤ i, and A[i][j] = 0 for j > i)
// evaluated explicitly from the centred dot products y = (q_i − μ)·(k_j − μ) and the score
// coefficients of COEF (prep.wgsl), so a map can be read without running the forward.
// Rows sum to 1 by construction; entries are negative where f is (p = 1, other coefficients).
//
// `rows`:      a window of query rows [row0, row0 + rows), every key — one workgroup per row.
// `pooledMap`: block-averaged overview; cell (a, b) = mean of A over the pool × pool block
//              (edge blocks average over the cells they have) — one workgroup per block row.
// Both first reduce the row's denominator across the workgroup (a tree, deterministic).

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

const WG: u32 = 64u;
const DMAXQ: u32 = 256u;
const MAXPCOLS: u32 = 2048u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> MU: array<f32>;
@group(0) @binding(4) var<storage, read> COEF: array<f32>;
@group(0) @binding(5) var<storage, read_write> OUT: array<f32>;

var<workgroup> qrow: array<f32, DMAXQ>;
var<workgroup> red: array<f32, WG>;
var<workgroup> pooled: array<f32, MAXPCOLS>;

fn score(j: u32) -> f32 {
  let h = P.head;
  let kb = (h * P.n + j) * P.d;
  var muk = 0.0;
  if (P.center != 0u) {
    muk = MU[(P.heads + h) * P.n + j];
  }
  var y = 0.0;
  for (var c = 0u; c < P.d; c++) {
    y += qrow[c] * (K[kb + c] - muk);
  }
  let c0 = COEF[h * 8u];
  let c1 = COEF[h * 8u + 1u];
  let c2 = COEF[h * 8u + 2u];
  return c0 + y * (c1 + y * c2);
}

// Loads the centred q_i into workgroup memory and returns row i's denominator, identical in
// every invocation. Must be called in uniform control flow.
fn rowDen(i: u32, t: u32) -> f32 {
  let qb = (P.head * P.n + i) * P.d;
  var muq = 0.0;
  if (P.center != 0u) {
    muq = MU[P.head * P.n + i];
  }
  for (var c = t; c < P.d; c += WG) {
    qrow[c] = Q[qb + c] - muq;
  }
  workgroupBarrier();
  let jEnd = select(P.n, i + 1u, P.causal != 0u);
  var s = 0.0;
  for (var j = t; j < jEnd; j += WG) {
    s += score(j);
  }
  red[t] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (t < stride) {
      red[t] += red[t + stride];
    }
    workgroupBarrier();
  }
  let den = red[0];
  workgroupBarrier(); // everyone has read red[0] before it is reused
  return den;
}

@compute @workgroup_size(WG)
fn rows(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let r = wid.x + wid.y * nwg.x;
  if (r >= P.rows) {
    return;
  }
  let i = P.row0 + r;
  let inv = 1.0 / rowDen(i, t);
  let jEnd = select(P.n, i + 1u, P.causal != 0u);
  for (var j = t; j < P.n; j += WG) {
    var a = 0.0;
    if (j < jEnd) {
      a = score(j) * inv;
    }
    OUT[(i - P.base) * P.n + j] = a;
  }
}

@compute @workgroup_size(WG)
fn pooledMap(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let gi = wid.x + wid.y * nwg.x;
  if (gi >= P.rows) {
    return;
  }
  let a = P.row0 + gi; // block row
  for (var b = t; b < P.pcols; b += WG) {
    pooled[b] = 0.0;
  }
  let i0 = a * P.pool;
  let i1 = min(i0 + P.pool, P.n);
  for (var i = i0; i < i1; i++) {
    let inv = 1.0 / rowDen(i, t);
    let jEnd = select(P.n, i + 1u, P.causal != 0u);
    // each invocation owns block columns b ≡ t (mod WG): no races on pooled[b]
    for (var b = t; b < P.pcols; b += WG) {
      let j0 = b * P.pool;
      let j1 = min(j0 + P.pool, jEnd);
      var sum = 0.0;
      for (var j = j0; j < j1; j++) {
        sum += score(j) * inv;
      }
      pooled[b] += sum;
    }
    workgroupBarrier(); // qrow is rewritten by the next row
  }
  let rowsIn = f32(i1 - i0);
  for (var b = t; b < P.pcols; b += WG) {
    let colsIn = f32(min(b * P.pool + P.pool, P.n) - b * P.pool);
    OUT[a * P.pcols + b] = pooled[b] / (rowsIn * colsIn);
  }
}
