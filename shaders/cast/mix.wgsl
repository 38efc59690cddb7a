// CAST step 6: the mixing O_i = Σ_{c∋i} W_ic·Y^c_i + Σ_{c∌i} W_ic·R_c, divided by
// Σ_{c non-empty} W_ic (empty clusters are dropped and W renormalized). One invocation per
// token, 64 tokens per workgroup; the summaries R are staged in workgroup memory CT clusters
// at a time (CT·DMAX ≤ 4096 floats); a member reads its own intra-cluster row Y^c_i.

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
const NONE: u32 = 0xffffffffu;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read> SLOT: array<u32>;
@group(0) @binding(3) var<storage, read> CNT: array<u32>;
@group(0) @binding(4) var<storage, read> R: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> Y: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> O: array<f32>;

var<workgroup> Rs: array<vec4<f32>, CT * D4>;
var<workgroup> nonEmpty: array<u32, CT>;

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
  let nc = P.nc;
  let dv4 = P.dv4;
  let h = g / P.tiles;
  let i = (g % P.tiles) * BT + t;
  let live = i < n;
  let ii = min(i, n - 1u);

  var acc: array<vec4<f32>, D4>;
  for (var c4 = 0u; c4 < D4; c4++) {
    acc[c4] = vec4<f32>(0.0);
  }
  var z = 0.0;
  for (var ct0 = 0u; ct0 < nc; ct0 += CT) {
    let cts = min(CT, nc - ct0);
    for (var e = t; e < CT * D4; e += BT) {
      let cc = e / D4;
      let c4 = e % D4;
      var x = vec4<f32>(0.0);
      if (cc < cts && c4 < dv4) {
        x = R[(h * nc + ct0 + cc) * dv4 + c4];
      }
      Rs[e] = x;
    }
    for (var e = t; e < CT; e += BT) {
      nonEmpty[e] = select(0u, CNT[h * nc + ct0 + e], e < cts);
    }
    workgroupBarrier();
    if (live) {
      for (var cc = 0u; cc < cts; cc++) {
        if (nonEmpty[cc] > 0u) {
          let hc = h * nc + ct0 + cc;
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
  if (live) {
    let inv = 1.0 / z;
    let ob = (h * n + i) * P.dv;
    for (var c = 0u; c < P.dv; c++) {
      O[ob + c] = acc[c / 4u][c % 4u] * inv;
    }
  }
}
