// The stream's baselines, second half: copies the output of a batch plan run over the window
// (H×N×dv, rows in token order) into the stream's output buffer — the newest row always, the
// whole window when asked for. P is the per-step uniform of the stream kernels.
#include "stream/params.wgsl"
#include "common/grid.wgsl"

const WG: u32 = 64u;

@group(0) @binding(1) var<storage, read> O: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;

/** One workgroup per (window row r, head). */
@compute @workgroup_size(WG)
fn emit(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  let r = groupIndex(wid, nwg);
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
      Y[yNew(h) + c] = y;
    }
    if (windows) {
      Y[yWin(h, r) + c] = y;
    }
  }
}
