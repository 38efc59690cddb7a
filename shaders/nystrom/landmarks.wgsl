// Segment-mean landmarks (docs/spec/variants.md §1 step 2): Q̃ = means of q̂ = q·d^(−1/4) over m
// contiguous segments of the N tokens, and K̃ likewise. When m ∤ N the first (N mod m)
// segments have ⌈N/m⌉ tokens and the rest ⌊N/m⌋. One invocation per (head, landmark,
// channel) element of both Q̃ and K̃. Params: rows = m, inner = N, cols = d, α = d^(−1/4).
#include "nystrom/params.wgsl"
#include "common/grid.wgsl"

@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read_write> QL: array<f32>;
@group(0) @binding(4) var<storage, read_write> KL: array<f32>;

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let g = groupIndex(wid, nwg);
  if (g >= P.groups) {
    return;
  }
  let m = P.rows;
  let n = P.inner;
  let d = P.cols;
  let e = g * 64u + t;
  if (e >= P.batches * m * d) {
    return;
  }
  let h = e / (m * d);
  let l = (e / d) % m;
  let c = e % d;
  let rem = n % m;
  let start = l * (n / m) + min(l, rem);
  let len = n / m + select(0u, 1u, l < rem);
  var sq = 0.0;
  var sk = 0.0;
  for (var i = start; i < start + len; i++) {
    let x = (h * n + i) * d + c;
    sq += Q[x];
    sk += K[x];
  }
  let s = P.alpha / f32(len);
  QL[e] = sq * s;
  KL[e] = sk * s;
}
