// CAST per-token membership, for the UI's cluster strip and the coverage metrics:
// TSTAT[h][i] = (number of clusters token i joined, the joined cluster with the largest
// W_ic — ties: lower index — or NONE).

#include "cast/params.wgsl"

@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read> SLOT: array<u32>;
@group(0) @binding(3) var<storage, read_write> TSTAT: array<u32>;

@compute @workgroup_size(256)
fn main(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let idx = tokenOf(wg, t);
  if (idx == NONE) { return; }
  let base = tokenColumn(idx);
  var count = 0u;
  var best = NONE;
  var bestW = 0.0;
  for (var c = 0u; c < P.nc; c++) {
    let o = base + c * P.n;
    if (SLOT[o] != NONE) {
      count++;
      if (best == NONE || W[o] > bestW) {
        best = c;
        bestW = W[o];
      }
    }
  }
  TSTAT[2u * idx] = count;
  TSTAT[2u * idx + 1u] = best;
}
