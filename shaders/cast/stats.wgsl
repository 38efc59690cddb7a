// CAST per-token membership, for the UI's cluster strip and the coverage metrics:
// TSTAT[h][i] = (number of clusters token i joined, the joined cluster with the largest
// W_ic — ties: lower index — or NONE).

struct Params {
  n: u32, d: u32, dv: u32, heads: u32,
  nc: u32, kappa: u32, mode: u32, affinity: u32,
  group0: u32, groups: u32, tiles: u32, blocks: u32,
  scale: f32, head: u32, row0: u32, base: u32,
  pool: u32, pcols: u32, lanes: u32, dv4: u32,
}

const NONE: u32 = 0xffffffffu;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read> SLOT: array<u32>;
@group(0) @binding(3) var<storage, read_write> TSTAT: array<u32>;

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let idx = (wid.x + wid.y * nwg.x) * 256u + t;
  let n = P.n;
  let nc = P.nc;
  if (idx >= P.heads * n) {
    return;
  }
  let h = idx / n;
  let i = idx % n;
  var count = 0u;
  var best = NONE;
  var bestW = 0.0;
  for (var c = 0u; c < nc; c++) {
    let o = (h * nc + c) * n + i;
    if (SLOT[o] != NONE) {
      count++;
      if (best == NONE || W[o] > bestW) {
        best = c;
        bestW = W[o];
      }
    }
  }
  TSTAT[2u * idx] = count;
  TSTAT[2u * idx + 1u] = best;
}
