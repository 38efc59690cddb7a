// Exact attention, materialized: S = Q·Kᵀ·scale (H×N×N in global memory), row softmax in
// place, O = S·V. Three dispatches and 16·N² bytes of traffic per head — the textbook
// path that the flash kernel is measured against (docs/spec/benchmarks.md cost models).
// Both products use the 64×64 output tiles of common/matmul-tile.wgsl (the yardstick's).

const WG: u32 = 64u; // softmaxRows' workgroup

#include "exact/params.wgsl"
#include "common/grid.wgsl"
#include "common/matmul-tile.wgsl"
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

// The tile of workgroup g: (first row, first column); sets `head`.
fn tileOf(g: u32) -> vec2<u32> {
  let perHead = P.rowTiles * P.colTiles;
  head = g / perHead;
  let r = g % perHead;
  return vec2<u32>((r / P.colTiles) * TM, (r % P.colTiles) * TM);
}

// S[h, i, j] = scale · Σ_c Q[h, i, c] K[h, j, c]; masked entries get NEG
@compute @workgroup_size(16, 16)
fn scores(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let g = groupIndex(wid, nwg);
  if (g >= P.groups) {
    return;
  }
  isPv = false;
  let o = tileOf(g);
  let n = P.n;
  tileProduct(t, lid, o.x, o.y, 0u, P.d, n, n);
  for (var a = 0u; a < 4u; a++) {
    let i = o.x + tileRow(lid, a);
    for (var b = 0u; b < 4u; b++) {
      let j = o.y + tileCol(lid, b);
      if (i < n && j < n) {
        let masked = P.causal != 0u && j > i;
        C[(head * n + i) * n + j] = select(tileAcc[a][b] * P.scale, NEG, masked);
      }
    }
  }
}

// in place: S[h, i, :] ← softmax(S[h, i, :]); one workgroup per row
@compute @workgroup_size(WG)
fn softmaxRows(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let row = groupIndex(wid, nwg);
  if (row >= P.groups) {
    return;
  }
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
fn pv(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let g = groupIndex(wid, nwg);
  if (g >= P.groups) {
    return;
  }
  isPv = true;
  let o = tileOf(g);
  let n = P.n;
  let dv = P.dv;
  tileProduct(t, lid, o.x, o.y, 0u, n, n, dv);
  for (var a = 0u; a < 4u; a++) {
    let i = o.x + tileRow(lid, a);
    for (var b = 0u; b < 4u; b++) {
      let c = o.y + tileCol(lid, b);
      if (i < n && c < dv) {
        C[(head * n + i) * dv + c] = tileAcc[a][b];
      }
    }
  }
}
