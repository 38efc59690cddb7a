// The contraction of state.wgsl (over keys) and query.wgsl (over features), STEP entries at a
// time: invocation t builds entry ty of the step for rows tx·4 … tx·4 + 3 into As[t] and for
// columns tx·4 … tx·4 + 3 into Bs[t]; after a barrier every invocation multiplies its 4 × 4.
#include "fastmax/tile.wgsl"

const STEP: u32 = 16u;

var<workgroup> As: array<vec4<f32>, STEP * 16u>; // [step][row/4]
var<workgroup> Bs: array<vec4<f32>, STEP * 16u>; // [step][column/4]

// The step's 4 × 4 product of invocation (tx, ty), summed on its own before it joins the
// running sum: a two-level sum, whose error grows with length/STEP + STEP instead of the length.
fn stepProduct(tx: u32, ty: u32) -> array<vec4<f32>, 4> {
  var part = array<vec4<f32>, 4>();
  for (var s = 0u; s < STEP; s++) {
    outer4(&part, As[s * 16u + ty], Bs[s * 16u + tx]);
  }
  return part;
}
