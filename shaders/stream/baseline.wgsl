// The stream's baselines (spec/variants.md §2): exact attention and Nyström recomputed over the
// whole window at every step. `gather` copies the window out of the ring buffers in token order
// (oldest first) into plain H×N×d tensors that the batch plans (exact flash, Nyström) read;
// `emit` copies their output into the stream's output buffer (newest row, whole window).
// Params is the same per-step uniform as stream.wgsl (the same 256-byte slots are bound).

struct Params {
  t: u32,
  b: u32,
  wslot: u32,
  slot: u32,
  count: u32,
  n: u32,
  d: u32,
  dv: u32,
  heads: u32,
  m: u32,
  batch: u32,
  wcap: u32,
  flags: u32,
  newLm: u32,
  blk0: u32,
  blockLen: u32,
  evict: u32,
  zOff: u32,
  g0: u32,
  qscale: f32,
  kscale: f32,
}

const F_WINDOWS: u32 = 8u;
const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> R: array<f32>;
@group(0) @binding(2) var<storage, read_write> WQ: array<f32>;
@group(0) @binding(3) var<storage, read_write> WK: array<f32>;
@group(0) @binding(4) var<storage, read_write> WV: array<f32>;

fn ringStride() -> u32 {
  return 2u * P.n * P.d + P.n * P.dv + P.d + P.dv;
}

/** One workgroup per (window row r, head): row r of the window is ring slot (t + 1 − N + r) mod N. */
@compute @workgroup_size(WG)
fn gather(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  let r = wid.x + wid.y * nwg.x;
  if (r >= P.n) {
    return;
  }
  let s = (P.t + 1u + r) % P.n; // (t + 1 − N + r) mod N, the window being full
  let rb = h * ringStride();
  for (var c = t; c < P.d; c += WG) {
    WQ[(h * P.n + r) * P.d + c] = R[rb + s * P.d + c];
    WK[(h * P.n + r) * P.d + c] = R[rb + P.n * P.d + s * P.d + c];
  }
  for (var c = t; c < P.dv; c += WG) {
    WV[(h * P.n + r) * P.dv + c] = R[rb + 2u * P.n * P.d + s * P.dv + c];
  }
}
