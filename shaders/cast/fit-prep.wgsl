// CAST surrogate fitting, step 1 of the gradient (src/attention/cast/fit.ts): per token i,
// G_i = ∂L/∂O_i = 2(O_i − O*_i)/(H·N·dv) for the loss L = mean squared error against exact
// attention O*, written with G_i·O_i and the squared error to GZ[i] (stride P.gz); and the
// mixing weights renormalized in place, W_ic ← W_ic / Σ_{c non-empty} W_ic (0 for an empty
// cluster) — the forward rewrites W, so nothing is lost.

#include "cast/params.wgsl"

@group(0) @binding(1) var<storage, read> O: array<f32>;
@group(0) @binding(2) var<storage, read> OSTAR: array<f32>;
@group(0) @binding(3) var<storage, read> CNT: array<u32>;
@group(0) @binding(4) var<storage, read_write> W: array<f32>;
@group(0) @binding(5) var<storage, read_write> GZ: array<f32>;

@compute @workgroup_size(256)
fn main(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let idx = tokenOf(wg, t);
  if (idx == NONE) { return; }
  let dv = P.dv;
  let gb = idx * P.gz;
  var sq = 0.0;
  var go = 0.0;
  for (var e = 0u; e < P.dv4 * 4u; e++) {
    var g = 0.0;
    if (e < dv) {
      let o = O[idx * dv + e];
      let diff = o - OSTAR[idx * dv + e];
      sq += diff * diff;
      g = P.lossScale * diff;
      go += g * o;
    }
    GZ[gb + e] = g;
  }
  GZ[gb + P.dv4 * 4u] = go;
  GZ[gb + P.dv4 * 4u + 1u] = sq;
  let h = idx / P.n;
  let w0 = tokenColumn(idx);
  var z = 0.0;
  for (var c = 0u; c < P.nc; c++) {
    if (CNT[h * P.nc + c] > 0u) {
      z += W[w0 + c * P.n];
    }
  }
  for (var c = 0u; c < P.nc; c++) {
    let o = w0 + c * P.n;
    W[o] = select(0.0, W[o] / z, CNT[h * P.nc + c] > 0u);
  }
}
