// CAST step 1 (docs/spec/variants.md §3): the affinity logits A_q = Q·Sᵀ/τ and A_k = K·Sᵀ/τ,
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

#include "cast/params.wgsl"
#include "cast/token-tile.wgsl"

@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> S: array<f32>;
@group(0) @binding(4) var<storage, read_write> LQ: array<f32>;
@group(0) @binding(5) var<storage, read_write> LK: array<f32>;

var<workgroup> St: array<vec4<f32>, CT * D4>;

@compute @workgroup_size(BT)
fn main(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let g = unitOf(wg);
  if (g == NONE) { return; } // whole workgroup: uniform
  let tok = tileToken(g, t);
  // this token's q and k rows (the last token's for an invocation past N), zero past d
  let row = (tok.h * P.n + min(tok.i, P.n - 1u)) * P.d;
  var q: array<vec4<f32>, D4>;
  var k: array<vec4<f32>, D4>;
  for (var c4 = 0u; c4 < D4; c4++) {
    var a = vec4<f32>(0.0);
    var b = vec4<f32>(0.0);
    for (var e = 0u; e < 4u; e++) {
      let c = c4 * 4u + e;
      if (c < P.d) {
        a[e] = Q[row + c];
        b[e] = K[row + c];
      }
    }
    q[c4] = a;
    k[c4] = b;
  }
  for (var c0 = 0u; c0 < P.nc; c0 += CT) {
    let cts = min(CT, P.nc - c0);
    // the tile of S: CT surrogates as vec4 rows, zero past d and past the last surrogate
    for (var e = t; e < CT * D4; e += BT) {
      let cc = e / D4;
      let e0 = (e % D4) * 4u;
      var x = vec4<f32>(0.0);
      if (cc < cts) {
        let sb = (tok.h * P.nc + c0 + cc) * P.d;
        for (var j = 0u; j < 4u; j++) {
          if (e0 + j < P.d) {
            x[j] = S[sb + e0 + j];
          }
        }
      }
      St[e] = x;
    }
    workgroupBarrier();
    if (tok.i < P.n) {
      for (var cc = 0u; cc < cts; cc++) {
        var aq = vec4<f32>(0.0);
        var ak = vec4<f32>(0.0);
        for (var c4 = 0u; c4 < D4; c4++) {
          let s = St[cc * D4 + c4];
          aq += q[c4] * s;
          ak += k[c4] * s;
        }
        let o = (tok.h * P.nc + c0 + cc) * P.n + tok.i;
        LQ[o] = ((aq.x + aq.y) + (aq.z + aq.w)) * P.scale;
        LK[o] = ((ak.x + ak.y) + (ak.z + ak.w)) * P.scale;
      }
    }
    workgroupBarrier();
  }
}
