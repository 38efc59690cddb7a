// Row softmax in place, for the three Nyström matrices (spec/variants.md §1 step 3):
// F (N rows of m), B (m rows of N) and A (m rows of m), several heads at once. The products
// were already scaled by the host (α of matmul.wgsl).
// - `main`: one workgroup per (long) row: reduce the row maximum, then the sum of
//   exp(x − max), then write exp(x − max)/sum (B: m rows of N).
// - `short`: one invocation per (short) row, three passes over it, no barriers (F: N rows of
//   m, A: m rows of m) — a workgroup per row of 64 entries would spend its time synchronizing.

struct Params {
  cols: u32,
  // row stride and first element
  ld: u32,
  off: u32,
  // rows of one batch (head) and the stride between batches
  rowsPerBatch: u32,
  batchStride: u32,
  g0: u32,
  groups: u32,
  // total rows (short): rowsPerBatch · batches
  rows: u32,
}

const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> S: array<f32>;

var<workgroup> red: array<f32, WG>;

fn reduceMax(t: u32, x: f32) -> f32 {
  red[t] = x;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s /= 2u) {
    if (t < s) {
      red[t] = max(red[t], red[t + s]);
    }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn reduceSum(t: u32, x: f32) -> f32 {
  red[t] = x;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s /= 2u) {
    if (t < s) {
      red[t] += red[t + s];
    }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let local = wid.x + wid.y * nwg.x;
  if (local >= P.groups) {
    return;
  }
  let g = P.g0 + local;
  let base = P.off + (g / P.rowsPerBatch) * P.batchStride + (g % P.rowsPerBatch) * P.ld;
  var m = -3.0e38;
  for (var j = t; j < P.cols; j += WG) {
    m = max(m, S[base + j]);
  }
  m = reduceMax(t, m);
  var l = 0.0;
  for (var j = t; j < P.cols; j += WG) {
    l += exp(S[base + j] - m);
  }
  l = reduceSum(t, l);
  let inv = 1.0 / l;
  for (var j = t; j < P.cols; j += WG) {
    S[base + j] = exp(S[base + j] - m) * inv;
  }
}

@compute @workgroup_size(WG)
fn short(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let local = wid.x + wid.y * nwg.x;
  let g = P.g0 + local * WG + t;
  if (local >= P.groups || g >= P.rows) {
    return;
  }
  let base = P.off + (g / P.rowsPerBatch) * P.batchStride + (g % P.rowsPerBatch) * P.ld;
  var m = -3.0e38;
  for (var j = 0u; j < P.cols; j++) {
    m = max(m, S[base + j]);
  }
  var l = 0.0;
  for (var j = 0u; j < P.cols; j++) {
    l += exp(S[base + j] - m);
  }
  let inv = 1.0 / l;
  for (var j = 0u; j < P.cols; j++) {
    S[base + j] = exp(S[base + j] - m) * inv;
  }
}
