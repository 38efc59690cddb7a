// CAST step 1 (spec/variants.md §3): the affinity logits A_q = Q·Sᵀ/τ and A_k = K·Sᵀ/τ,
// τ = √d, for every head. Output is cluster-major, L[h][c][i], so that the per-cluster
// kernels (selection, summaries) and the per-token kernels (softmax, mixing) both read
// consecutive tokens.
//
// One invocation per token (BT = 64 tokens of one head per workgroup) holds its q and k rows
// in registers; the surrogates stream through workgroup memory CT clusters at a time
// (CT·DMAX ≤ 4096 floats), and each invocation computes its 2·CT dot products between two
// barriers — long stretches of arithmetic per barrier, which suits a software adapter as well
// as a GPU (the tile of S is read by every invocation at the same address: a broadcast).
// Workgroups are numbered g = h·tiles + tile; a dispatch covers g ∈ [group0, group0 + groups).

struct Params {
  n: u32, d: u32, dv: u32, heads: u32,
  nc: u32, kappa: u32, mode: u32, affinity: u32,
  group0: u32, groups: u32, tiles: u32, blocks: u32,
  scale: f32, head: u32, row0: u32, base: u32,
  pool: u32, pcols: u32, lanes: u32, dv4: u32,
}

const DMAX: u32 = 64u; // @specialize
const D4: u32 = DMAX / 4u;
const CT: u32 = 64u; // @specialize (CT·DMAX ≤ 4096)
const BT: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> S: array<f32>;
@group(0) @binding(4) var<storage, read_write> LQ: array<f32>;
@group(0) @binding(5) var<storage, read_write> LK: array<f32>;

var<workgroup> St: array<vec4<f32>, CT * D4>;

@compute @workgroup_size(BT)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let local = wid.x + wid.y * nwg.x;
  if (local >= P.groups) {
    return; // whole workgroup: uniform
  }
  let g = P.group0 + local;
  let n = P.n;
  let d = P.d;
  let nc = P.nc;
  let h = g / P.tiles;
  let i = (g % P.tiles) * BT + t;
  let live = i < n;
  let row = (h * n + min(i, n - 1u)) * d;
  var q: array<vec4<f32>, D4>;
  var k: array<vec4<f32>, D4>;
  for (var c4 = 0u; c4 < D4; c4++) {
    var a = vec4<f32>(0.0);
    var b = vec4<f32>(0.0);
    for (var e = 0u; e < 4u; e++) {
      let c = c4 * 4u + e;
      if (c < d) {
        a[e] = Q[row + c];
        b[e] = K[row + c];
      }
    }
    q[c4] = a;
    k[c4] = b;
  }
  for (var c0 = 0u; c0 < nc; c0 += CT) {
    let cts = min(CT, nc - c0);
    for (var e = t; e < CT * D4; e += BT) {
      let cc = e / D4;
      let e0 = (e % D4) * 4u;
      var x = vec4<f32>(0.0);
      if (cc < cts) {
        let sb = (h * nc + c0 + cc) * d;
        for (var j = 0u; j < 4u; j++) {
          if (e0 + j < d) {
            x[j] = S[sb + e0 + j];
          }
        }
      }
      St[e] = x;
    }
    workgroupBarrier();
    if (live) {
      for (var cc = 0u; cc < cts; cc++) {
        var aq = vec4<f32>(0.0);
        var ak = vec4<f32>(0.0);
        for (var c4 = 0u; c4 < D4; c4++) {
          let s = St[cc * D4 + c4];
          aq += q[c4] * s;
          ak += k[c4] * s;
        }
        let o = (h * nc + c0 + cc) * n + i;
        LQ[o] = ((aq.x + aq.y) + (aq.z + aq.w)) * P.scale;
        LK[o] = ((ak.x + ak.y) + (ak.z + ak.w)) * P.scale;
      }
    }
    workgroupBarrier();
  }
}
