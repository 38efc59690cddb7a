// Exact attention, materialized: S = Q·Kᵀ·scale (H×N×N in global memory), row softmax in
// place, O = S·V. Three dispatches and 16·N² bytes of traffic per head — the textbook
// path that the flash kernel is measured against (docs/spec/benchmarks.md cost models).
// Both products use the 64×64 output tiles of common/matmul-tile.wgsl (the yardstick's).

const WG: u32 = 64u; // softmaxRows' workgroup

#include "exact/params.wgsl"
#include "common/grid.wgsl"
#include "common/matmul-out.wgsl"
#include "common/reduce.wgsl"

@group(0) @binding(1) var<storage, read> A: array<f32>; // Q (scores) | S (pv)
@group(0) @binding(2) var<storage, read> B: array<f32>; // K (scores) | V (pv)
@group(0) @binding(3) var<storage, read_write> C: array<f32>; // S (scores) | O (pv)

// the head of this workgroup's tile, and whether this is the P·V product (else Q·Kᵀ)
var<private> head: u32;
var<private> isPv: bool;

// A = Q[h] (n×d) | S[h] (n×n)
fn tileA(r: u32, k: u32) -> f32 {
  let width = select(P.d, P.n, isPv);
  return A[(head * P.n + r) * width + k];
}

// B = K[h]ᵀ (d×n: element (k, c) is K[h, c, k]) | V[h] (n×dv)
fn tileB(k: u32, c: u32) -> f32 {
  if (isPv) {
    return B[(head * P.n + k) * P.dv + c];
  }
  return B[(head * P.n + c) * P.d + k];
}

// S[h, i, j] = scale · (Q·Kᵀ)[i, j], NEG where causality masks it | O[h, i, c]
fn tileOut(r: u32, c: u32, v: f32) {
  if (isPv) {
    C[(head * P.n + r) * P.dv + c] = v;
  } else {
    let masked = P.causal != 0u && c > r;
    C[(head * P.n + r) * P.n + c] = select(v * P.scale, NEG, masked);
  }
}

// Workgroup g's tile of C[h] (rows × cols, the inner dimension `inner`): sets `head`, computes
// and writes it.
fn product(t: u32, lid: vec3<u32>, g: u32, inner: u32, rows: u32, cols: u32) {
  let perHead = P.rowTiles * P.colTiles;
  head = g / perHead;
  let r = g % perHead;
  let row0 = (r / P.colTiles) * TM;
  let col0 = (r % P.colTiles) * TM;
  tileProduct(t, lid, row0, col0, 0u, inner, rows, cols);
  tileWrite(lid, row0, col0, rows, cols);
}

// S[h, i, j] = scale · Σ_c Q[h, i, c] K[h, j, c]; masked entries get NEG
@compute @workgroup_size(16, 16)
fn scores(grid: Grid, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let g = gridIndex(grid);
  if (g >= P.groups) { return; }
  isPv = false;
  product(t, lid, g, P.d, P.n, P.n);
}

// in place: S[h, i, :] ← softmax(S[h, i, :]); one workgroup per row
@compute @workgroup_size(WG)
fn softmaxRows(grid: Grid, @builtin(local_invocation_index) t: u32) {
  let row = gridIndex(grid);
  if (row >= P.groups) { return; }
  let n = P.n;
  let base = row * n;
  var m = NEG;
  for (var j = t; j < n; j += WG) {
    m = max(m, C[base + j]);
  }
  let rowMax = reduceMax(t, m);
  var l = 0.0;
  for (var j = t; j < n; j += WG) {
    let x = C[base + j];
    let e = select(exp(x - rowMax), 0.0, x <= NEG);
    C[base + j] = e;
    l += e;
  }
  let inv = 1.0 / reduceSum(t, l);
  for (var j = t; j < n; j += WG) {
    C[base + j] *= inv;
  }
}

// O[h, i, c] = Σ_j S[h, i, j] V[h, j, c]
@compute @workgroup_size(16, 16)
fn pv(grid: Grid, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let g = gridIndex(grid);
  if (g >= P.groups) { return; }
  isPv = true;
  product(t, lid, g, P.n, P.n, P.dv);
}
