// CAST surrogate fitting, step 4: through the summary weights r^c = softmax_j∈I_c(A_k[j, c]),
//   ∂L/∂A_k[j, c] = r^c_j·(gR_c·v_j − gR_c·R_c)   for the members j (by slot: DAK[h][c][slot]).
// One workgroup per (head, cluster), invocations over the member slots.

#include "cast/params.wgsl"

const WG: u32 = 64u;

@group(0) @binding(1) var<storage, read> GR: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> R: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read> MEM: array<u32>;
@group(0) @binding(5) var<storage, read> CNT: array<u32>;
@group(0) @binding(6) var<storage, read> RW: array<f32>;
@group(0) @binding(7) var<storage, read_write> DAK: array<f32>;

@compute @workgroup_size(WG)
fn main(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let hc = unitOf(wg);
  if (hc == NONE) { return; }
  let h = hc / P.nc;
  let cnt = CNT[hc];
  let mbase = hc * P.kappa;
  var grr = 0.0;
  for (var c4 = 0u; c4 < P.dv4; c4++) {
    grr += dot(GR[hc * P.dv4 + c4], R[hc * P.dv4 + c4]);
  }
  for (var s = t; s < cnt; s += WG) {
    let j = MEM[mbase + s];
    var gv = 0.0;
    for (var e = 0u; e < P.dv; e++) {
      gv += GR[hc * P.dv4 + e / 4u][e % 4u] * V[(h * P.n + j) * P.dv + e];
    }
    DAK[mbase + s] = RW[mbase + s] * (gv - grr);
  }
}
