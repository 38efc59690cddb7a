// The iterative pseudo-inverse (docs/spec/variants.md §1 step 4), per matrix (head):
//   Z₀ = Aᵀ / (‖A‖₁ · ‖A‖∞),  ‖·‖₁ = max column abs sum, ‖·‖∞ = max row abs sum;
//   P = A·Z;  Z ← ¼·Z·(13I − P(15I − P(7I − P))).
// Params: rows = m, batches = heads; A at xOff + h·xStride, Z at cOff + h·cStride; iters.
// - `init`: Z₀ only (one workgroup per head); the steps are then four products of
//   matmul.wgsl each — the path for m > 64.
// - `fused`: Z₀ and every step in one workgroup per head, P and U = 15I − P(7I − P) held in
//   workgroup memory (m ≤ 64: two 64×64 f32 matrices fill the 32 KiB), W = 13I − P·U in the
//   scratch buffer: one dispatch instead of 1 + 4·iters (a 64×64 product is one tile, a single
//   workgroup, either way).
#include "nystrom/params.wgsl"

const WG: u32 = 256u;
const MMAX: u32 = 64u;

@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read_write> Z: array<f32>;
// fused: W = 13I − P·U, per head at h·m² (bound for `init` too: one layout)
@group(0) @binding(3) var<storage, read_write> W: array<f32>;

var<workgroup> Pw: array<f32, MMAX * MMAX>;
var<workgroup> Uw: array<f32, MMAX * MMAX>;

// the current head's first elements of A, Z and W (set by each entry point)
var<private> a0: u32;
var<private> z0: u32;
var<private> w0: u32;

/**
 * Z₀ = Aᵀ/(‖A‖₁·‖A‖∞) of the current head. Each invocation sums some columns and rows; its
 * two maxima meet the others' in Pw/Uw (free until the first step), read by all (no tree: at
 * most WG values, and the fused path has no workgroup memory left for a reduction array).
 */
fn writeZ0(t: u32) {
  let m = P.rows;
  var col = 0.0;
  var row = 0.0;
  for (var i = t; i < m; i += WG) {
    var cs = 0.0;
    var rs = 0.0;
    for (var j = 0u; j < m; j++) {
      cs += abs(A[a0 + j * m + i]);
      rs += abs(A[a0 + i * m + j]);
    }
    col = max(col, cs);
    row = max(row, rs);
  }
  Pw[t] = col;
  Uw[t] = row;
  workgroupBarrier();
  var n1 = 0.0;
  var ninf = 0.0;
  for (var s = 0u; s < min(m, WG); s++) {
    n1 = max(n1, Pw[s]);
    ninf = max(ninf, Uw[s]);
  }
  workgroupBarrier();
  let inv = 1.0 / (n1 * ninf);
  for (var e = t; e < m * m; e += WG) {
    Z[z0 + e] = A[a0 + (e % m) * m + e / m] * inv;
  }
}

// the m×m operands of the fused steps
const MAT_A: u32 = 0u;
const MAT_Z: u32 = 1u;
const MAT_W: u32 = 2u;
const MAT_P: u32 = 3u;
const MAT_U: u32 = 4u;

/** Element (i, j) of operand `mat` of the current head. */
fn at(mat: u32, i: u32, j: u32) -> f32 {
  let e = i * P.rows + j;
  switch mat {
    case MAT_A: {
      return A[a0 + e];
    }
    case MAT_Z: {
      return Z[z0 + e];
    }
    case MAT_W: {
      return W[w0 + e];
    }
    case MAT_P: {
      return Pw[e];
    }
    default: {
      return Uw[e];
    }
  }
}

/** Element (e / m, e % m) of the product of operands `l` and `r`. */
fn dot(l: u32, r: u32, e: u32) -> f32 {
  let m = P.rows;
  let i = e / m;
  let j = e % m;
  var x = 0.0;
  for (var k = 0u; k < m; k++) {
    x += at(l, i, k) * at(r, k, j);
  }
  return x;
}

/** 1 on the diagonal of the m×m matrices, else 0. */
fn eye(e: u32) -> f32 {
  return select(0.0, 1.0, e / P.rows == e % P.rows);
}

@compute @workgroup_size(WG)
fn init(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.x;
  if (h >= P.batches) {
    return;
  }
  a0 = P.xOff + h * P.xStride;
  z0 = P.cOff + h * P.cStride;
  writeZ0(t);
}

@compute @workgroup_size(WG)
fn fused(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.x;
  if (h >= P.batches) {
    return;
  }
  let mm = P.rows * P.rows;
  a0 = P.xOff + h * P.xStride;
  z0 = P.cOff + h * P.cStride;
  w0 = h * mm;
  writeZ0(t);
  storageBarrier();
  for (var it = 0u; it < P.iters; it++) {
    // P = A·Z
    for (var e = t; e < mm; e += WG) {
      Pw[e] = dot(MAT_A, MAT_Z, e);
    }
    workgroupBarrier();
    // U = 15I − P(7I − P) = 15I − 7P + P²
    for (var e = t; e < mm; e += WG) {
      Uw[e] = 15.0 * eye(e) - 7.0 * Pw[e] + dot(MAT_P, MAT_P, e);
    }
    workgroupBarrier();
    // W = 13I − P·U
    for (var e = t; e < mm; e += WG) {
      W[w0 + e] = 13.0 * eye(e) - dot(MAT_P, MAT_U, e);
    }
    storageBarrier();
    workgroupBarrier();
    // Z ← ¼·Z·W, through Pw (P is no longer needed)
    for (var e = t; e < mm; e += WG) {
      Pw[e] = 0.25 * dot(MAT_Z, MAT_W, e);
    }
    workgroupBarrier();
    for (var e = t; e < mm; e += WG) {
      Z[z0 + e] = Pw[e];
    }
    storageBarrier();
    workgroupBarrier();
  }
}
