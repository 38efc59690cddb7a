// The entry point `rowTiles` of the kernels over tiles of 64 rows × 64 values of one head
// (query.wgsl, finalize.wgsl intra). Workgroup g takes `rpg` row tiles of one values tile, one
// after the other (fewer, longer workgroups where starting one is costly, e.g. on a software
// adapter). The includer defines fn rowTile(h, rt, etile, t), the work of one tile.
#include "fastmax/entry.wgsl"

@compute @workgroup_size(256)
fn rowTiles(grid: Grid, @builtin(local_invocation_index) t: u32) {
  let g = workgroupOf(grid);
  if (g == NONE) { return; }
  // g = (h · rgroups + row group) · etiles + values tile
  let rgroups = (P.rtiles + P.rpg - 1u) / P.rpg;
  let rg = (g / P.etiles) % rgroups;
  for (var rt = rg * P.rpg; rt < min(rg * P.rpg + P.rpg, P.rtiles); rt++) {
    rowTile(g / (P.etiles * rgroups), rt, g % P.etiles, t);
  }
}
