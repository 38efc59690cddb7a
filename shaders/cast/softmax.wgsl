// CAST step 2: per token, the softmaxes over clusters of its two logit rows. Writes
// W = softmax_c(A_q) in place of the A_q logits (the mixing weights) and the cluster
// affinity A_g (affinity 0 = sum: softmax_c(A_q) + softmax_c(A_k), 1 = product, 2 = A_q
// only); the A_k logits stay (the summaries softmax them over each cluster's members).
// A_g ≥ 0 always, so its f32 bit pattern read as u32 orders like the value: the selection
// kernels compare keys as integers.

#include "cast/params.wgsl"

@group(0) @binding(1) var<storage, read_write> LQ: array<f32>;
@group(0) @binding(2) var<storage, read> LK: array<f32>;
@group(0) @binding(3) var<storage, read_write> AG: array<f32>;

@compute @workgroup_size(256)
fn main(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let idx = tokenOf(wg, t);
  if (idx == NONE) { return; } // no barriers in this kernel
  let base = tokenColumn(idx);
  var mq = NEG;
  var mk = NEG;
  for (var c = 0u; c < P.nc; c++) {
    mq = max(mq, LQ[base + c * P.n]);
    mk = max(mk, LK[base + c * P.n]);
  }
  var sq = 0.0;
  var sk = 0.0;
  for (var c = 0u; c < P.nc; c++) {
    sq += exp(LQ[base + c * P.n] - mq);
    sk += exp(LK[base + c * P.n] - mk);
  }
  for (var c = 0u; c < P.nc; c++) {
    let o = base + c * P.n;
    let pq = exp(LQ[o] - mq) / sq;
    let pk = exp(LK[o] - mk) / sk;
    LQ[o] = pq;
    var g: f32;
    if (P.affinity == 0u) {
      g = pq + pk;
    } else if (P.affinity == 1u) {
      g = pq * pk;
    } else {
      g = pq;
    }
    AG[o] = g;
  }
}
