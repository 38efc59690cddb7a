// CAST surrogate fitting, step 2: per token i and cluster c, the gradient through the
// mixing weights w̃ = softmax over the non-empty clusters of A_q[i, :]:
//   ∂L/∂A_q[i, c] = w̃_ic·(G_i·U_ic − G_i·O_i),  U_ic = Y^c_i (member) or R_c (not),
// written to DAQ[h][c][i]. The selection is held fixed (no gradient through A_g).

#include "cast/params.wgsl"

@group(0) @binding(1) var<storage, read> GZ: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read> SLOT: array<u32>;
@group(0) @binding(4) var<storage, read> R: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> Y: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> DAQ: array<f32>;

@compute @workgroup_size(256)
fn main(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let idx = tokenOf(wg, t);
  if (idx == NONE) { return; }
  let dv4 = P.dv4;
  let h = idx / P.n;
  let gb = idx * P.gz;
  let go = GZ[gb + dv4 * 4u];
  for (var c = 0u; c < P.nc; c++) {
    let hc = h * P.nc + c;
    let o = tokenColumn(idx) + c * P.n;
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
