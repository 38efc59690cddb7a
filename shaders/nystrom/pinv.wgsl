// Start of the iterative pseudo-inverse (spec/variants.md §1 step 4), per matrix (head):
//   Z₀ = Aᵀ / (‖A‖₁ · ‖A‖∞),  ‖·‖₁ = max column abs sum, ‖·‖∞ = max row abs sum.
// One workgroup per head. The iteration itself is four products of matmul.wgsl per step.

struct Params {
  m: u32,
  heads: u32,
  // first element of head 0 and the stride between heads, for A and Z
  aOff: u32,
  zOff: u32,
  stride: u32,
}

const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read_write> Z: array<f32>;

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
