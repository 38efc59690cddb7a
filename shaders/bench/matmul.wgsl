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
#include "common/matmul-out.wgsl"

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

fn tileOut(r: u32, c: u32, v: f32) {
  C[r * P.n + c] = v;
}

@compute @workgroup_size(16, 16)
fn main(grid: Grid, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let g = gridIndex(grid);
  if (g >= P.groups) { return; } // whole workgroup: uniform
  let row0 = (g / P.tilesN) * TM;
  let col0 = (g % P.tilesN) * TM;
  tileProduct(t, lid, row0, col0, 0u, P.k, P.m, P.n);
  tileWrite(lid, row0, col0, P.m, P.n);
}
