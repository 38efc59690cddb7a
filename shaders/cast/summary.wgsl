// CAST step 5: cluster summaries. r^c = softmax over the members j ∈ I_c of A_k[j, c],
// written per member slot to RW[h][c][slot] (the map and the fitting read it);
// R_c = Σ_j r^c_j·v_j (a row of dv4 vec4). One workgroup per (head, cluster): invocations are
// lanes × dv4 columns (lanes = WG / pow2(dv4)), each lane strides over the members, and the
// lanes' partial sums are added up in workgroup memory. An empty cluster gets R = 0.

#include "cast/params.wgsl"
#include "cast/reduce.wgsl"

// SB² invocations: 16² on GPUs, 8² on a software adapter (barriers cost per invocation there)
const SB: u32 = 16u; // @specialize
const WG: u32 = SB * SB;

@group(0) @binding(1) var<storage, read> LK: array<f32>;
@group(0) @binding(2) var<storage, read> V: array<f32>;
@group(0) @binding(3) var<storage, read> MEM: array<u32>;
@group(0) @binding(4) var<storage, read> CNT: array<u32>;
@group(0) @binding(5) var<storage, read_write> R: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> RW: array<f32>;

var<workgroup> wcnt: u32;

@compute @workgroup_size(WG)
fn main(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let hc = unitOf(wg);
  if (hc == NONE) { return; }
  let h = hc / P.nc;
  let mbase = hc * P.kappa;
  let lrow = hc * P.n;
  if (t == 0u) {
    wcnt = CNT[hc];
  }
  let cnt = workgroupUniformLoad(&wcnt);

  var m = NEG;
  for (var s = t; s < cnt; s += WG) {
    m = max(m, LK[lrow + MEM[mbase + s]]);
  }
  m = twoLevelMax(t, m);
  var z = 0.0;
  for (var s = t; s < cnt; s += WG) {
    z += exp(LK[lrow + MEM[mbase + s]] - m);
  }
  z = twoLevelSum(t, z);
  for (var s = t; s < cnt; s += WG) {
    RW[mbase + s] = exp(LK[lrow + MEM[mbase + s]] - m) / z;
  }

  // lanes × columns: column c4 = t % cols, lane = t / cols (cols = WG / lanes ≥ dv4)
  let cols = WG / P.lanes;
  let c4 = t % cols;
  var acc = vec4<f32>(0.0);
  if (c4 < P.dv4 && cnt > 0u) {
    for (var s = t / cols; s < cnt; s += P.lanes) {
      let j = MEM[mbase + s];
      let w = exp(LK[lrow + j] - m) / z; // = RW[mbase + s]
      let vb = (h * P.n + j) * P.dv;
      var x = vec4<f32>(0.0);
      for (var e = 0u; e < 4u; e++) {
        let c = c4 * 4u + e;
        if (c < P.dv) {
          x[e] = V[vb + c];
        }
      }
      acc += w * x;
    }
  }
  let sum = laneSum4(t, cols, P.lanes, acc);
  if (t < cols && c4 < P.dv4) {
    R[hc * P.dv4 + c4] = sum;
  }
}
