// Tiled matrix product C = A·B (A: M×K, B: K×N, row-major f32) — the yardstick of the
// benchmarks: each kernel's achieved GFLOP/s is reported against this one's on the same
// adapter (docs/spec/benchmarks.md, targets).
//
// A workgroup computes a 64×64 tile of C with 16×16 invocations, each owning a 4×4 block held
// in registers; K advances in slabs of 16 staged in workgroup memory (common/matmul-tile.wgsl).

struct Params {
  m: u32,
  n: u32,
  k: u32,
  // tiles along the columns of C, and workgroups (tiles) in all; the grid may be folded
  tilesN: u32,
  groups: u32,
}

#include "common/grid.wgsl"
#include "common/matmul-tile.wgsl"

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

fn tileA(r: u32, k: u32) -> f32 {
  return A[r * P.k + k];
}

fn tileB(k: u32, c: u32) -> f32 {
  return B[k * P.n + c];
}

@compute @workgroup_size(16, 16)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let g = groupIndex(wid, nwg);
  if (g >= P.groups) {
    return; // whole workgroup: uniform
  }
  let row0 = (g / P.tilesN) * TM;
  let col0 = (g % P.tilesN) * TM;
  tileProduct(t, lid, row0, col0, 0u, P.k, P.m, P.n);
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + tileRow(lid, i);
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + tileCol(lid, j);
      if (r < P.m && c < P.n) {
        C[r * P.n + c] = tileAcc[i][j];
      }
    }
  }
}
