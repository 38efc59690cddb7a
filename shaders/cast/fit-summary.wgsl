// CAST surrogate fitting, step 3: per cluster, the gradient reaching its summary,
// gR_c = Σ_{i ∉ I_c} w̃_ic·G_i (a row of dv4 vec4). One workgroup per (head, cluster):
// lanes × dv4 columns as in summary.wgsl, lanes striding over the tokens.

#include "cast/params.wgsl"
#include "cast/reduce.wgsl"

const SB: u32 = 16u; // @specialize
const WG: u32 = SB * SB;

@group(0) @binding(1) var<storage, read> GZ: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read> SLOT: array<u32>;
@group(0) @binding(4) var<storage, read_write> GR: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let hc = unitOf(wg);
  if (hc == NONE) { return; }
  let h = hc / P.nc;
  let cols = WG / P.lanes;
  let c4 = t % cols;
  var acc = vec4<f32>(0.0);
  if (c4 < P.dv4) {
    for (var i = t / cols; i < P.n; i += P.lanes) {
      let o = hc * P.n + i;
      let w = W[o];
      if (SLOT[o] == NONE && w != 0.0) {
        let gb = (h * P.n + i) * P.gz + c4 * 4u;
        acc += w * vec4<f32>(GZ[gb], GZ[gb + 1u], GZ[gb + 2u], GZ[gb + 3u]);
      }
    }
  }
  let sum = laneSum4(t, cols, P.lanes, acc);
  if (t < cols && c4 < P.dv4) {
    GR[hc * P.dv4 + c4] = sum;
  }
}
