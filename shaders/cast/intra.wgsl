// CAST step 4: intra-cluster attention. For the members I_c of each cluster,
// Y^c = softmax(Q_{I_c}·K_{I_c}ᵀ/√d)·V_{I_c}: the exact flash kernel's tile loop
// (common/flash.wgsl: online softmax over key tiles staged in workgroup memory) over the
// gathered member tokens.
//
// One workgroup = BR member rows of one (head, cluster); workgroups are numbered
// g = (h·N_c + c)·blocks + block, blocks = ⌈κ/BR⌉; blocks past the cluster's member count
// return at once. Y[h][c][slot] is a row of dv4 = ⌈dv/4⌉ vec4 (zero-padded past dv).
// DMAX (≥ max(d, dv), a power of two) and BC (BC·DMAX ≤ 4096: the two tiles fill at most
// 32 KiB) are specialized by the host. The member count is broadcast through the first tile
// slot (as an f32, exact below 2²⁴; workgroupUniformLoad) before the tiles are loaded, so no
// other workgroup variable is needed.

#include "cast/params.wgsl"
#include "common/flash.wgsl"

@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read> MEM: array<u32>;
@group(0) @binding(5) var<storage, read> CNT: array<u32>;
@group(0) @binding(6) var<storage, read_write> Y: array<vec4<f32>>;

const DMAX: u32 = 64u; // @specialize
const BC: u32 = 64u; // @specialize
const BR: u32 = 64u;

@compute @workgroup_size(BR)
fn main(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let g = unitOf(wg);
  if (g == NONE) { return; } // whole workgroup: uniform
  let hc = g / P.blocks;
  let block = g % P.blocks;
  let h = hc / P.nc;
  if (t == 0u) {
    Kt[0] = vec4<f32>(f32(CNT[hc]), 0.0, 0.0, 0.0);
  }
  let cnt = u32(workgroupUniformLoad(&Kt[0]).x);
  if (block * BR >= cnt) {
    return; // uniform: cnt came through workgroupUniformLoad
  }
  let mbase = hc * P.kappa;
  let r = block * BR + t;
  let live = r < cnt;
  flashBegin((h * P.n + MEM[mbase + min(r, cnt - 1u)]) * P.d, P.d, P.scale);
  let tiles = (cnt + BC - 1u) / BC;
  for (var tile = 0u; tile < tiles; tile++) {
    let key0 = tile * BC;
    for (var e = t; e < BC * D4; e += BR) {
      let j = key0 + e / D4;
      flashStage(e, h * P.n + MEM[mbase + min(j, cnt - 1u)], j < cnt, P.d, P.dv);
    }
    workgroupBarrier();
    if (live) {
      flashTile(key0, cnt);
    }
    workgroupBarrier();
  }
  if (live) {
    let inv = 1.0 / fl;
    let ybase = (mbase + r) * P.dv4;
    for (var c4 = 0u; c4 < P.dv4; c4++) {
      Y[ybase + c4] = facc[c4] * inv;
    }
  }
}
