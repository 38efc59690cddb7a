// CAST surrogate fitting, step 5: ∂L/∂S_c = (Σ_i ∂L/∂A_q[i, c]·q_i + Σ_{j∈I_c} ∂L/∂A_k[j, c]·k_j)/τ,
// one workgroup per (head, cluster): invocations are P.dlanes lanes × (WG / dlanes) channels;
// lanes stride over the tokens (then the member slots), and the lanes' sums are added up.

#include "cast/params.wgsl"
#include "cast/reduce.wgsl"

const SB: u32 = 16u; // @specialize
const WG: u32 = SB * SB;

@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> DAQ: array<f32>;
@group(0) @binding(4) var<storage, read> DAK: array<f32>;
@group(0) @binding(5) var<storage, read> MEM: array<u32>;
@group(0) @binding(6) var<storage, read> CNT: array<u32>;
@group(0) @binding(7) var<storage, read_write> GS: array<f32>;

@compute @workgroup_size(WG)
fn main(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let hc = unitOf(wg);
  if (hc == NONE) { return; }
  let h = hc / P.nc;
  let lanes = P.dlanes;
  let cols = WG / lanes;
  let lane = t / cols;
  let cnt = CNT[hc];
  let mbase = hc * P.kappa;
  // more channels than columns: loop over blocks of `cols` channels
  for (var e0 = 0u; e0 < P.d; e0 += cols) {
    let e = e0 + t % cols;
    var acc = 0.0;
    if (e < P.d) {
      for (var i = lane; i < P.n; i += lanes) {
        acc += DAQ[hc * P.n + i] * Q[(h * P.n + i) * P.d + e];
      }
      for (var s = lane; s < cnt; s += lanes) {
        acc += DAK[mbase + s] * K[(h * P.n + MEM[mbase + s]) * P.d + e];
      }
    }
    let sum = laneSum4(t, cols, lanes, vec4<f32>(acc, 0.0, 0.0, 0.0)).x;
    if (t < cols && e < P.d) {
      GS[hc * P.d + e] = sum * P.scale;
    }
  }
}
