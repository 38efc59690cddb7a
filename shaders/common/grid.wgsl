// The folded workgroup grid. The host (src/gpu/gpu.ts `dispatch`) folds a 1-D count of
// workgroups above maxComputeWorkgroupsPerDimension into a 2-D grid; a kernel recovers its
// linear workgroup index with groupIndex and returns, workgroup-uniformly, past its count:
//
//   let g = groupIndex(wid, nwg);
//   if (g >= P.groups) { return; }
fn groupIndex(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// The same through one entry-point parameter holding both built-ins:
//
//   @compute @workgroup_size(WG)
//   fn main(grid: Grid, @builtin(local_invocation_index) t: u32) {
//     let g = gridIndex(grid);
//     if (g >= P.groups) { return; }
//
// Only workgroup-uniform built-ins belong in Grid: WGSL's uniformity analysis tracks whole
// values, so a struct that also held local_invocation_index would make g non-uniform and every
// barrier after the guard a compile error.
struct Grid {
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
}

fn gridIndex(grid: Grid) -> u32 {
  return groupIndex(grid.wid, grid.nwg);
}
