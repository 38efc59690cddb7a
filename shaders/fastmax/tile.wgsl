// The 64 × 64 output tiles of state.wgsl, query.wgsl and finalize.wgsl (intra): 256 invocations,
// invocation t = ty·16 + tx (tx = t % 16, ty = t / 16) owning 4 rows (ty·4 + u) × 4 columns
// (tx·4 + c) of the tile in registers, accumulated step by step from operands in workgroup
// memory; the tile's row sums (the extra column or row of the state, the denominators) are
// spread over all invocations (row t % 64 × quarter t / 64) and combined by `quarterSum`.

var<workgroup> red: array<f32, 256>;

// acc[u] += a[u]·b (u < 4): one step of an invocation's 4 × 4 outer product
fn outer4(acc: ptr<function, array<vec4<f32>, 4>>, a: vec4<f32>, b: vec4<f32>) {
  (*acc)[0] += a.x * b;
  (*acc)[1] += a.y * b;
  (*acc)[2] += a.z * b;
  (*acc)[3] += a.w * b;
}

// The sum over the four quarters of x (invocation t holds quarter t / 64 of row t % 64), in a
// fixed order (deterministic); every invocation gets the sum of its row t % 64. Uniform control
// flow only; `red` is free again on return.
fn quarterSum(t: u32, x: f32) -> f32 {
  red[t] = x;
  workgroupBarrier();
  let l = t % 64u;
  let s = (red[l] + red[l + 64u]) + (red[l + 128u] + red[l + 192u]);
  workgroupBarrier();
  return s;
}
