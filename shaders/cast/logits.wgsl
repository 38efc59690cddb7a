// CAST step 1 (spec/variants.md §3): the affinity logits A_q = Q·Sᵀ/τ and A_k = K·Sᵀ/τ,
// τ = √d, for every head — a tiled product S·Xᵀ (N_c × N per head and per X ∈ {Q, K}).
// Output is cluster-major, L[h][c][i], so that the per-cluster kernels (selection,
// summaries) and the per-token kernels (softmax, mixing) both read consecutive tokens.
//
// A workgroup computes a 64×64 tile (64 clusters × 64 tokens) with 16×16 invocations, each
// owning a 4×4 block in registers; d advances in slabs of 16 staged in workgroup memory.
// Workgroups are numbered g = ((h·2 + x)·tilesC + tc)·tilesI + ti, x = 0 for Q, 1 for K;
// a dispatch covers g ∈ [group0, group0 + groups) (long work is split over submits).

struct Params {
  n: u32, d: u32, dv: u32, heads: u32,
  nc: u32, kappa: u32, mode: u32, affinity: u32,
  group0: u32, groups: u32, tiles: u32, blocks: u32,
  scale: f32, head: u32, row0: u32, base: u32,
  pool: u32, pcols: u32, lanes: u32, dv4: u32,
}

const TM: u32 = 64u;
const TK: u32 = 16u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> S: array<f32>;
@group(0) @binding(4) var<storage, read_write> LQ: array<f32>;
@group(0) @binding(5) var<storage, read_write> LK: array<f32>;

var<workgroup> As: array<f32, TM * TK>; // [cluster][k]
var<workgroup> Bs: array<f32, TK * TM>; // [k][token]

@compute @workgroup_size(16, 16)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let local = wid.x + wid.y * nwg.x;
  if (local >= P.groups) {
    return; // whole workgroup: uniform
  }
  let g = P.group0 + local;
  let n = P.n;
  let d = P.d;
  let nc = P.nc;
  let tilesI = P.tiles;
  let tilesC = (nc + TM - 1u) / TM;
  let ti = g % tilesI;
  let tc = (g / tilesI) % tilesC;
  let hx = g / (tilesI * tilesC);
  let x = hx % 2u;
  let h = hx / 2u;
  let c0 = tc * TM;
  let i0 = ti * TM;

  var acc: array<vec4<f32>, 4>;
  for (var slab = 0u; slab < d; slab += TK) {
    for (var e = t; e < TM * TK; e += 256u) {
      let r = e / TK;
      let kk = e % TK;
      let k = slab + kk;
      let c = c0 + r;
      As[e] = select(0.0, S[(h * nc + min(c, nc - 1u)) * d + min(k, d - 1u)], c < nc && k < d);
      // e = col·TK + kk: consecutive invocations read consecutive channels of one token
      let i = i0 + r;
      let src = (h * n + min(i, n - 1u)) * d + min(k, d - 1u);
      var v: f32;
      if (x == 0u) {
        v = Q[src];
      } else {
        v = K[src];
      }
      Bs[kk * TM + r] = select(0.0, v, i < n && k < d);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let b = vec4<f32>(Bs[kk * TM + lid.x * 4u], Bs[kk * TM + lid.x * 4u + 1u], Bs[kk * TM + lid.x * 4u + 2u], Bs[kk * TM + lid.x * 4u + 3u]);
      for (var r = 0u; r < 4u; r++) {
        acc[r] += As[(lid.y * 4u + r) * TK + kk] * b;
      }
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < 4u; r++) {
    let c = c0 + lid.y * 4u + r;
    for (var j = 0u; j < 4u; j++) {
      let i = i0 + lid.x * 4u + j;
      if (c < nc && i < n) {
        let o = (h * nc + c) * n + i;
        if (x == 0u) {
          LQ[o] = acc[r][j] * P.scale;
        } else {
          LK[o] = acc[r][j] * P.scale;
        }
      }
    }
  }
}
