// The folded workgroup grid. The host (src/gpu/gpu.ts `dispatch`) folds a 1-D count of
// workgroups above maxComputeWorkgroupsPerDimension into a 2-D grid; a kernel recovers its
// linear workgroup index with groupIndex and returns, workgroup-uniformly, past its count:
//
//   let g = groupIndex(wid, nwg);
//   if (g >= P.groups) { return; }
fn groupIndex(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}
