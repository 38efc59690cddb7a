// Exact attention map for display (docs/spec/variants.md §0, "map kernel").
//
// `rows`:   P[i, j] = softmax_j(q_i·k_j·scale) for a window of query rows i ∈ [first, first+groups)
//           and every key j — one workgroup per row, written to OUT row i − base.
// `pooledMap`: block-averaged overview: cell (a, b) = mean of P[i, j] over the pool×pool block
//           (edge blocks average over the cells they actually have) — one workgroup per
//           block row (common/map.wgsl).
// Both first reduce each row's max and denominator across the workgroup (mapRowBegin), then
// evaluate the probabilities. Masked (causal) entries are exactly 0.

const WG: u32 = 64u;
const DMAXQ: u32 = 256u;
// = MAP_MAX_POOLED_COLS (src/attention/map-request.ts)
const MAXPCOLS: u32 = 2048u;

#include "exact/params.wgsl"
#include "common/grid.wgsl"
#include "common/reduce.wgsl"
#include "common/map.wgsl"

@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read_write> OUT: array<f32>;

var<workgroup> qrow: array<f32, DMAXQ>;
// row i's max and 1 / denominator (the same in every invocation, after mapRowBegin)
var<private> rowMax: f32;
var<private> rowInv: f32;

fn score(j: u32) -> f32 {
  let kb = (P.head * P.n + j) * P.d;
  var dot = 0.0;
  for (var c = 0u; c < P.d; c++) {
    dot += qrow[c] * K[kb + c];
  }
  return dot;
}

// Loads q_i (pre-scaled) into workgroup memory and reduces row i's max and denominator.
fn mapRowBegin(i: u32, t: u32) {
  let qb = (P.head * P.n + i) * P.d;
  for (var c = t; c < P.d; c += WG) {
    qrow[c] = Q[qb + c] * P.scale;
  }
  workgroupBarrier();
  let jEnd = visibleEnd(i, P.n, P.causal != 0u);
  var ml = ONLINE_EMPTY;
  for (var j = t; j < jEnd; j += WG) {
    ml = onlineAdd(ml, score(j));
  }
  let st = reduceOnline(t, ml);
  rowMax = st.x;
  rowInv = 1.0 / st.y;
}

fn mapEntry(i: u32, j: u32) -> f32 {
  return exp(score(j) - rowMax) * rowInv;
}

@compute @workgroup_size(WG)
fn rows(grid: Grid, @builtin(local_invocation_index) t: u32) {
  let g = gridIndex(grid);
  if (g >= P.groups) { return; }
  let i = P.first + g;
  mapRowBegin(i, t);
  mapWriteRow(i, t, 0u, P.n, visibleEnd(i, P.n, P.causal != 0u), (i - P.base) * P.n);
}

@compute @workgroup_size(WG)
fn pooledMap(grid: Grid, @builtin(local_invocation_index) t: u32) {
  let g = gridIndex(grid);
  if (g >= P.groups) { return; }
  mapWritePooled(P.first + g, t, P.n, P.pool, P.pcols, P.causal != 0u, 0u);
}
