// CAST surrogate fitting, step 6: one Adam step on every element of S (H×N_c×d):
// m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², S ← S − lr·(m/c1)/(√(v/c2) + ε),
// c1 = 1 − β1^t, c2 = 1 − β2^t. MOM holds (m, v) per element.

#include "cast/params.wgsl"

@group(0) @binding(1) var<storage, read> GS: array<f32>;
@group(0) @binding(2) var<storage, read_write> S: array<f32>;
@group(0) @binding(3) var<storage, read_write> MOM: array<vec2<f32>>;

@compute @workgroup_size(256)
fn main(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let x = groupIndex(wg.wid, wg.nwg) * 256u + t;
  if (x >= P.heads * P.nc * P.d) {
    return;
  }
  let g = GS[x];
  var mv = MOM[x];
  mv.x = P.beta1 * mv.x + (1.0 - P.beta1) * g;
  mv.y = P.beta2 * mv.y + (1.0 - P.beta2) * g * g;
  MOM[x] = mv;
  S[x] -= P.lr * (mv.x / P.c1) / (sqrt(mv.y / P.c2) + P.eps);
}
