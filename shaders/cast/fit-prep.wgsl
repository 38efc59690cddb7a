// CAST surrogate fitting, step 1 of the gradient (src/attention/cast/fit.ts): per token i,
// G_i = ∂L/∂O_i = 2(O_i − O*_i)/(H·N·dv) for the loss L = mean squared error against exact
// attention O*, written with G_i·O_i and the squared error to GZ[i] (stride F.gz); and the
// mixing weights renormalized in place, W_ic ← W_ic / Σ_{c non-empty} W_ic (0 for an empty
// cluster) — the forward rewrites W, so nothing is lost.

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
@group(0) @binding(2) var<storage, read> O: array<f32>;
@group(0) @binding(3) var<storage, read> OSTAR: array<f32>;
@group(0) @binding(4) var<storage, read> CNT: array<u32>;
@group(0) @binding(5) var<storage, read_write> W: array<f32>;
@group(0) @binding(6) var<storage, read_write> GZ: array<f32>;

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let idx = (wid.x + wid.y * nwg.x) * 256u + t;
  let n = P.n;
  let nc = P.nc;
  let dv = P.dv;
  if (idx >= P.heads * n) {
    return;
  }
  let h = idx / n;
  let i = idx % n;
  let gb = idx * F.gz;
  var sq = 0.0;
  var go = 0.0;
  for (var e = 0u; e < P.dv4 * 4u; e++) {
    var g = 0.0;
    if (e < dv) {
      let o = O[idx * dv + e];
      let diff = o - OSTAR[idx * dv + e];
      sq += diff * diff;
      g = F.lossScale * diff;
      go += g * o;
    }
    GZ[gb + e] = g;
  }
  GZ[gb + P.dv4 * 4u] = go;
  GZ[gb + P.dv4 * 4u + 1u] = sq;
  var z = 0.0;
  for (var c = 0u; c < nc; c++) {
    if (CNT[h * nc + c] > 0u) {
      z += W[(h * nc + c) * n + i];
    }
  }
  for (var c = 0u; c < nc; c++) {
    let o = (h * nc + c) * n + i;
    W[o] = select(0.0, W[o] / z, CNT[h * nc + c] > 0u);
  }
}
