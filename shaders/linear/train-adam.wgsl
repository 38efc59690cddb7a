// Trainer: one Adam step (Kingma & Ba) on every parameter (train-common.wgsl is prepended):
//   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²,  θ ← θ − lr·(m/(1 − β1^t)) / (√(v/(1 − β2^t)) + ε)

@group(0) @binding(0) var<uniform> U: TParams;
@group(0) @binding(1) var<storage, read_write> P: array<f32>;
@group(0) @binding(2) var<storage, read> GRAD: array<f32>;
@group(0) @binding(3) var<storage, read_write> M1: array<f32>;
@group(0) @binding(4) var<storage, read_write> M2: array<f32>;

@compute @workgroup_size(TWG)
fn adam(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let p = (wid.x + wid.y * nwg.x) * TWG + lid;
  if (p >= U.nparams) {
    return;
  }
  let g = GRAD[p];
  let m = U.beta1 * M1[p] + (1.0 - U.beta1) * g;
  let v = U.beta2 * M2[p] + (1.0 - U.beta2) * g * g;
  M1[p] = m;
  M2[p] = v;
  P[p] -= U.lr * (m * U.bc1) / (sqrt(v * U.bc2) + U.adamEps);
}
