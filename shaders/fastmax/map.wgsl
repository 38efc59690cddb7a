// Fastmax implied attention map for display (docs/spec/variants.md §5):
//     A[i][j] = f(x_ij) / Σ_l f(x_il)   (causal: l ≤ i, and A[i][j] = 0 for j > i)
// evaluated explicitly from the centred dot products y = (q_i − μ)·(k_j − μ) and the score
// coefficients of COEF (prep.wgsl), so a map can be read without running the forward.
// Rows sum to 1 by construction; entries are negative where f is (p = 1, other coefficients).
//
// `rows`:      a window of query rows [row0, row0 + rows), every key — one workgroup per row.
// `pooledMap`: block-averaged overview; cell (a, b) = mean of A over the pool × pool block
//              (edge blocks average over the cells they have) — one workgroup per block row.
// Both first reduce the row's denominator across the workgroup (a tree, deterministic); the
// loops over a row and a block row are common/map.wgsl's.

#include "fastmax/entry.wgsl"
#include "common/reduce.wgsl"
#include "common/map.wgsl"

const WG: u32 = 64u;
const DMAXQ: u32 = 256u;
const MAXPCOLS: u32 = 2048u;

@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> MU: array<f32>;
@group(0) @binding(4) var<storage, read> COEF: array<f32>;
@group(0) @binding(5) var<storage, read_write> OUT: array<f32>;

var<workgroup> qrow: array<f32, DMAXQ>;
// 1 / the denominator of the row mapRowBegin loaded (the same in every invocation)
var<private> rowInv: f32;

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

// Loads the centred q_i into workgroup memory and reduces row i's denominator (common/map.wgsl
// hook: uniform control flow).
fn mapRowBegin(i: u32, t: u32) {
  let qb = (P.head * P.n + i) * P.d;
  var muq = 0.0;
  if (P.center != 0u) {
    muq = MU[P.head * P.n + i];
  }
  for (var c = t; c < P.d; c += WG) {
    qrow[c] = Q[qb + c] - muq;
  }
  workgroupBarrier();
  let jEnd = visibleEnd(i, P.n, P.causal != 0u);
  var s = 0.0;
  for (var j = t; j < jEnd; j += WG) {
    s += score(j);
  }
  rowInv = 1.0 / reduceSum(t, s);
}

fn mapEntry(i: u32, j: u32) -> f32 {
  return score(j) * rowInv;
}

@compute @workgroup_size(WG)
fn rows(grid: Grid, @builtin(local_invocation_index) t: u32) {
  let r = groupIndex(grid.wid, grid.nwg);
  if (r >= P.rows) { return; }
  let i = P.row0 + r;
  mapRowBegin(i, t);
  mapWriteRow(i, t, 0u, P.n, visibleEnd(i, P.n, P.causal != 0u), (i - P.base) * P.n);
}

@compute @workgroup_size(WG)
fn pooledMap(grid: Grid, @builtin(local_invocation_index) t: u32) {
  let g = groupIndex(grid.wid, grid.nwg);
  if (g >= P.rows) { return; }
  mapWritePooled(P.row0 + g, t, P.n, P.pool, P.pcols, P.causal != 0u, 0u);
}
