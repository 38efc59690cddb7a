// The one uniform of every Nyström kernel (docs/spec/variants.md §1), also used by the continual
// engine's landmark products. The host packs it from this declaration (src/gpu/plan-kit.ts
// `params`, by reflection); a field is added here only. Each kernel reads the fields it needs
// and the host leaves the others 0.
//
// Every kernel works on `batches` matrices (one per head) at once; in matrix terms
//   matmul     C (rows×cols) = α · X (rows×inner) · op(Y) (inner×cols) + β·I,
//              op(Y) = γ·I + σ·Y, or Yᵀ (transY)
//   sumSplits  C = α · the sum of `splits` partial products, read through X's offsets
//   softmax    the rows of C (rows×cols per batch), in place
//   landmarks  C (rows = m landmarks × cols = d) = α · segment means of X (inner = N tokens × d)
//   pinv       C (Z, rows×rows) ≈ X⁻¹ (X = A, rows×rows), `iters` steps in the fused path

struct Params {
  rows: u32,
  inner: u32,
  cols: u32,
  batches: u32,
  // element offsets of batch 0, the strides between batches, the row strides (leading dimensions)
  xOff: u32,
  yOff: u32,
  cOff: u32,
  xStride: u32,
  yStride: u32,
  cStride: u32,
  ldx: u32,
  ldy: u32,
  ldc: u32,
  // matmul: Y used transposed; tiles in a row of C and in one batch; split-K count and length
  transY: u32,
  tilesC: u32,
  tiles: u32,
  splits: u32,
  splitLen: u32,
  // pinv: steps of the fused path
  iters: u32,
  // this dispatch's share of the work: its first work item and its workgroup count
  g0: u32,
  groups: u32,
  alpha: f32,
  beta: f32,
  gamma: f32,
  sigma: f32,
}

@group(0) @binding(0) var<uniform> P: Params;
