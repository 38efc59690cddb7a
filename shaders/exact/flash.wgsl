// Exact softmax attention, flash-style (spec/variants.md §0).
//
// One workgroup = BR query rows of one head; one invocation = one query row.
// K and V are streamed through workgroup memory in tiles of BC keys. Per tile each row
// computes its BC scores, the tile maximum, rescales its running accumulator once
// (online softmax: running max m and denominator l), then accumulates p·V.
// Memory is O(N·d): no N×N matrix is ever written.
//
// Sizes come from the uniform, so N and d change without recompiling. DMAX (≥ max(d, dv),
// a power of two) sizes the private arrays and BC (a multiple of 16) is chosen so that the
// two tiles fit in 32 KiB of workgroup memory (BC·DMAX ≤ 4096); both are specialized by the host.
// Rows/keys past N and channels past d are zero-padded in the tiles and masked out.

struct Params {
  n: u32,
  d: u32,
  dv: u32,
  heads: u32,
  causal: u32,
  // first row block of this part, number of row blocks per head in this part
  block0: u32,
  blocks: u32,
  // workgroups in this part (= blocks · heads); the grid may be folded into 2-D
  groups: u32,
  scale: f32,
}

const DMAX: u32 = 64u; // @specialize
const BC: u32 = 64u; // @specialize
const BR: u32 = 64u;

#include "common/constants.wgsl"
#include "common/grid.wgsl"

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read_write> O: array<f32>;

// tiles as vec4 rows: one workgroup-memory load feeds four multiply-adds
const D4: u32 = DMAX / 4u;
var<workgroup> Kt: array<vec4<f32>, BC * D4>;
var<workgroup> Vt: array<vec4<f32>, BC * D4>;

// element c of row `base` of a row-major matrix with `width` columns, 0 past the edge
fn ld4(m: u32, base: u32, width: u32, c0: u32, ok: bool) -> vec4<f32> {
  var r = vec4<f32>(0.0);
  for (var e = 0u; e < 4u; e++) {
    let c = c0 + e;
    if (ok && c < width) {
      if (m == 0u) {
        r[e] = K[base * width + c];
      } else {
        r[e] = V[base * width + c];
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
  let g = groupIndex(wid, nwg);
  if (g >= P.groups) {
    return; // whole workgroup: uniform
  }
  let head = g / P.blocks;
  let block = P.block0 + g % P.blocks;
  let n = P.n;
  let d = P.d;
  let dv = P.dv;
  let row = block * BR + t;
  let live = row < n;

  var q: array<vec4<f32>, D4>;
  var acc: array<vec4<f32>, D4>;
  let qbase = (head * n + min(row, n - 1u)) * d;
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

  // keys this row block can see: all, or up to its last row when causal
  let lastRow = min(block * BR + BR, n) - 1u;
  let keyEnd = select(n, lastRow + 1u, P.causal != 0u);
  let tiles = (keyEnd + BC - 1u) / BC;
  let kvbase = head * n;

  for (var tile = 0u; tile < tiles; tile++) {
    let key0 = tile * BC;
    // cooperative, coalesced tile loads (zero padding past N and past d / dv)
    for (var e = t; e < BC * D4; e += BR) {
      let j = key0 + e / D4;
      let c0 = (e % D4) * 4u;
      Kt[e] = ld4(0u, kvbase + min(j, n - 1u), d, c0, j < n);
      Vt[e] = ld4(1u, kvbase + min(j, n - 1u), dv, c0, j < n);
    }
    workgroupBarrier();

    if (live) {
      let jmax = select(keyEnd, row + 1u, P.causal != 0u); // exclusive bound of visible keys
      // 16 keys at a time, scores in four vec4 registers: each q / acc element is touched
      // once per 16 keys (head dimension outer, keys inner) instead of once per key
      for (var k0 = 0u; k0 < BC; k0 += 16u) {
        var s0 = vec4<f32>(0.0);
        var s1 = vec4<f32>(0.0);
        var s2 = vec4<f32>(0.0);
        var s3 = vec4<f32>(0.0);
        for (var c4 = 0u; c4 < D4; c4++) {
          let qv = q[c4];
          let b = k0 * D4 + c4;
          s0 += vec4<f32>(dot(qv, Kt[b]), dot(qv, Kt[b + D4]), dot(qv, Kt[b + 2u * D4]), dot(qv, Kt[b + 3u * D4]));
          s1 += vec4<f32>(dot(qv, Kt[b + 4u * D4]), dot(qv, Kt[b + 5u * D4]), dot(qv, Kt[b + 6u * D4]), dot(qv, Kt[b + 7u * D4]));
          s2 += vec4<f32>(dot(qv, Kt[b + 8u * D4]), dot(qv, Kt[b + 9u * D4]), dot(qv, Kt[b + 10u * D4]), dot(qv, Kt[b + 11u * D4]));
          s3 += vec4<f32>(dot(qv, Kt[b + 12u * D4]), dot(qv, Kt[b + 13u * D4]), dot(qv, Kt[b + 14u * D4]), dot(qv, Kt[b + 15u * D4]));
        }
        // mask keys past the visible bound (N, or the row itself when causal)
        let j = vec4<u32>(0u, 1u, 2u, 3u) + key0 + k0;
        let lim = vec4<u32>(jmax);
        let v0 = j < lim;
        let v1 = j + 4u < lim;
        let v2 = j + 8u < lim;
        let v3 = j + 12u < lim;
        let neg = vec4<f32>(NEG);
        s0 = select(neg, s0, v0);
        s1 = select(neg, s1, v1);
        s2 = select(neg, s2, v2);
        s3 = select(neg, s3, v3);
        let m4 = max(max(s0, s1), max(s2, s3));
        let tmax = max(max(m4.x, m4.y), max(m4.z, m4.w));
        if (tmax > NEG) {
          let mnew = max(m, tmax);
          let alpha = select(exp(m - mnew), 0.0, m <= NEG); // nothing accumulated yet
          let zero = vec4<f32>(0.0);
          let p0 = select(zero, exp(s0 - mnew), v0);
          let p1 = select(zero, exp(s1 - mnew), v1);
          let p2 = select(zero, exp(s2 - mnew), v2);
          let p3 = select(zero, exp(s3 - mnew), v3);
          let ps = (p0 + p1) + (p2 + p3);
          l = l * alpha + ((ps.x + ps.y) + (ps.z + ps.w));
          for (var c4 = 0u; c4 < D4; c4++) {
            let b = k0 * D4 + c4;
            var o = acc[c4] * alpha;
            o += Vt[b] * p0.x + Vt[b + D4] * p0.y + Vt[b + 2u * D4] * p0.z + Vt[b + 3u * D4] * p0.w;
            o += Vt[b + 4u * D4] * p1.x + Vt[b + 5u * D4] * p1.y + Vt[b + 6u * D4] * p1.z + Vt[b + 7u * D4] * p1.w;
            o += Vt[b + 8u * D4] * p2.x + Vt[b + 9u * D4] * p2.y + Vt[b + 10u * D4] * p2.z + Vt[b + 11u * D4] * p2.w;
            o += Vt[b + 12u * D4] * p3.x + Vt[b + 13u * D4] * p3.y + Vt[b + 14u * D4] * p3.z + Vt[b + 15u * D4] * p3.w;
            acc[c4] = o;
          }
          m = mnew;
        }
      }
    }
    workgroupBarrier();
  }

  if (live) {
    let inv = 1.0 / l;
    let obase = (head * n + row) * dv;
    for (var c = 0u; c < dv; c++) {
      O[obase + c] = acc[c / 4u][c % 4u] * inv;
    }
  }
}
