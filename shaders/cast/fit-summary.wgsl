// CAST surrogate fitting, step 3: per cluster, the gradient reaching its summary,
// gR_c = Σ_{i ∉ I_c} w̃_ic·G_i (a row of dv4 vec4). One workgroup per (head, cluster):
// lanes × dv4 columns as in summary.wgsl, lanes striding over the tokens.

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

const NONE: u32 = 0xffffffffu;
const SB: u32 = 16u; // @specialize
const WG: u32 = SB * SB;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<uniform> F: Fit;
@group(0) @binding(2) var<storage, read> GZ: array<f32>;
@group(0) @binding(3) var<storage, read> W: array<f32>;
@group(0) @binding(4) var<storage, read> SLOT: array<u32>;
@group(0) @binding(5) var<storage, read_write> GR: array<vec4<f32>>;

var<workgroup> red4: array<vec4<f32>, WG>;

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
  let h = hc / P.nc;
  let lanes = P.lanes;
  let cols = WG / lanes;
  let c4 = t % cols;
  let lane = t / cols;
  var acc = vec4<f32>(0.0);
  if (c4 < P.dv4) {
    for (var i = lane; i < n; i += lanes) {
      let o = hc * n + i;
      let w = W[o];
      if (SLOT[o] == NONE && w != 0.0) {
        let gb = (h * n + i) * F.gz + c4 * 4u;
        acc += w * vec4<f32>(GZ[gb], GZ[gb + 1u], GZ[gb + 2u], GZ[gb + 3u]);
      }
    }
  }
  red4[t] = acc;
  workgroupBarrier();
  if (lane == 0u && c4 < P.dv4) {
    var sum = red4[t];
    for (var l = 1u; l < lanes; l++) {
      sum += red4[t + l * cols];
    }
    GR[hc * P.dv4 + c4] = sum;
  }
}
