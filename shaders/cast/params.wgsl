// What every CAST kernel starts from: its one uniform (packed by src/attention/cast/plan.ts
// and fit.ts from this very struct), the sentinels of the member slots, and the workgroup
// indexing of its two kinds of dispatch. (No builtin select() here: select.wgsl has an entry
// point of that name, which shadows it in that module.)
#include "common/constants.wgsl"
#include "common/grid.wgsl"

struct Params {
  n: u32, d: u32, dv: u32, heads: u32, // the problem
  nc: u32, kappa: u32, mode: u32, affinity: u32, // the configuration (mode 1: SA Top-K)
  group0: u32, groups: u32, // this dispatch's units: [group0, group0 + groups)
  tiles: u32, // token tiles per head (logits, mixing)
  blocks: u32, // member blocks per cluster (intra)
  scale: f32, // 1/√d
  head: u32, row0: u32, base: u32, pool: u32, pcols: u32, // the map: head, first row, first output row, pooling block, pooled columns
  lanes: u32, dv4: u32, // lanes of the per-cluster reductions over dv; ⌈dv/4⌉
  px: u32, py: u32, sx: u32, sy: u32, // SA Top-K (control.wgsl): the folded grids of a round's propose (px, py) and select (sx, sy)
  // the fitting step (fit-*.wgsl): loss scale 2/(H·N·dv); Adam: lr, β1, β2, ε, the bias
  // corrections 1 − β^t; the row stride of GZ (dv4·4 + 2: G, then G·O, then the squared
  // error); lanes of the per-cluster reductions over the d channels
  lossScale: f32,
  lr: f32, beta1: f32, beta2: f32, eps: f32, c1: f32, c2: f32,
  gz: u32, dlanes: u32,
}

@group(0) @binding(0) var<uniform> P: Params;

// NONE (common/constants.wgsl) marks a token in no cluster (SLOT) or no cluster (CHOICE,
// best-cluster searches); a token that has not proposed yet in this forward (CHOICE is reset to it by control.wgsl)
const INIT: u32 = 0xfffffffeu;

// The workgroup builtins, apart from the invocation index: both are workgroup-uniform (a
// struct holding local_invocation_index too would be non-uniform as a whole).
struct Workgroup {
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
}

/**
 * Per-cluster (and per-tile) kernels, one workgroup per unit: the unit of this workgroup,
 * group0 + its index in the dispatch, or NONE past `groups` (the folded grid's spares).
 * Workgroup-uniform, so `if (g == NONE) { return; }` may precede barriers.
 */
fn unitOf(wg: Workgroup) -> u32 {
  let local = groupIndex(wg.wid, wg.nwg);
  if (local >= P.groups) {
    return NONE;
  }
  return P.group0 + local;
}

/** Per-token kernels, 256 invocations a workgroup: the token h·N + i of invocation t, or NONE past H·N. */
fn tokenOf(wg: Workgroup, t: u32) -> u32 {
  let idx = groupIndex(wg.wid, wg.nwg) * 256u + t;
  if (idx >= P.heads * P.n) {
    return NONE;
  }
  return idx;
}

/** Where token idx = h·N + i sits in an H×N_c×N (cluster-major) array: its entry of cluster c is this + c·N. */
fn tokenColumn(idx: u32) -> u32 {
  return (idx / P.n) * P.nc * P.n + idx % P.n;
}
