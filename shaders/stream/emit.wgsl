// The stream's baselines, second half: copies the output of a batch plan run over the window
// (H×N×dv, rows in token order) into the stream's output buffer — the newest row always, the
// whole window when asked for. Params is the per-step uniform of stream.wgsl.

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
@group(0) @binding(1) var<storage, read> O: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;


/** One workgroup per (window row r, head). */
@compute @workgroup_size(WG)
fn emit(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  let r = wid.x + wid.y * nwg.x;
  if (r >= P.n) {
    return;
  }
  let windows = (P.flags & F_WINDOWS) != 0u;
  if (r != P.n - 1u && !windows) {
    return;
  }
  for (var c = t; c < P.dv; c += WG) {
    let y = O[(h * P.n + r) * P.dv + c];
    if (r == P.n - 1u) {
      Y[P.heads * P.wcap * P.n * P.dv + (h * P.batch + P.b) * P.dv + c] = y;
    }
    if (windows) {
      Y[((h * P.wcap + P.wslot) * P.n + r) * P.dv + c] = y;
    }
  }
}
