// The stream's baselines (docs/spec/variants.md §2): exact attention and Nyström recomputed over
// the whole window at every step. `gather` copies the window out of the ring buffers in token
// order (oldest first) into plain H×N×d tensors that the batch plans (exact flash, Nyström)
// read; `emit` (emit.wgsl) copies their output into the stream's output buffer. P is the
// per-step uniform of the stream kernels (the same 256-byte slots are bound).
#include "stream/params.wgsl"
#include "common/grid.wgsl"

const WG: u32 = 64u;

@group(0) @binding(1) var<storage, read> R: array<f32>;
@group(0) @binding(2) var<storage, read_write> WQ: array<f32>;
@group(0) @binding(3) var<storage, read_write> WK: array<f32>;
@group(0) @binding(4) var<storage, read_write> WV: array<f32>;

/** One workgroup per (window row r, head): row r of the window is ring slot (t + 1 − N + r) mod N. */
@compute @workgroup_size(WG)
fn gather(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  let r = groupIndex(wid, nwg);
  if (r >= P.n) {
    return;
  }
  let s = (P.t + 1u + r) % P.n; // (t + 1 − N + r) mod N, the window being full
  for (var c = t; c < P.d; c += WG) {
    WQ[(h * P.n + r) * P.d + c] = R[rQ(h, s) + c];
    WK[(h * P.n + r) * P.d + c] = R[rK(h, s) + c];
  }
  for (var c = t; c < P.dv; c += WG) {
    WV[(h * P.n + r) * P.dv + c] = R[rV(h, s) + c];
  }
}
