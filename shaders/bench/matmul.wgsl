// Tiled matrix product C = A·B (A: M×K, B: K×N, row-major f32) — the yardstick of the
// benchmarks: each kernel's achieved GFLOP/s is reported against this one's on the same
// adapter (spec/benchmarks.md, targets).
//
// A workgroup computes a 64×64 tile of C with 16×16 invocations, each owning a 4×4 block held
// in registers; K advances in slabs of 16 staged in workgroup memory (2 × 4 KiB).

struct Params {
  m: u32,
  n: u32,
  k: u32,
  tilesN: u32,
  groups: u32,
}

const TM: u32 = 64u;
const TK: u32 = 16u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

var<workgroup> As: array<f32, TM * TK>; // [row][k]
var<workgroup> Bs: array<f32, TK * TM>; // [k][col]

@compute @workgroup_size(16, 16)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let g = wid.x + wid.y * nwg.x;
  if (g >= P.groups) {
    return;
  }
  let row0 = (g / P.tilesN) * TM;
  let col0 = (g % P.tilesN) * TM;
  var acc: array<vec4<f32>, 4>;
  for (var slab = 0u; slab < P.k; slab += TK) {
    // 1024 elements of each slab, 4 per invocation
    for (var e = t; e < TM * TK; e += 256u) {
      let r = e / TK;
      let kk = e % TK;
      let ar = row0 + r;
      let ak = slab + kk;
      As[e] = select(0.0, A[min(ar, P.m - 1u) * P.k + min(ak, P.k - 1u)], ar < P.m && ak < P.k);
      let bk = slab + e / TM;
      let bc = col0 + e % TM;
      Bs[e] = select(0.0, B[min(bk, P.k - 1u) * P.n + min(bc, P.n - 1u)], bk < P.k && bc < P.n);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let b = vec4<f32>(Bs[kk * TM + lid.x * 4u], Bs[kk * TM + lid.x * 4u + 1u], Bs[kk * TM + lid.x * 4u + 2u], Bs[kk * TM + lid.x * 4u + 3u]);
      for (var i = 0u; i < 4u; i++) {
        acc[i] += As[(lid.y * 4u + i) * TK + kk] * b;
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + lid.y * 4u + i;
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + lid.x * 4u + j;
      if (r < P.m && c < P.n) {
        C[r * P.n + c] = acc[i][j];
      }
    }
  }
}
