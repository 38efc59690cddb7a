// Segment-mean landmarks (spec/variants.md §1 step 2): Q̃ = means of q̂ = q·d^(−1/4) over m
// contiguous segments of the N tokens, and K̃ likewise. When m ∤ N the first (N mod m)
// segments have ⌈N/m⌉ tokens and the rest ⌊N/m⌋. One invocation per (head, landmark,
// channel) element of both Q̃ and K̃.

struct Params {
  n: u32,
  d: u32,
  m: u32,
  heads: u32,
  // ⌊N/m⌋ and N mod m
  base: u32,
  rem: u32,
  scale: f32,
  groups: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
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
  let local = wid.x + wid.y * nwg.x;
  if (local >= P.groups) {
    return;
  }
  let e = local * 64u + t;
  if (e >= P.heads * P.m * P.d) {
    return;
  }
  let h = e / (P.m * P.d);
  let l = (e / P.d) % P.m;
  let c = e % P.d;
  let start = l * P.base + min(l, P.rem);
  let len = P.base + select(0u, 1u, l < P.rem);
  var sq = 0.0;
  var sk = 0.0;
  for (var i = start; i < start + len; i++) {
    let x = (h * P.n + i) * P.d + c;
    sq += Q[x];
    sk += K[x];
  }
  let s = P.scale / f32(len);
  QL[e] = sq * s;
  KL[e] = sk * s;
}
