// Online softmax: the running (max m, denominator l) of a stream of scores, kept as a
// vec2<f32>(m, l). Pure functions, no workgroup memory; include from any kernel.
//
//   var ml = ONLINE_EMPTY;
//   for (…) { ml = onlineAdd(ml, s); }         // l = Σ exp(s − m), m = max s
//   ml = onlineMerge(ml, other);                // two partial streams → one
//   let a = rescale(m, mnew);                   // factor for sums kept at max m, now at mnew
//
// A stream that has seen nothing is m = NEG, l = 0; rescale() of such a stream is exactly 0
// (not exp(NEG − mnew), which is 0 or a NaN-prone underflow depending on the hardware).
#include "common/constants.wgsl"

const ONLINE_EMPTY: vec2<f32> = vec2<f32>(NEG, 0.0);

/** exp(m − mnew), or 0 when nothing has been accumulated yet (m ≤ NEG). mnew ≥ m. */
fn rescale(m: f32, mnew: f32) -> f32 {
  return select(exp(m - mnew), 0.0, m <= NEG);
}

/** The stream `ml` followed by one more score `s`. */
fn onlineAdd(ml: vec2<f32>, s: f32) -> vec2<f32> {
  let mn = max(ml.x, s);
  return vec2<f32>(mn, ml.y * rescale(ml.x, mn) + exp(s - mn));
}

/** Two partial streams combined (either may be empty). */
fn onlineMerge(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let mn = max(a.x, b.x);
  return vec2<f32>(mn, select(a.y * exp(a.x - mn), 0.0, a.x <= NEG) + select(b.y * exp(b.x - mn), 0.0, b.x <= NEG));
}
