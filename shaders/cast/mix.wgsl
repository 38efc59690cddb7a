// CAST step 6: the mixing O_i = Σ_{c∋i} W_ic·Y^c_i + Σ_{c∌i} W_ic·R_c, divided by
// Σ_{c non-empty} W_ic (empty clusters are dropped and W renormalized). One invocation per
// token, 64 tokens per workgroup; the summaries R are staged in workgroup memory CT clusters
// at a time (CT·DMAX ≤ 4096 floats); a member reads its own intra-cluster row Y^c_i.

#include "cast/params.wgsl"
#include "cast/token-tile.wgsl"

@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read> SLOT: array<u32>;
@group(0) @binding(3) var<storage, read> CNT: array<u32>;
@group(0) @binding(4) var<storage, read> R: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> Y: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> O: array<f32>;

var<workgroup> Rs: array<vec4<f32>, CT * D4>;
var<workgroup> nonEmpty: array<u32, CT>;

@compute @workgroup_size(BT)
fn main(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let g = unitOf(wg);
  if (g == NONE) { return; } // whole workgroup: uniform
  let tok = tileToken(g, t);
  let n = P.n;
  let nc = P.nc;
  let dv4 = P.dv4;
  let ii = min(tok.i, n - 1u); // an invocation past N reads the last token (and writes nothing)

  var acc: array<vec4<f32>, D4>;
  for (var c4 = 0u; c4 < D4; c4++) {
    acc[c4] = vec4<f32>(0.0);
  }
  var z = 0.0;
  for (var ct0 = 0u; ct0 < nc; ct0 += CT) {
    let cts = min(CT, nc - ct0);
    // the tile of R: CT summaries, and which of those clusters are non-empty
    for (var e = t; e < CT * D4; e += BT) {
      var x = vec4<f32>(0.0);
      if (e / D4 < cts && e % D4 < dv4) {
        x = R[(tok.h * nc + ct0 + e / D4) * dv4 + e % D4];
      }
      Rs[e] = x;
    }
    for (var e = t; e < CT; e += BT) {
      nonEmpty[e] = select(0u, CNT[tok.h * nc + ct0 + e], e < cts);
    }
    workgroupBarrier();
    if (tok.i < n) {
      for (var cc = 0u; cc < cts; cc++) {
        if (nonEmpty[cc] > 0u) {
          let hc = tok.h * nc + ct0 + cc;
          let w = W[hc * n + ii];
          z += w;
          let slot = SLOT[hc * n + ii];
          if (slot == NONE) {
            for (var c4 = 0u; c4 < dv4; c4++) {
              acc[c4] += w * Rs[cc * D4 + c4];
            }
          } else {
            let yb = (hc * P.kappa + slot) * dv4;
            for (var c4 = 0u; c4 < dv4; c4++) {
              acc[c4] += w * Y[yb + c4];
            }
          }
        }
      }
    }
    workgroupBarrier();
  }
  if (tok.i < n) {
    let inv = 1.0 / z;
    let ob = (tok.h * n + tok.i) * P.dv;
    for (var c = 0u; c < P.dv; c++) {
      O[ob + c] = acc[c / 4u][c % 4u] * inv;
    }
  }
}
