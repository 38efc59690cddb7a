// CAST surrogate fitting, step 4: through the summary weights r^c = softmax_j∈I_c(A_k[j, c]),
//   ∂L/∂A_k[j, c] = r^c_j·(gR_c·v_j − gR_c·R_c)   for the members j (by slot: DAK[h][c][slot]).
// One workgroup per (head, cluster), invocations over the member slots.

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

const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> GR: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> R: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read> MEM: array<u32>;
@group(0) @binding(5) var<storage, read> CNT: array<u32>;
@group(0) @binding(6) var<storage, read> RW: array<f32>;
@group(0) @binding(7) var<storage, read_write> DAK: array<f32>;

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
  let dv4 = P.dv4;
  let h = hc / P.nc;
  let cnt = CNT[hc];
  let mbase = hc * P.kappa;
  var grr = 0.0;
  for (var c4 = 0u; c4 < dv4; c4++) {
    grr += dot(GR[hc * dv4 + c4], R[hc * dv4 + c4]);
  }
  for (var s = t; s < cnt; s += WG) {
    let j = MEM[mbase + s];
    var gv = 0.0;
    for (var e = 0u; e < dv; e++) {
      gv += GR[hc * dv4 + e / 4u][e % 4u] * V[(h * n + j) * dv + e];
    }
    DAK[mbase + s] = RW[mbase + s] * (gv - grr);
  }
}
