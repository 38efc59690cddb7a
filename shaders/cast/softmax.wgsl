// CAST step 2: per token, the softmaxes over clusters of its two logit rows. Writes
// W = softmax_c(A_q) in place of the A_q logits (the mixing weights) and the cluster
// affinity A_g (affinity 0 = sum: softmax_c(A_q) + softmax_c(A_k), 1 = product, 2 = A_q
// only); the A_k logits stay (the summaries softmax them over each cluster's members).
// A_g ≥ 0 always, so its f32 bit pattern read as u32 orders like the value: the selection
// kernels compare keys as integers.

struct Params {
  n: u32, d: u32, dv: u32, heads: u32,
  nc: u32, kappa: u32, mode: u32, affinity: u32,
  group0: u32, groups: u32, tiles: u32, blocks: u32,
  scale: f32, head: u32, row0: u32, base: u32,
  pool: u32, pcols: u32, lanes: u32, dv4: u32,
}

const NEG: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> LQ: array<f32>;
@group(0) @binding(2) var<storage, read> LK: array<f32>;
@group(0) @binding(3) var<storage, read_write> AG: array<f32>;

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let idx = (wid.x + wid.y * nwg.x) * 256u + t;
  let n = P.n;
  let nc = P.nc;
  if (idx >= P.heads * n) {
    return; // no barriers in this kernel
  }
  let h = idx / n;
  let i = idx % n;
  let base = h * nc * n + i;
  var mq = NEG;
  var mk = NEG;
  for (var c = 0u; c < nc; c++) {
    mq = max(mq, LQ[base + c * n]);
    mk = max(mk, LK[base + c * n]);
  }
  var sq = 0.0;
  var sk = 0.0;
  for (var c = 0u; c < nc; c++) {
    sq += exp(LQ[base + c * n] - mq);
    sk += exp(LK[base + c * n] - mk);
  }
  for (var c = 0u; c < nc; c++) {
    let o = base + c * n;
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
