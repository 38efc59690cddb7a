// The one uniform of every Fastmax kernel (docs/spec/variants.md §5). The host packs it from
// this declaration (src/gpu/plan-kit.ts `params`, by reflection), so a field is added here only.

struct Params {
  n: u32, d: u32, dv: u32, heads: u32,
  causal: u32, p: u32, nfeat: u32, chunk: u32,
  chunks: u32, ftiles: u32, etiles: u32, rtiles: u32,
  g0: u32, groups: u32, center: u32, normalize: u32,
  lim: f32, invT: f32, a0: f32, a1: f32,
  a2: f32, mode: u32, row0: u32, rows: u32,
  pool: u32, pcols: u32, base: u32, head: u32,
  // state.wgsl: consecutive chunks handled by one workgroup, one after the other
  cpg: u32,
  // query/finalize (intra)/prep (stats): row tiles handled by one workgroup, one after the other
  rpg: u32,
}

@group(0) @binding(0) var<uniform> P: Params;

