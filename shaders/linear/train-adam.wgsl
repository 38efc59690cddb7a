// Trainer: one Adam step (Kingma & Ba) on every parameter:
//   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²,  θ ← θ − lr·(m/(1 − β1^t)) / (√(v/(1 − β2^t)) + ε)

#include "linear/params.wgsl"

@group(0) @binding(1) var<storage, read_write> THETA: array<f32>;
@group(0) @binding(2) var<storage, read> GRAD: array<f32>;
@group(0) @binding(3) var<storage, read_write> M1: array<f32>;
@group(0) @binding(4) var<storage, read_write> M2: array<f32>;

@compute @workgroup_size(WG)
fn adam(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let p = unitIndex(grid, lid);
  if (p >= P.nparams) { return; }
  let g = GRAD[p];
  let m = P.beta1 * M1[p] + (1.0 - P.beta1) * g;
  let v = P.beta2 * M2[p] + (1.0 - P.beta2) * g * g;
  M1[p] = m;
  M2[p] = v;
  THETA[p] -= P.lr * (m * P.bc1) / (sqrt(v * P.bc2) + P.adamEps);
}
