// φ of a block of token rows written to memory. Used for display (the implied map) and, for
// the feed-forward kernel only, by the forward: its hidden blocks would otherwise be
// recomputed by every invocation that needs a slice of a key's features.
// PHI[r·D + f] = φ'(x_{row0 + r})_f and OFF[r] its log scale (φ = φ'·e^{OFF}): exp kernels
// are scaled to a row maximum of 1, the others have OFF = 0. Rows go to dst0 + r.
#include "linear/phi.wgsl"

@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read_write> PHI: array<f32>;
@group(0) @binding(4) var<storage, read_write> OFF: array<f32>;

@compute @workgroup_size(WG)
fn features(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let r = unitIndex(grid, lid);
  if (r >= P.rows) { return; }
  let d = P.d;
  var x: array<f32, DMAX>;
  let xb = (P.row0 + r) * d;
  for (var c = 0u; c < d; c++) {
    x[c] = X[xb + c];
  }
  var phi: array<f32, FMAX>;
  let m = rowFeatures(P.side, &x, &phi);
  let o = P.dst0 + r;
  for (var f = 0u; f < P.dim; f++) {
    PHI[o * P.dim + f] = phi[f];
  }
  OFF[o] = m;
}
