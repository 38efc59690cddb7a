// CAST surrogate fitting, step 2: per token i and cluster c, the gradient through the
// mixing weights w̃ = softmax over the non-empty clusters of A_q[i, :]:
//   ∂L/∂A_q[i, c] = w̃_ic·(G_i·U_ic − G_i·O_i),  U_ic = Y^c_i (member) or R_c (not),
// written to DAQ[h][c][i]. The selection is held fixed (no gradient through A_g).

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

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<uniform> F: Fit;
@group(0) @binding(2) var<storage, read> GZ: array<f32>;
@group(0) @binding(3) var<storage, read> W: array<f32>;
@group(0) @binding(4) var<storage, read> SLOT: array<u32>;
@group(0) @binding(5) var<storage, read> R: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> Y: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> DAQ: array<f32>;

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let idx = (wid.x + wid.y * nwg.x) * 256u + t;
  let n = P.n;
  let nc = P.nc;
  let dv4 = P.dv4;
  if (idx >= P.heads * n) {
    return;
  }
  let h = idx / n;
  let i = idx % n;
  let gb = idx * F.gz;
  let go = GZ[gb + dv4 * 4u];
  for (var c = 0u; c < nc; c++) {
    let hc = h * nc + c;
    let o = hc * n + i;
    let w = W[o];
    var grad = 0.0;
    if (w != 0.0) {
      let slot = SLOT[o];
      var gu = 0.0;
      for (var c4 = 0u; c4 < dv4; c4++) {
        var u: vec4<f32>;
        if (slot == NONE) {
          u = R[hc * dv4 + c4];
        } else {
          u = Y[(hc * P.kappa + slot) * dv4 + c4];
        }
        let g = vec4<f32>(GZ[gb + c4 * 4u], GZ[gb + c4 * 4u + 1u], GZ[gb + c4 * 4u + 2u], GZ[gb + c4 * 4u + 3u]);
        gu += dot(g, u);
      }
      grad = w * (gu - go);
    }
    DAQ[o] = grad;
  }
}
