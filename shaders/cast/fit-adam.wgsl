// CAST surrogate fitting, step 6: one Adam step on every element of S (H×N_c×d):
// m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², S ← S − lr·(m/c1)/(√(v/c2) + ε),
// c1 = 1 − β1^t, c2 = 1 − β2^t. MOM holds (m, v) per element.

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

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<uniform> F: Fit;
@group(0) @binding(2) var<storage, read> GS: array<f32>;
@group(0) @binding(3) var<storage, read_write> S: array<f32>;
@group(0) @binding(4) var<storage, read_write> MOM: array<vec2<f32>>;

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let x = (wid.x + wid.y * nwg.x) * 256u + t;
  if (x >= P.heads * P.nc * P.d) {
    return;
  }
  let g = GS[x];
  var mv = MOM[x];
  mv.x = F.beta1 * mv.x + (1.0 - F.beta1) * g;
  mv.y = F.beta2 * mv.y + (1.0 - F.beta2) * g * g;
  MOM[x] = mv;
  S[x] -= F.lr * (mv.x / F.c1) / (sqrt(mv.y / F.c2) + F.eps);
}
