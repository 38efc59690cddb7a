// Batched tiled matrix product for Nyström attention (docs/spec/variants.md §1) and the
// continual engine's pseudo-inverse:
//
//   C_b = α · X_b · op(Y_b) + β·I          for every batch (head) b
//   op(Y) = γ·I + σ·Y      (transY = 0, Y is inner×cols)
//   op(Y) = Yᵀ              (transY = 1, Y is cols×inner; γ, σ ignored)
//
// which covers the score products (Q·K̃ᵀ, Q̃·Kᵀ, Q̃·K̃ᵀ), B·V, Z·(BV), F·W and the four
// products of one pseudo-inverse step (P = A·Z, 15I − P·(7I − P), 13I − P·U, ¼·Z·W).
// γ·I and β·I need a square operand; the host only sets them for square products.
//
// A workgroup computes a 64×64 tile of C (16×16 invocations, a 4×4 block each), the inner
// dimension advancing in slabs of 16 staged in workgroup memory (common/matmul-tile.wgsl).
// Split-K (splits > 1): workgroup s of a tile covers inner indices [s·splitLen, (s+1)·splitLen)
// and writes its partial tile to C at slot (b·splits + s); `sumSplits` adds the slots up.
// Work is linearized as g = g0 + (wid.x + wid.y·nwg.x) over (batch, split, tile) so a long
// product can be cut into parts (g0) and the grid folded into 2-D.

#include "nystrom/params.wgsl"
#include "common/grid.wgsl"
#include "common/matmul-tile.wgsl"

@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Y: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

// the batch of this workgroup's tile (set by `main` before the product)
var<private> batch: u32;

fn tileA(r: u32, k: u32) -> f32 {
  return X[P.xOff + batch * P.xStride + r * P.ldx + k];
}

// element (k, c) of op(Y)
fn tileB(k: u32, c: u32) -> f32 {
  let yb = P.yOff + batch * P.yStride;
  if (P.transY != 0u) {
    return Y[yb + c * P.ldy + k];
  }
  return P.sigma * Y[yb + k * P.ldy + c] + select(0.0, P.gamma, k == c);
}

@compute @workgroup_size(16, 16)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let local = groupIndex(wid, nwg);
  if (local >= P.groups) {
    return; // whole workgroup: uniform
  }
  let g = P.g0 + local;
  let perBatch = P.tiles * P.splits;
  batch = g / perBatch;
  let split = (g % perBatch) / P.tiles;
  let tile = g % P.tiles;
  let row0 = (tile / P.tilesC) * TM;
  let col0 = (tile % P.tilesC) * TM;
  let k0 = split * P.splitLen;
  tileProduct(t, lid, row0, col0, k0, min(P.inner, k0 + P.splitLen), P.rows, P.cols);

  let cb = P.cOff + (batch * P.splits + split) * P.cStride;
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + tileRow(lid, i);
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + tileCol(lid, j);
      if (r < P.rows && c < P.cols) {
        var v = tileAcc[i][j];
        if (P.splits == 1u) {
          v = P.alpha * v + select(0.0, P.beta, r == c);
        }
        C[cb + r * P.ldc + c] = v;
      }
    }
  }
}

// C_b[r, c] = α · Σ_s X[xOff + (b·splits + s)·xStride + r·ldx + c]: the sum of split-K partials.
// One invocation per element; g linearizes (batch, row, col).
@compute @workgroup_size(64)
fn sumSplits(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let local = groupIndex(wid, nwg);
  if (local >= P.groups) {
    return;
  }
  let e = (P.g0 + local) * 64u + t;
  let per = P.rows * P.cols;
  let b = e / per;
  if (b >= P.batches) {
    return;
  }
  let r = (e % per) / P.cols;
  let c = e % P.cols;
  var s = 0.0;
  for (var k = 0u; k < P.splits; k++) {
    s += X[P.xOff + (b * P.splits + k) * P.xStride + r * P.ldx + c];
  }
  C[P.cOff + b * P.cStride + r * P.ldc + c] = P.alpha * s;
}
