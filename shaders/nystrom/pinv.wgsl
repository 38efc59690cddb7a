// The iterative pseudo-inverse (spec/variants.md §1 step 4), per matrix (head):
//   Z₀ = Aᵀ / (‖A‖₁ · ‖A‖∞),  ‖·‖₁ = max column abs sum, ‖·‖∞ = max row abs sum;
//   P = A·Z;  Z ← ¼·Z·(13I − P(15I − P(7I − P))).
// - `init`: Z₀ only (one workgroup per head); the steps are then four products of
//   matmul.wgsl each — the path for m > 64.
// - `fused`: Z₀ and every step in one workgroup per head, P and U = 15I − P(7I − P) held in
//   workgroup memory (m ≤ 64: two 64×64 f32 matrices fill the 32 KiB), W = 13I − P·U in the
//   scratch buffer: one dispatch instead of 1 + 4·iters (a 64×64 product is one tile, a single
//   workgroup, either way).

struct Params {
  m: u32,
  heads: u32,
  // first element of head 0 and the stride between heads, for A and Z
  aOff: u32,
  zOff: u32,
  stride: u32,
  // fused: steps
  iters: u32,
}

const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read_write> Z: array<f32>;
// fused: W = 13I − P·U, per head at h·m² (bound for `init` too: one layout)
@group(0) @binding(3) var<storage, read_write> W: array<f32>;

var<workgroup> r1: array<f32, WG>;
var<workgroup> rinf: array<f32, WG>;

@compute @workgroup_size(WG)
fn init(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.x;
  if (h >= P.heads) {
    return;
  }
  let m = P.m;
  let a0 = P.aOff + h * P.stride;
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
  r1[t] = col;
  rinf[t] = row;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s /= 2u) {
    if (t < s) {
      r1[t] = max(r1[t], r1[t + s]);
      rinf[t] = max(rinf[t], rinf[t + s]);
    }
    workgroupBarrier();
  }
  let inv = 1.0 / (r1[0] * rinf[0]);
  let z0 = P.zOff + h * P.stride;
  for (var e = t; e < m * m; e += WG) {
    let i = e / m;
    let j = e % m;
    Z[z0 + e] = A[a0 + j * m + i] * inv;
  }
}

const MMAX: u32 = 64u;
var<workgroup> Pw: array<f32, MMAX * MMAX>;
var<workgroup> Uw: array<f32, MMAX * MMAX>;

@compute @workgroup_size(256)
fn fused(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.x;
  if (h >= P.heads) {
    return;
  }
  let m = P.m;
  let mm = m * m;
  let a0 = P.aOff + h * P.stride;
  let z0 = P.zOff + h * P.stride;
  let w0 = h * mm;
  // Z₀: the two norms, reduced in Pw/Uw (free until the first step)
  var col = 0.0;
  var row = 0.0;
  for (var i = t; i < m; i += 256u) {
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
  for (var s = 128u; s > 0u; s /= 2u) {
    if (t < s) {
      Pw[t] = max(Pw[t], Pw[t + s]);
      Uw[t] = max(Uw[t], Uw[t + s]);
    }
    workgroupBarrier();
  }
  let inv = 1.0 / (Pw[0] * Uw[0]);
  workgroupBarrier();
  for (var e = t; e < mm; e += 256u) {
    Z[z0 + e] = A[a0 + (e % m) * m + e / m] * inv;
  }
  storageBarrier();
  for (var it = 0u; it < P.iters; it++) {
    // P = A·Z
    for (var e = t; e < mm; e += 256u) {
      let i = e / m;
      let j = e % m;
      var x = 0.0;
      for (var k = 0u; k < m; k++) {
        x += A[a0 + i * m + k] * Z[z0 + k * m + j];
      }
      Pw[e] = x;
    }
    workgroupBarrier();
    // U = 15I − P(7I − P) = 15I − 7P + P²
    for (var e = t; e < mm; e += 256u) {
      let i = e / m;
      let j = e % m;
      var x = 0.0;
      for (var k = 0u; k < m; k++) {
        x += Pw[i * m + k] * Pw[k * m + j];
      }
      Uw[e] = select(0.0, 15.0, i == j) - 7.0 * Pw[e] + x;
    }
    workgroupBarrier();
    // W = 13I − P·U
    for (var e = t; e < mm; e += 256u) {
      let i = e / m;
      let j = e % m;
      var x = 0.0;
      for (var k = 0u; k < m; k++) {
        x += Pw[i * m + k] * Uw[k * m + j];
      }
      W[w0 + e] = select(0.0, 13.0, i == j) - x;
    }
    storageBarrier();
    workgroupBarrier();
    // Z ← ¼·Z·W, through Pw (P is no longer needed)
    for (var e = t; e < mm; e += 256u) {
      let i = e / m;
      let j = e % m;
      var x = 0.0;
      for (var k = 0u; k < m; k++) {
        x += Z[z0 + i * m + k] * W[w0 + k * m + j];
      }
      Pw[e] = 0.25 * x;
    }
    workgroupBarrier();
    for (var e = t; e < mm; e += 256u) {
      Z[z0 + e] = Pw[e];
    }
    storageBarrier();
    workgroupBarrier();
  }
}
