// The trainer's uniform (src/train/gpu.ts), shared by every training shader.
// Rows r ∈ [0, 2·H·N): r < H·N are query rows (head r / N, token r % N), the rest key rows.
struct TParams {
  n: u32,
  d: u32,
  dv: u32,
  heads: u32,
  causal: u32,
  // 2·H·N
  rows: u32,
  // D (features), ffk width F (hedgehog: F = d), ffk blocks
  dim: u32,
  width: u32,
  layers: u32,
  // floats per row of ACT (ffk: per block u (F), v (F), then its output h (F)) and of DEL
  // (ffk: per block du (F), dv (F); hedgehog: F)
  astride: u32,
  dstride: u32,
  // floats per row of ROW: [R, loss, errSq, refSq, g·ô, pad, pad, pad, g (dv)]; after the
  // H·N query rows: MK[h] (H floats), then the keys' weights w = e^{OFF − MK} (H·N floats)
  rstride: u32,
  // 0 = soft-label cross-entropy, 1 = output MSE
  loss: u32,
  nparams: u32,
  // 1/(H·N), 1/√d
  invRows: f32,
  scale: f32,
  // Adam
  lr: f32,
  beta1: f32,
  beta2: f32,
  // 1/(1 − β1^t), 1/(1 − β2^t)
  bc1: f32,
  bc2: f32,
  adamEps: f32,
  // dispatch part: first unit of this dispatch and units
  part0: u32,
  groups: u32,
}

const TWG: u32 = 64u;
const TNEG: f32 = -3.0e38;
