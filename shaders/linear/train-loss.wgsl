// Trainer, the objective and ∂L/∂s (the math: src/attention/linear/train/reference.ts).
// H heads of N tokens; S, A and G are H×N×N (training sizes only).
//   keyMax:     MK[h] = max_j OFF[key row j] (the keys' common scale), w_j = e^{OFF_j − MK[h]}
//   scores:     SC[h,i,j] = φ'(q_i)·φ'(k_j)·w_j   (0 above the diagonal when causal)
//   exactRows:  AM[h,i,j] = softmax_j(q_i·k_j/√d)
//   rowStats:   R_i, the row's loss, ‖ô_i − o_i‖², ‖o_i‖², and (MSE) g_i, g_i·ô_i into ROW
//   gradScores: SC ← G = ∂L/∂s, in place

#include "linear/params.wgsl"
#include "common/reduce.wgsl"

@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read> PHI: array<f32>;
@group(0) @binding(5) var<storage, read> OFF: array<f32>;
@group(0) @binding(6) var<storage, read_write> SC: array<f32>;
@group(0) @binding(7) var<storage, read_write> AM: array<f32>;
@group(0) @binding(8) var<storage, read_write> ROW: array<f32>;

const TINY: f32 = 1e-30;

fn wOf(kr: u32) -> f32 {
  // kr: key row in [H·N, 2·H·N)
  return ROW[P.heads * P.n * P.rstride + P.heads + (kr - P.heads * P.n)];
}

@compute @workgroup_size(WG)
fn keyMax(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let h = grid.wid.x;
  let n = P.n;
  let k0 = P.heads * n + h * n;
  var m = NEG;
  for (var j = lid; j < n; j += WG) {
    m = max(m, OFF[k0 + j]);
  }
  let mk = reduceMax(lid, m);
  if (lid == 0u) {
    ROW[P.heads * n * P.rstride + h] = mk;
  }
  let wb = P.heads * n * P.rstride + P.heads + h * n;
  for (var j = lid; j < n; j += WG) {
    ROW[wb + j] = exp(OFF[k0 + j] - mk);
  }
}

@compute @workgroup_size(WG)
fn scores(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let idx = unitIndex(grid, lid);
  let n = P.n;
  if (idx >= P.heads * n * n) { return; }
  let j = idx % n;
  let i = (idx / n) % n;
  let h = idx / (n * n);
  var s = 0.0;
  if (P.causal == 0u || j <= i) {
    let D = P.dim;
    let qr = h * n + i;
    let kr = P.heads * n + h * n + j;
    for (var f = 0u; f < D; f++) {
      s += PHI[qr * D + f] * PHI[kr * D + f];
    }
    s *= wOf(kr);
  }
  SC[idx] = s;
}

// Query row `row` = h·N + i of the batch, and one past its last key.
struct QueryRow {
  h: u32,
  i: u32,
  jEnd: u32,
}

fn queryRow(row: u32) -> QueryRow {
  let i = row % P.n;
  return QueryRow(row / P.n, i, keyEnd(i));
}

fn logit(h: u32, i: u32, j: u32) -> f32 {
  let d = P.d;
  let qb = (h * P.n + i) * d;
  let kb = (h * P.n + j) * d;
  var s = 0.0;
  for (var c = 0u; c < d; c++) {
    s += Q[qb + c] * K[kb + c];
  }
  return s * P.scale;
}

// one invocation per row (no barriers: a software adapter pays for every one): logits into AM,
// then exp and the sum, then the normalization
@compute @workgroup_size(WG)
fn exactRows(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let row = unitIndex(grid, lid);
  if (row >= P.heads * P.n) { return; }
  let q = queryRow(row);
  let n = P.n;
  let jEnd = q.jEnd;
  var mx = NEG;
  for (var j = 0u; j < jEnd; j++) {
    let l = logit(q.h, q.i, j);
    AM[row * n + j] = l;
    mx = max(mx, l);
  }
  var z = 0.0;
  for (var j = 0u; j < jEnd; j++) {
    let e = exp(AM[row * n + j] - mx);
    AM[row * n + j] = e;
    z += e;
  }
  let inv = 1.0 / z;
  for (var j = 0u; j < n; j++) {
    AM[row * n + j] = select(0.0, AM[row * n + j] * inv, j < jEnd);
  }
}

// one invocation per row
@compute @workgroup_size(WG)
fn rowStats(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let row = unitIndex(grid, lid);
  if (row >= P.heads * P.n) { return; }
  let q = queryRow(row);
  let n = P.n;
  let dv = P.dv;
  let jEnd = q.jEnd;
  var R = 0.0;
  for (var j = 0u; j < jEnd; j++) {
    R += SC[row * n + j];
  }
  var ce = 0.0;
  for (var j = 0u; j < jEnd; j++) {
    let a = AM[row * n + j];
    if (a > 0.0) {
      ce -= a * log(max(SC[row * n + j] / R, TINY));
    }
  }
  var e2 = 0.0;
  var o2 = 0.0;
  var go = 0.0;
  let rb = row * P.rstride;
  for (var c = 0u; c < dv; c++) {
    var oh = 0.0;
    var o = 0.0;
    for (var j = 0u; j < jEnd; j++) {
      let vv = V[(q.h * n + j) * dv + c];
      oh += SC[row * n + j] * vv;
      o += AM[row * n + j] * vv;
    }
    oh /= R;
    e2 += (oh - o) * (oh - o);
    o2 += o * o;
    let g = 2.0 * (oh - o) * P.invRows / f32(dv);
    ROW[rb + 8u + c] = g;
    go += g * oh;
  }
  ROW[rb] = R;
  ROW[rb + 1u] = select(ce, e2 / f32(dv), P.loss == 1u);
  ROW[rb + 2u] = e2;
  ROW[rb + 3u] = o2;
  ROW[rb + 4u] = go;
}

@compute @workgroup_size(WG)
fn gradScores(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let idx = unitIndex(grid, lid);
  let n = P.n;
  if (idx >= P.heads * n * n) { return; }
  let j = idx % n;
  let row = idx / n;
  let i = row % n;
  let h = row / n;
  let rb = row * P.rstride;
  let R = ROW[rb];
  var g = 0.0;
  if (P.causal == 0u || j <= i) {
    if (P.loss == 0u) {
      g = -(AM[idx] / max(SC[idx], TINY * R) - 1.0 / R) * P.invRows;
    } else {
      let dv = P.dv;
      var gv = 0.0;
      for (var c = 0u; c < dv; c++) {
        gv += ROW[rb + 8u + c] * V[(h * n + j) * dv + c];
      }
      g = (gv - ROW[rb + 4u]) / R;
    }
  }
  SC[idx] = g;
}
