// The stream's one uniform struct, the per-step `P` (one 256-byte slot per step of a batch,
// bound at binding 0), its flags, and the layout of the buffers it implies: shared by the
// stream kernels (stream.wgsl) and the baselines' gather and emit (baseline.wgsl, emit.wgsl).
// The host (src/attention/continual/ring.ts) packs the slots from this struct's field order.
//
// Layout, per head h:
//   R  ring buffers: Q (N×d), K (N×d), V (N×dv), then the evicted key and value (d + dv).
//      Token t lives in slot t mod N.
//   Y  outputs: the whole window per step (H×wcap×N×dv, rows in token order) when asked for,
//      then the newest row of every step of the batch (H×B×dv).

struct Params {
  t: u32,
  // row of this step in XQ/XK/XV and in the newest-output block of Y
  b: u32,
  // window-output slot of this step in Y
  wslot: u32,
  // ring slot of token t (t mod N)
  slot: u32,
  // tokens in the window: min(t + 1, N)
  count: u32,
  n: u32,
  d: u32,
  dv: u32,
  heads: u32,
  m: u32,
  batch: u32,
  wcap: u32,
  flags: u32,
  // continual landmarks: the landmark slot being replaced, the first block to average, block length
  newLm: u32,
  blk0: u32,
  blockLen: u32,
  // 1 when the token of slot `slot` left the window this step (t ≥ N)
  evict: u32,
  zOff: u32,
  // first workgroup of a dispatch cut into chunks (long batch runs)
  g0: u32,
  qscale: f32,
  kscale: f32,
}

@group(0) @binding(0) var<uniform> P: Params;

const F_REFRESH: u32 = 1u;   // recompute every running sum from the ring buffers
const F_GUARD: u32 = 2u;     // cancellation guard on
const F_UPDATE: u32 = 4u;    // a new continual landmark replaces slot newLm this step
const F_WINDOWS: u32 = 8u;   // write the whole window of outputs
const F_ALLROWS: u32 = 16u;  // push every token / CoSi every row (batch runs: one workgroup per row)
const F_ALLCOLS: u32 = 32u;  // Φ: recompute whole rows (initialisation)

fn ringStride() -> u32 {
  return 2u * P.n * P.d + P.n * P.dv + P.d + P.dv;
}
fn rQ(h: u32, j: u32) -> u32 {
  return h * ringStride() + j * P.d;
}
fn rK(h: u32, j: u32) -> u32 {
  return h * ringStride() + P.n * P.d + j * P.d;
}
fn rV(h: u32, j: u32) -> u32 {
  return h * ringStride() + 2u * P.n * P.d + j * P.dv;
}
fn rEvK(h: u32) -> u32 {
  return h * ringStride() + 2u * P.n * P.d + P.n * P.dv;
}
fn rEvV(h: u32) -> u32 {
  return rEvK(h) + P.d;
}
fn yNew(h: u32) -> u32 {
  return P.heads * P.wcap * P.n * P.dv + (h * P.batch + P.b) * P.dv;
}
fn yWin(h: u32, r: u32) -> u32 {
  return ((h * P.wcap + P.wslot) * P.n + r) * P.dv;
}
// window row of ring slot i (rows in token order, oldest first)
fn windowRow(i: u32) -> u32 {
  let first = (P.t + 1u - P.count) % P.n;
  return (i + P.n - first) % P.n;
}
fn slotOfRow(r: u32) -> u32 {
  return (P.t + 1u - P.count + r) % P.n;
}
