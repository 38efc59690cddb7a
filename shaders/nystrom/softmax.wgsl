// Row softmax in place, for the three Nyström matrices (docs/spec/variants.md §1 step 3):
// F (N rows of m), B (m rows of N) and A (m rows of m), several heads at once. The products
// were already scaled by the host (α of matmul.wgsl). Params: rows (of one batch), batches,
// cols, cOff, cStride, ldc; g0, groups.
// - `main`: one workgroup per (long) row: each invocation streams a strided share of the row
//   (online max and sum), the shares are merged, then every invocation writes its share
//   (B: m rows of N).
// - `short`: one invocation per (short) row, no barriers (F: N rows of m, A: m rows of m) — a
//   workgroup per row of 64 entries would spend its time synchronizing.
#include "nystrom/params.wgsl"
#include "common/grid.wgsl"
#include "common/reduce.wgsl"

const WG: u32 = 64u;

@group(0) @binding(1) var<storage, read_write> S: array<f32>;

/** First element of row g (rows numbered over all batches). */
fn rowBase(g: u32) -> u32 {
  return P.cOff + (g / P.rows) * P.cStride + (g % P.rows) * P.ldc;
}

/** The (max, Σ exp(x − max)) stream of the row entries j0, j0 + step, … below cols. */
fn rowStream(base: u32, j0: u32, step: u32) -> vec2<f32> {
  var ml = ONLINE_EMPTY;
  for (var j = j0; j < P.cols; j += step) {
    ml = onlineAdd(ml, S[base + j]);
  }
  return ml;
}

/** exp(x − max)/sum over the same entries, for the whole row's stream `ml`. */
fn rowWrite(base: u32, j0: u32, step: u32, ml: vec2<f32>) {
  let inv = 1.0 / ml.y;
  for (var j = j0; j < P.cols; j += step) {
    S[base + j] = exp(S[base + j] - ml.x) * inv;
  }
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let local = groupIndex(wid, nwg);
  if (local >= P.groups) {
    return;
  }
  let base = rowBase(P.g0 + local);
  let ml = reduceOnline(t, rowStream(base, t, WG));
  rowWrite(base, t, WG, ml);
}

@compute @workgroup_size(WG)
fn short(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let local = groupIndex(wid, nwg);
  let g = P.g0 + local * WG + t;
  if (local >= P.groups || g >= P.rows * P.batches) {
    return;
  }
  let base = rowBase(g);
  rowWrite(base, 0u, 1u, rowStream(base, 0u, 1u));
}
