// The flash tile loop (online softmax over key tiles staged in workgroup memory), shared by
// exact attention (shaders/exact/flash.wgsl) and anything that runs exact softmax attention
// over a set of keys (e.g. CAST's intra-cluster step). One invocation owns one query row.
//
// The includer defines (anywhere in the module)
//   const DMAX: u32 = …;  // ≥ max(d, dv), a multiple of 4 (usually `// @specialize`d)
//   const BC: u32 = …;    // keys per tile, a multiple of 16; the two tiles take 2·BC·DMAX·4 bytes
//   bindings Q, K, V: array<f32> (row-major rows of d, d and dv floats)
// Declares: D4, the tiles Kt, Vt (BC rows of D4 vec4), the invocation's row state
// (private: fq = its scaled query, facc = Σ p·v, fm = running max, fl = denominator) and
//   flashBegin(qbase, d, scale)       loads q·scale (zero past d), empties the state
//   flashStage(e, row, ok, d, dv)     stages tile element e (key e / D4 of the tile, channels
//                                     4·(e % D4)…) from key row `row` of K and V; zeros if !ok
//   flashTile(j0, jmax)               folds the staged tile (keys j0 … j0 + BC − 1) into the
//                                     state; keys j ≥ jmax are masked out
//   flashKeys16(k0, j, jmax)          the same for the 16 keys k0 … k0 + 15 of the tile only
// The result is facc[c4] / fl (fl > 0 once any key was visible).
//
// A tile is used as
//   for (var e = t; e < BC * D4; e += <workgroup size>) { flashStage(e, row of key e / D4, …); }
//   workgroupBarrier();
//   if (live) { flashTile(j0, jmax); }
//   workgroupBarrier();
#include "common/softmax.wgsl"

const D4: u32 = DMAX / 4u;
// tiles as vec4 rows: one workgroup-memory load feeds four multiply-adds
var<workgroup> Kt: array<vec4<f32>, BC * D4>;
var<workgroup> Vt: array<vec4<f32>, BC * D4>;

var<private> fq: array<vec4<f32>, D4>;
var<private> facc: array<vec4<f32>, D4>;
var<private> fm: f32;
var<private> fl: f32;

fn flashBegin(qbase: u32, d: u32, scale: f32) {
  for (var c4 = 0u; c4 < D4; c4++) {
    var x = vec4<f32>(0.0);
    for (var e = 0u; e < 4u; e++) {
      let c = c4 * 4u + e;
      x[e] = select(0.0, Q[qbase + min(c, d - 1u)] * scale, c < d);
    }
    fq[c4] = x;
    facc[c4] = vec4<f32>(0.0);
  }
  fm = NEG;
  fl = 0.0;
}

// channels c0 … c0 + 3 of row `row` of K (m = 0) or V (m = 1), `width` wide; 0 past the edge
fn flashLoad4(m: u32, row: u32, width: u32, c0: u32, ok: bool) -> vec4<f32> {
  var r = vec4<f32>(0.0);
  for (var e = 0u; e < 4u; e++) {
    let c = c0 + e;
    if (ok && c < width) {
      if (m == 0u) {
        r[e] = K[row * width + c];
      } else {
        r[e] = V[row * width + c];
      }
    }
  }
  return r;
}

fn flashStage(e: u32, row: u32, ok: bool, d: u32, dv: u32) {
  let c0 = (e % D4) * 4u;
  Kt[e] = flashLoad4(0u, row, d, c0, ok);
  Vt[e] = flashLoad4(1u, row, dv, c0, ok);
}

// 16 keys at a time, scores in four vec4 registers: each q / acc element is touched once per
// 16 keys (head dimension outer, keys inner) instead of once per key. `j` is the index of key
// k0 (for the mask j + 0 … 15 < jmax).
fn flashKeys16(k0: u32, j: u32, jmax: u32) {
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  var s3 = vec4<f32>(0.0);
  for (var c4 = 0u; c4 < D4; c4++) {
    let qv = fq[c4];
    let b = k0 * D4 + c4;
    s0 += vec4<f32>(dot(qv, Kt[b]), dot(qv, Kt[b + D4]), dot(qv, Kt[b + 2u * D4]), dot(qv, Kt[b + 3u * D4]));
    s1 += vec4<f32>(dot(qv, Kt[b + 4u * D4]), dot(qv, Kt[b + 5u * D4]), dot(qv, Kt[b + 6u * D4]), dot(qv, Kt[b + 7u * D4]));
    s2 += vec4<f32>(dot(qv, Kt[b + 8u * D4]), dot(qv, Kt[b + 9u * D4]), dot(qv, Kt[b + 10u * D4]), dot(qv, Kt[b + 11u * D4]));
    s3 += vec4<f32>(dot(qv, Kt[b + 12u * D4]), dot(qv, Kt[b + 13u * D4]), dot(qv, Kt[b + 14u * D4]), dot(qv, Kt[b + 15u * D4]));
  }
  // mask keys past the visible bound
  let jj = vec4<u32>(0u, 1u, 2u, 3u) + j;
  let lim = vec4<u32>(jmax);
  let v0 = jj < lim;
  let v1 = jj + 4u < lim;
  let v2 = jj + 8u < lim;
  let v3 = jj + 12u < lim;
  let neg = vec4<f32>(NEG);
  s0 = select(neg, s0, v0);
  s1 = select(neg, s1, v1);
  s2 = select(neg, s2, v2);
  s3 = select(neg, s3, v3);
  let m4 = max(max(s0, s1), max(s2, s3));
  let tmax = max(max(m4.x, m4.y), max(m4.z, m4.w));
  if (tmax > NEG) {
    let mnew = max(fm, tmax);
    let alpha = rescale(fm, mnew);
    let zero = vec4<f32>(0.0);
    let p0 = select(zero, exp(s0 - mnew), v0);
    let p1 = select(zero, exp(s1 - mnew), v1);
    let p2 = select(zero, exp(s2 - mnew), v2);
    let p3 = select(zero, exp(s3 - mnew), v3);
    let ps = (p0 + p1) + (p2 + p3);
    fl = fl * alpha + ((ps.x + ps.y) + (ps.z + ps.w));
    for (var c4 = 0u; c4 < D4; c4++) {
      let b = k0 * D4 + c4;
      var o = facc[c4] * alpha;
      o += Vt[b] * p0.x + Vt[b + D4] * p0.y + Vt[b + 2u * D4] * p0.z + Vt[b + 3u * D4] * p0.w;
      o += Vt[b + 4u * D4] * p1.x + Vt[b + 5u * D4] * p1.y + Vt[b + 6u * D4] * p1.z + Vt[b + 7u * D4] * p1.w;
      o += Vt[b + 8u * D4] * p2.x + Vt[b + 9u * D4] * p2.y + Vt[b + 10u * D4] * p2.z + Vt[b + 11u * D4] * p2.w;
      o += Vt[b + 12u * D4] * p3.x + Vt[b + 13u * D4] * p3.y + Vt[b + 14u * D4] * p3.z + Vt[b + 15u * D4] * p3.w;
      facc[c4] = o;
    }
    fm = mnew;
  }
}

fn flashTile(j0: u32, jmax: u32) {
  for (var k0 = 0u; k0 < BC; k0 += 16u) {
    flashKeys16(k0, j0 + k0, jmax);
  }
}
