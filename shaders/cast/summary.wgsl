// CAST step 5: cluster summaries. r^c = softmax over the members j ∈ I_c of A_k[j, c],
// written per member slot to RW[h][c][slot] (the map and the fitting read it);
// R_c = Σ_j r^c_j·v_j (a row of dv4 vec4). One workgroup per (head, cluster): invocations are
// lanes × dv4 columns (lanes = WG / pow2(dv4)), each lane strides over the members, and the
// lanes' partial sums are added up in workgroup memory. An empty cluster gets R = 0.

struct Params {
  n: u32, d: u32, dv: u32, heads: u32,
  nc: u32, kappa: u32, mode: u32, affinity: u32,
  group0: u32, groups: u32, tiles: u32, blocks: u32,
  scale: f32, head: u32, row0: u32, base: u32,
  pool: u32, pcols: u32, lanes: u32, dv4: u32,
}

const NEG: f32 = -3.0e38;
// SB² invocations: 16² on GPUs, 8² on a software adapter (barriers cost per invocation there)
const SB: u32 = 16u; // @specialize
const WG: u32 = SB * SB;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> LK: array<f32>;
@group(0) @binding(2) var<storage, read> V: array<f32>;
@group(0) @binding(3) var<storage, read> MEM: array<u32>;
@group(0) @binding(4) var<storage, read> CNT: array<u32>;
@group(0) @binding(5) var<storage, read_write> R: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> RW: array<f32>;

var<workgroup> red: array<f32, WG>;
var<workgroup> part: array<f32, SB>;
var<workgroup> red4: array<vec4<f32>, WG>;
var<workgroup> wcnt: u32;

// Two-level reductions over the WG invocations (SB partial results of SB, then one of SB):
// three barriers instead of 2·log₂(WG) — barriers are what a software adapter pays for.
fn reduceMax(t: u32, x: f32) -> f32 {
  red[t] = x;
  workgroupBarrier();
  if (t < SB) {
    var r = red[t * SB];
    for (var k = 1u; k < SB; k++) {
      r = max(r, red[t * SB + k]);
    }
    part[t] = r;
  }
  workgroupBarrier();
  var r = part[0];
  for (var k = 1u; k < SB; k++) {
    r = max(r, part[k]);
  }
  workgroupBarrier();
  return r;
}

fn reduceSum(t: u32, x: f32) -> f32 {
  red[t] = x;
  workgroupBarrier();
  if (t < SB) {
    var r = 0.0;
    for (var k = 0u; k < SB; k++) {
      r += red[t * SB + k];
    }
    part[t] = r;
  }
  workgroupBarrier();
  var r = 0.0;
  for (var k = 0u; k < SB; k++) {
    r += part[k];
  }
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
  let hc = P.group0 + local;
  let n = P.n;
  let dv = P.dv;
  let h = hc / P.nc;
  let mbase = hc * P.kappa;
  let lrow = hc * n;
  if (t == 0u) {
    wcnt = CNT[hc];
  }
  let cnt = workgroupUniformLoad(&wcnt);

  var m = NEG;
  for (var s = t; s < cnt; s += WG) {
    m = max(m, LK[lrow + MEM[mbase + s]]);
  }
  m = reduceMax(t, m);
  var z = 0.0;
  for (var s = t; s < cnt; s += WG) {
    z += exp(LK[lrow + MEM[mbase + s]] - m);
  }
  z = reduceSum(t, z);
  for (var s = t; s < cnt; s += WG) {
    RW[mbase + s] = exp(LK[lrow + MEM[mbase + s]] - m) / z;
  }

  // lanes × columns: column c4 = t % cols, lane = t / cols (cols = WG / lanes ≥ dv4)
  let lanes = P.lanes;
  let cols = WG / lanes;
  let c4 = t % cols;
  let lane = t / cols;
  var acc = vec4<f32>(0.0);
  if (c4 < P.dv4 && cnt > 0u) {
    for (var s = lane; s < cnt; s += lanes) {
      let j = MEM[mbase + s];
      let w = exp(LK[lrow + j] - m) / z; // = RW[mbase + s]
      let vb = (h * n + j) * dv;
      var x = vec4<f32>(0.0);
      for (var e = 0u; e < 4u; e++) {
        let c = c4 * 4u + e;
        if (c < dv) {
          x[e] = V[vb + c];
        }
      }
      acc += w * x;
    }
  }
  red4[t] = acc;
  workgroupBarrier();
  if (lane == 0u && c4 < P.dv4) {
    var sum = red4[t];
    for (var l = 1u; l < lanes; l++) {
      sum += red4[t + l * cols];
    }
    R[hc * P.dv4 + c4] = sum;
  }
}
