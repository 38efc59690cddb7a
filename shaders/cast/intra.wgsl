// CAST step 4: intra-cluster attention. For the members I_c of each cluster,
// Y^c = softmax(Q_{I_c}·K_{I_c}ᵀ/√d)·V_{I_c}, computed like the exact flash kernel (online
// softmax over key tiles staged in workgroup memory) over the gathered member tokens.
//
// One workgroup = BR member rows of one (head, cluster); workgroups are numbered
// g = (h·N_c + c)·blocks + block, blocks = ⌈κ/BR⌉; blocks past the cluster's member count
// return at once. Y[h][c][slot] is a row of dv4 = ⌈dv/4⌉ vec4 (zero-padded past dv).
// DMAX (≥ max(d, dv), a power of two) and BC (BC·DMAX ≤ 4096: the two tiles fill at most
// 32 KiB) are specialized by the host. The member count is broadcast through the first tile
// slot (as an f32, exact below 2²⁴; workgroupUniformLoad) before the tiles are loaded, so no
// other workgroup variable is needed.

struct Params {
  n: u32, d: u32, dv: u32, heads: u32,
  nc: u32, kappa: u32, mode: u32, affinity: u32,
  group0: u32, groups: u32, tiles: u32, blocks: u32,
  scale: f32, head: u32, row0: u32, base: u32,
  pool: u32, pcols: u32, lanes: u32, dv4: u32,
}

const DMAX: u32 = 64u; // @specialize
const BC: u32 = 64u; // @specialize
const BR: u32 = 64u;
const NEG: f32 = -3.0e38;
const D4: u32 = DMAX / 4u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read> MEM: array<u32>;
@group(0) @binding(5) var<storage, read> CNT: array<u32>;
@group(0) @binding(6) var<storage, read_write> Y: array<vec4<f32>>;

var<workgroup> Kt: array<vec4<f32>, BC * D4>;
var<workgroup> Vt: array<vec4<f32>, BC * D4>;

fn ld4(m: u32, rowBase: u32, width: u32, c0: u32, ok: bool) -> vec4<f32> {
  var r = vec4<f32>(0.0);
  for (var e = 0u; e < 4u; e++) {
    let c = c0 + e;
    if (ok && c < width) {
      if (m == 0u) {
        r[e] = K[rowBase * width + c];
      } else {
        r[e] = V[rowBase * width + c];
      }
    }
  }
  return r;
}

@compute @workgroup_size(BR)
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
  let dv = P.dv;
  let kappa = P.kappa;
  let hc = g / P.blocks;
  let block = g % P.blocks;
  let h = hc / P.nc;
  if (t == 0u) {
    Kt[0] = vec4<f32>(f32(CNT[hc]), 0.0, 0.0, 0.0);
  }
  let cnt = u32(workgroupUniformLoad(&Kt[0]).x);
  if (block * BR >= cnt) {
    return; // uniform: cnt came through workgroupUniformLoad
  }
  let mbase = hc * kappa;
  let r = block * BR + t;
  let live = r < cnt;
  let tok = MEM[mbase + min(r, cnt - 1u)];

  var q: array<vec4<f32>, D4>;
  var acc: array<vec4<f32>, D4>;
  var s: array<f32, BC>;
  let qbase = (h * n + tok) * d;
  for (var c4 = 0u; c4 < D4; c4++) {
    var x = vec4<f32>(0.0);
    for (var e = 0u; e < 4u; e++) {
      let c = c4 * 4u + e;
      x[e] = select(0.0, Q[qbase + min(c, d - 1u)] * P.scale, c < d);
    }
    q[c4] = x;
    acc[c4] = vec4<f32>(0.0);
  }
  var m = NEG;
  var l = 0.0;
  let tiles = (cnt + BC - 1u) / BC;
  for (var tile = 0u; tile < tiles; tile++) {
    let key0 = tile * BC;
    for (var e = t; e < BC * D4; e += BR) {
      let jj = e / D4;
      let ok = key0 + jj < cnt;
      let row = h * n + MEM[mbase + min(key0 + jj, cnt - 1u)];
      let c0 = (e % D4) * 4u;
      Kt[e] = ld4(0u, row, d, c0, ok);
      Vt[e] = ld4(1u, row, dv, c0, ok);
    }
    workgroupBarrier();
    if (live) {
      var tmax = NEG;
      for (var jj = 0u; jj < BC; jj++) {
        var dot4 = vec4<f32>(0.0);
        for (var c4 = 0u; c4 < D4; c4++) {
          dot4 += q[c4] * Kt[jj * D4 + c4];
        }
        let dot = (dot4.x + dot4.y) + (dot4.z + dot4.w);
        s[jj] = select(NEG, dot, key0 + jj < cnt);
        tmax = max(tmax, s[jj]);
      }
      let mnew = max(m, tmax);
      let alpha = select(exp(m - mnew), 0.0, m <= NEG);
      l *= alpha;
      for (var c4 = 0u; c4 < D4; c4++) {
        acc[c4] *= alpha;
      }
      for (var jj = 0u; jj < BC; jj++) {
        let p = select(0.0, exp(s[jj] - mnew), s[jj] > NEG);
        l += p;
        for (var c4 = 0u; c4 < D4; c4++) {
          acc[c4] += p * Vt[jj * D4 + c4];
        }
      }
      m = mnew;
    }
    workgroupBarrier();
  }
  if (live) {
    let inv = 1.0 / l;
    let ybase = (mbase + r) * P.dv4;
    for (var c4 = 0u; c4 < P.dv4; c4++) {
      Y[ybase + c4] = acc[c4] * inv;
    }
  }
}
