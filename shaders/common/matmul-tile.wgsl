// A 64×64 tile of a matrix product C = A·B, for 16×16 invocations each holding a 4×4 block
// of C in registers; the inner dimension advances in slabs of TK = 16 staged in workgroup
// memory (2 × 4 KiB). Used by the matmul yardstick (shaders/bench/matmul.wgsl) and any kernel
// computing a plain or batched product.
//
// The includer defines (anywhere in the module)
//   fn tileA(r: u32, k: u32) -> f32   // element (r, k) of A (any batch offset folded in)
//   fn tileB(k: u32, c: u32) -> f32   // element (k, c) of B (transposes are the hook's business)
// Both are called with in-range indices only (r < rows, c < cols, k0 ≤ k < k1; indices past the
// edge are clamped and the value replaced by 0, without a branch).
// Declares: TM (64), TK (16), the slabs As, Bs, the invocation's block tileAcc and
//   tileProduct(t, lid, row0, col0, k0, k1, rows, cols)
//       tileAcc[i][j] = Σ_{k0 ≤ k < k1} A[row0 + 4·lid.y + i, k] · B[k, col0 + 4·lid.x + j]
//       (call in uniform control flow: it has barriers; the workgroup is @workgroup_size(16, 16))
//   tileRow(lid, i), tileCol(lid, j)   the C row / column of tileAcc[i][j]

const TM: u32 = 64u;
const TK: u32 = 16u;

var<workgroup> As: array<f32, TM * TK>; // [row][k]
var<workgroup> Bs: array<f32, TK * TM>; // [k][col]
var<private> tileAcc: array<vec4<f32>, 4>;

fn tileRow(lid: vec3<u32>, i: u32) -> u32 {
  return lid.y * 4u + i;
}

fn tileCol(lid: vec3<u32>, j: u32) -> u32 {
  return lid.x * 4u + j;
}

fn tileProduct(t: u32, lid: vec3<u32>, row0: u32, col0: u32, k0: u32, k1: u32, rows: u32, cols: u32) {
  for (var i = 0u; i < 4u; i++) {
    tileAcc[i] = vec4<f32>(0.0);
  }
  for (var slab = k0; slab < k1; slab += TK) {
    // 1024 elements of each slab, 4 per invocation
    for (var e = t; e < TM * TK; e += 256u) {
      let ar = row0 + e / TK;
      let ak = slab + e % TK;
      As[e] = select(0.0, tileA(min(ar, rows - 1u), min(ak, k1 - 1u)), ar < rows && ak < k1);
      let bk = slab + e / TM;
      let bc = col0 + e % TM;
      Bs[e] = select(0.0, tileB(min(bk, k1 - 1u), min(bc, cols - 1u)), bk < k1 && bc < cols);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let b = vec4<f32>(Bs[kk * TM + lid.x * 4u], Bs[kk * TM + lid.x * 4u + 1u], Bs[kk * TM + lid.x * 4u + 2u], Bs[kk * TM + lid.x * 4u + 3u]);
      for (var i = 0u; i < 4u; i++) {
        tileAcc[i] += As[(lid.y * 4u + i) * TK + kk] * b;
      }
    }
    workgroupBarrier();
  }
}
