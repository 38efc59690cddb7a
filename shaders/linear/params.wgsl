// The one uniform of every linear-attention kernel — the engine (kv, reduce, out), the
// features and implied-map kernels, and the trainer — at binding 0. The host packs it from
// this declaration (reflection: src/gpu/plan-kit.ts `own.params`); a kernel reads the fields
// it needs, the others are 0. Also the workgroup size and the index helpers they share.
#include "common/constants.wgsl"
#include "common/grid.wgsl"

struct Params {
  // ---- the feature map φ (phi.wgsl; src/attention/linear/plan.ts kernelFields)
  d: u32,
  // D: dimension of φ
  dim: u32,
  // favor: projection rows m; hedgehog and ffk: their width F
  m: u32,
  // ffk blocks
  layers: u32,
  // favor: d^(−1/4)
  xscale: f32,
  // favor: −½·log(m) (or log(2m) when hyperbolic)
  logc: f32,
  // hedgehog: offset of the k-side weights
  kside: u32,
  // favor: hyperbolic variant
  hyp: u32,
  // ---- the problem
  n: u32,
  dv: u32,
  heads: u32,
  causal: u32,
  // added to the normalizer φ(q)ᵀz
  eps: f32,
  // ---- this dispatch: its workgroups, and the first unit (chunk, row block, window row…) of its part
  groups: u32,
  part0: u32,
  // units of this part (kv: chunks; out: row blocks of 64)
  units: u32,
  // features: rows of this dispatch; map: rows of the window; trainer: 2·H·N (queries, then keys)
  rows: u32,
  // features: first source row (head·N + token); map: sequence index of the window's first row
  row0: u32,
  // ---- the engine: tokens per chunk, chunks per head, feature tiles and features per tile (FT of kv.wgsl)
  chunkLen: u32,
  chunks: u32,
  ftiles: u32,
  ft: u32,
  // ---- features.wgsl: 0 = query map, 1 = key map (Hedgehog has separate weights); first destination row
  side: u32,
  dst0: u32,
  // ---- map.wgsl: this key chunk (first key, count); the pooled overview's block edge and block columns
  key0: u32,
  keys: u32,
  pool: u32,
  pcols: u32,
  // ---- the trainer (src/attention/linear/train/gpu.ts)
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
  // Adam: rate, moments' decay, bias corrections 1/(1 − β1^t), 1/(1 − β2^t), ε
  lr: f32,
  beta1: f32,
  beta2: f32,
  bc1: f32,
  bc2: f32,
  adamEps: f32,
  // one weight-gradient job (train-back.wgsl weightGrad): rows [r0, r1), delta offset, input
  // (the token row when fromX, else ACT at inOff) of din columns, gradient offsets of W and b,
  // column tiles
  r0: u32,
  r1: u32,
  doff: u32,
  fromX: u32,
  inOff: u32,
  din: u32,
  gW: u32,
  gB: u32,
  ctiles: u32,
}

@group(0) @binding(0) var<uniform> P: Params;

// the workgroup size of every linear kernel (WG in plan.ts and train/gpu.ts)
const WG: u32 = 64u;

// The invocation's unit of work when each invocation has one (a row, a state element, a
// parameter): part0 workgroups on, in the folded grid.
fn unitIndex(grid: Grid, lid: u32) -> u32 {
  return (P.part0 + gridIndex(grid)) * WG + lid;
}

// One past the last key row i attends to.
fn keyEnd(i: u32) -> u32 {
  return select(P.n, i + 1u, P.causal != 0u);
}
