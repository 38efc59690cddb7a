// The keys' side of the engine's tiles, shared by kv.wgsl (every key of a chunk) and out.wgsl
// (the causal pass's intra-chunk keys): K, V and the precomputed φ(K) at bindings 2–4, the φ
// slice of one key and four columns of one value row.
#include "linear/phi.wgsl"

@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
// PRE = 1 (feed-forward kernel): φ(K) precomputed by features.wgsl, [head·N + token][D]
@group(0) @binding(4) var<storage, read> PHIK: array<f32>;

const PRE: u32 = 0u; // @specialize

// (Log-)features f0 … f0+cnt−1 (all < D) of key j of `head` into out[0 … cnt−1]. x is the
// caller's row buffer, zero past d (declared once, outside the tile loop).
fn keySlice(head: u32, j: u32, f0: u32, cnt: u32, x: ptr<function, array<f32, DMAX>>, out: ptr<function, array<f32, FMAX>>) {
  let row = head * P.n + j;
  if (PRE == 1u) {
    for (var i = 0u; i < cnt; i++) {
      (*out)[i] = PHIK[row * P.dim + f0 + i];
    }
    return;
  }
  let kb = row * P.d;
  // #if kernel=elu1,relu
  // elementwise maps read only their own slice of the row
  for (var i = 0u; i < cnt; i++) {
    (*x)[f0 + i] = K[kb + f0 + i];
  }
  // #endif
  // #if kernel=favor,hedgehog,ffk
  for (var c = 0u; c < P.d; c++) {
    (*x)[c] = K[kb + c];
  }
  // #endif
  phiRange(1u, x, f0, cnt, out);
}

// Columns c0 … c0+3 of value row j of `head` (0 past dv).
fn valueQuad(head: u32, j: u32, c0: u32) -> vec4<f32> {
  var v4 = vec4<f32>(0.0);
  let vb = (head * P.n + j) * P.dv;
  for (var q = 0u; q < 4u; q++) {
    if (c0 + q < P.dv) {
      v4[q] = V[vb + c0 + q];
    }
  }
  return v4;
}
