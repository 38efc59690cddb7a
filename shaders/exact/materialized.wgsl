// Exact attention, materialized: S = Q·Kᵀ·scale (H×N×N in global memory), row softmax in
// place, O = S·V. Three dispatches and 16·N² bytes of traffic per head — the textbook
// path that the flash kernel is measured against (spec/benchmarks.md cost models).
// Both products use 16×16 output tiles with 16-wide slabs staged in workgroup memory.

struct Params {
  n: u32,
  d: u32,
  dv: u32,
  heads: u32,
  causal: u32,
  // tiles per head along rows / columns of the product being computed
  rowTiles: u32,
  colTiles: u32,
  groups: u32,
  scale: f32,
}

const T: u32 = 16u;
const NEG: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>; // Q (scores) | S (pv)
@group(0) @binding(2) var<storage, read> B: array<f32>; // K (scores) | V (pv)
@group(0) @binding(3) var<storage, read_write> C: array<f32>; // S (scores) | O (pv)

var<workgroup> At: array<f32, T * T>;
var<workgroup> Bt: array<f32, T * T>;

struct Tile {
  head: u32,
  row: u32,
  col: u32,
}

fn tileOf(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> Tile {
  let g = wid.x + wid.y * nwg.x;
  let perHead = P.rowTiles * P.colTiles;
  let head = g / perHead;
  let r = g % perHead;
  return Tile(head, (r / P.colTiles) * T + lid.y, (r % P.colTiles) * T + lid.x);
}

// S[h, i, j] = scale · Σ_c Q[h, i, c] K[h, j, c]; masked entries get NEG
@compute @workgroup_size(16, 16)
fn scores(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  if (wid.x + wid.y * nwg.x >= P.groups) {
    return;
  }
  let tl = tileOf(wid, nwg, lid);
  let n = P.n;
  let d = P.d;
  let i = tl.row;
  let j = tl.col;
  let j0 = j - lid.x; // first column of this tile
  var sum = 0.0;
  for (var c0 = 0u; c0 < d; c0 += T) {
    // At[y][x] = Q[i0 + y, c0 + x]; Bt[y][x] = K[j0 + y, c0 + x]
    let qc = c0 + lid.x;
    let kr = j0 + lid.y;
    At[lid.y * T + lid.x] = select(0.0, A[(tl.head * n + min(i, n - 1u)) * d + min(qc, d - 1u)], i < n && qc < d);
    Bt[lid.y * T + lid.x] = select(0.0, B[(tl.head * n + min(kr, n - 1u)) * d + min(qc, d - 1u)], kr < n && qc < d);
    workgroupBarrier();
    for (var c = 0u; c < T; c++) {
      sum += At[lid.y * T + c] * Bt[lid.x * T + c];
    }
    workgroupBarrier();
  }
  if (i < n && j < n) {
    let masked = P.causal != 0u && j > i;
    C[(tl.head * n + i) * n + j] = select(sum * P.scale, NEG, masked);
  }
}

// in place: S[h, i, :] ← softmax(S[h, i, :]); one workgroup per row
var<workgroup> red: array<f32, 64>;

@compute @workgroup_size(64)
fn softmaxRows(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= P.groups) {
    return;
  }
  let n = P.n;
  let base = row * n;
  var m = NEG;
  for (var j = t; j < n; j += 64u) {
    m = max(m, C[base + j]);
  }
  red[t] = m;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s /= 2u) {
    if (t < s) {
      red[t] = max(red[t], red[t + s]);
    }
    workgroupBarrier();
  }
  let rowMax = red[0];
  workgroupBarrier();
  var l = 0.0;
  for (var j = t; j < n; j += 64u) {
    let x = C[base + j];
    let e = select(exp(x - rowMax), 0.0, x <= NEG);
    C[base + j] = e;
    l += e;
  }
  red[t] = l;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s /= 2u) {
    if (t < s) {
      red[t] = red[t] + red[t + s];
    }
    workgroupBarrier();
  }
  let inv = 1.0 / red[0];
  for (var j = t; j < n; j += 64u) {
    C[base + j] *= inv;
  }
}

// O[h, i, c] = Σ_j S[h, i, j] V[h, j, c]
@compute @workgroup_size(16, 16)
fn pv(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  if (wid.x + wid.y * nwg.x >= P.groups) {
    return;
  }
  let tl = tileOf(wid, nwg, lid);
  let n = P.n;
  let dv = P.dv;
  let i = tl.row;
  let c = tl.col;
  var sum = 0.0;
  for (var j0 = 0u; j0 < n; j0 += T) {
    // At[y][x] = S[i0 + y, j0 + x]; Bt[y][x] = V[j0 + y, c0 + x]
    let sj = j0 + lid.x;
    let vj = j0 + lid.y;
    At[lid.y * T + lid.x] = select(0.0, A[(tl.head * n + min(i, n - 1u)) * n + min(sj, n - 1u)], i < n && sj < n);
    Bt[lid.y * T + lid.x] = select(0.0, B[(tl.head * n + min(vj, n - 1u)) * dv + min(c, dv - 1u)], vj < n && c < dv);
    workgroupBarrier();
    for (var x = 0u; x < T; x++) {
      sum += At[lid.y * T + x] * Bt[x * T + lid.x];
    }
    workgroupBarrier();
  }
  if (i < n && c < dv) {
    C[(tl.head * n + i) * dv + c] = sum;
  }
}
