// What every Fastmax entry point starts from: the workgroup grid as one parameter (Grid of
// common/grid.wgsl), and the index of its workgroup in the dispatch's range of workgroups
// [P.g0, P.g0 + P.groups) (the host splits long work into such ranges, each its own uniform).
#include "fastmax/params.wgsl"
#include "common/grid.wgsl"
#include "common/constants.wgsl"

// P.g0 + the folded workgroup index, or NONE (common/constants.wgsl) past the range: the entry point then returns, the
// whole workgroup at once, so control flow stays uniform for the barriers that follow
fn workgroupOf(grid: Grid) -> u32 {
  let gl = gridIndex(grid);
  return select(NONE, P.g0 + gl, gl < P.groups);
}
