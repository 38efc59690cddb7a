// Workgroup reductions of the per-cluster CAST kernels, over WG = SB² invocations (SB and WG
// are the including kernel's constants).
// - twoLevelMax / twoLevelSum: two levels (SB partial results of SB, then one of SB), three
//   barriers instead of 2·log₂(WG) — barriers are what a software adapter pays for.
// - laneSum4: invocation t = lane·cols + column; the `lanes` partial sums of each column are
//   added up (the result is valid in lane 0, t < cols; a scalar sum passes its value in .x).
// Each ends with a barrier, so it may be called again at once.

var<workgroup> red: array<f32, WG>;
var<workgroup> part: array<f32, SB>;
var<workgroup> red4: array<vec4<f32>, WG>;

fn twoLevel(t: u32, x: f32, isMax: bool) -> f32 {
  red[t] = x;
  workgroupBarrier();
  if (t < SB) {
    var r = red[t * SB];
    for (var k = 1u; k < SB; k++) {
      r = select(r + red[t * SB + k], max(r, red[t * SB + k]), isMax);
    }
    part[t] = r;
  }
  workgroupBarrier();
  var r = part[0];
  for (var k = 1u; k < SB; k++) {
    r = select(r + part[k], max(r, part[k]), isMax);
  }
  workgroupBarrier();
  return r;
}

fn twoLevelMax(t: u32, x: f32) -> f32 {
  return twoLevel(t, x, true);
}

fn twoLevelSum(t: u32, x: f32) -> f32 {
  return twoLevel(t, x, false);
}

fn laneSum4(t: u32, cols: u32, lanes: u32, x: vec4<f32>) -> vec4<f32> {
  red4[t] = x;
  workgroupBarrier();
  var sum = red4[t];
  if (t < cols) {
    for (var l = 1u; l < lanes; l++) {
      sum += red4[t + l * cols];
    }
  }
  workgroupBarrier();
  return sum;
}
