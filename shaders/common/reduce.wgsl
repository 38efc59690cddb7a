// Workgroup reductions: one value per invocation in, the result in every invocation out.
//
// The includer defines (anywhere in the module; WGSL declarations are order-free)
//   const WG: u32 = …;       // the workgroup size (a power of two), also @workgroup_size(WG)
// and calls these with t = local_invocation_index, in uniform control flow (every invocation
// of the workgroup, the same number of times: they contain barriers).
//
// Declares: wgRed, wgRed2 (workgroup arrays of WG f32; only the ones a kernel's reductions use
// count against its workgroup memory), reduceSum, reduceMax, reduceOnline.
//
// A tree: log2(WG) steps, each followed by a barrier; deterministic (the same order every
// run). The last barrier lets the arrays be reused by the next reduction at once.
#include "common/softmax.wgsl"

var<workgroup> wgRed: array<f32, WG>;
var<workgroup> wgRed2: array<f32, WG>;

/** Σ over the workgroup of x. */
fn reduceSum(t: u32, x: f32) -> f32 {
  wgRed[t] = x;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (t < stride) {
      wgRed[t] += wgRed[t + stride];
    }
    workgroupBarrier();
  }
  let r = wgRed[0];
  workgroupBarrier(); // everyone has read wgRed[0] before it is reused
  return r;
}

/** max over the workgroup of x. */
fn reduceMax(t: u32, x: f32) -> f32 {
  wgRed[t] = x;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (t < stride) {
      wgRed[t] = max(wgRed[t], wgRed[t + stride]);
    }
    workgroupBarrier();
  }
  let r = wgRed[0];
  workgroupBarrier();
  return r;
}

/** The online-softmax streams (m, l) of the invocations merged (common/softmax.wgsl). */
fn reduceOnline(t: u32, ml: vec2<f32>) -> vec2<f32> {
  wgRed[t] = ml.x;
  wgRed2[t] = ml.y;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (t < stride) {
      let r = onlineMerge(vec2<f32>(wgRed[t], wgRed2[t]), vec2<f32>(wgRed[t + stride], wgRed2[t + stride]));
      wgRed[t] = r.x;
      wgRed2[t] = r.y;
    }
    workgroupBarrier();
  }
  let r = vec2<f32>(wgRed[0], wgRed2[0]);
  workgroupBarrier();
  return r;
}
