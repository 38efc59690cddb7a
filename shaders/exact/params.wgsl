// The one uniform struct of exact attention, shared by its three shaders (flash, materialized,
// map). A kernel reads only the fields its dispatch needs; the others are zero.

struct Params {
  n: u32,
  d: u32,
  dv: u32,
  heads: u32,
  causal: u32,
  // workgroups of this dispatch (the grid may be folded into 2-D: common/grid.wgsl)
  groups: u32,
  scale: f32,
  // flash: first row block of this part (the part has groups / heads row blocks per head)
  // map:   first row (rows) or block row (pooled) of this part (one workgroup each)
  first: u32,
  // materialized: tiles per head along the rows / columns of the product being computed
  rowTiles: u32,
  colTiles: u32,
  // map: the head shown, pool edge and block columns = ⌈n / pool⌉ (pooled), and the first row
  // of the whole window (OUT row 0; the parts of a window share the buffer)
  head: u32,
  pool: u32,
  pcols: u32,
  base: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
