// CAST surrogate fitting, step 5: ∂L/∂S_c = (Σ_i ∂L/∂A_q[i, c]·q_i + Σ_{j∈I_c} ∂L/∂A_k[j, c]·k_j)/τ,
// one workgroup per (head, cluster): invocations are F.dlanes lanes × (WG / dlanes) channels;
// lanes stride over the tokens (then the member slots), and the lanes' sums are added up.

struct Params {
  n: u32, d: u32, dv: u32, heads: u32,
  nc: u32, kappa: u32, mode: u32, affinity: u32,
  group0: u32, groups: u32, tiles: u32, blocks: u32,
  scale: f32, head: u32, row0: u32, base: u32,
  pool: u32, pcols: u32, lanes: u32, dv4: u32,
}

// the fitting step: loss scale 2/(H·N·dv), Adam (lr, β1, β2, ε, bias corrections 1 − β^t),
// the row stride of GZ (dv4·4 + 2: G, then G·O, then the squared error), lanes of the
// per-cluster reductions over the d channels
struct Fit {
  lossScale: f32, lr: f32, beta1: f32, beta2: f32,
  eps: f32, c1: f32, c2: f32, gz: u32,
  dlanes: u32, pad0: u32, pad1: u32, pad2: u32,
}

const SB: u32 = 16u; // @specialize
const WG: u32 = SB * SB;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<uniform> F: Fit;
@group(0) @binding(2) var<storage, read> Q: array<f32>;
@group(0) @binding(3) var<storage, read> K: array<f32>;
@group(0) @binding(4) var<storage, read> DAQ: array<f32>;
@group(0) @binding(5) var<storage, read> DAK: array<f32>;
@group(0) @binding(6) var<storage, read> MEM: array<u32>;
@group(0) @binding(7) var<storage, read> CNT: array<u32>;
@group(0) @binding(8) var<storage, read_write> GS: array<f32>;

var<workgroup> red: array<f32, WG>;

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
  let d = P.d;
  let h = hc / P.nc;
  let lanes = F.dlanes;
  let cols = WG / lanes;
  let lane = t / cols;
  let col = t % cols;
  let cnt = CNT[hc];
  let mbase = hc * P.kappa;
  // more channels than columns: loop over blocks of `cols` channels
  for (var e0 = 0u; e0 < d; e0 += cols) {
    let e = e0 + col;
    var acc = 0.0;
    if (e < d) {
      for (var i = lane; i < n; i += lanes) {
        acc += DAQ[hc * n + i] * Q[(h * n + i) * d + e];
      }
      for (var s = lane; s < cnt; s += lanes) {
        acc += DAK[mbase + s] * K[(h * n + MEM[mbase + s]) * d + e];
      }
    }
    red[t] = acc;
    workgroupBarrier();
    if (lane == 0u && e < d) {
      var sum = red[t];
      for (var l = 1u; l < lanes; l++) {
        sum += red[t + l * cols];
      }
      GS[hc * d + e] = sum * P.scale;
    }
    workgroupBarrier();
  }
}
