// The implied attention map of linear attention, for display (spec/variants.md §4):
//   Â_ij = φ(q_i)·φ(k_j) / Σ_l φ(q_i)·φ(k_l)   (l ≤ i when causal; no ε; 0 for an all-zero row)
// from features written by features.wgsl (PHIQ for the window's rows, PHIK for a chunk of
// keys, with their log scales). Keys are weighted by e^{OFFK − MK}, MK the largest key scale
// (ACC[0], folded over the key chunks by keyMax), so every key is on one common scale.
// ACC[1 + r] accumulates row r's normalizer over the key chunks (rowSums); writeRows and
// pooled then write probabilities (a window of rows; a block-averaged overview).

struct MParams {
  n: u32,
  dim: u32,
  causal: u32,
  // window: rows and the sequence index of its first row
  rows: u32,
  row0: u32,
  // this key chunk: first key and count
  key0: u32,
  keys: u32,
  // pooled overview: block edge and block columns
  pool: u32,
  pcols: u32,
  // this dispatch covers window rows (block rows when pooled) part0 … part0 + groups − 1
  part0: u32,
  groups: u32,
}

@group(0) @binding(0) var<uniform> U: MParams;
@group(0) @binding(1) var<storage, read> PHIQ: array<f32>;
@group(0) @binding(2) var<storage, read> PHIK: array<f32>;
@group(0) @binding(3) var<storage, read> OFFK: array<f32>;
@group(0) @binding(4) var<storage, read_write> ACC: array<f32>;
@group(0) @binding(5) var<storage, read_write> OUT: array<f32>;

const WG: u32 = 64u;
// ≥ D (the query's features) and ≥ the pooled overview's block columns: specialized by the
// host, so each entry point zero-initializes only the workgroup memory it needs
const FQ: u32 = 1024u; // @specialize
const MAXPCOLS: u32 = 2048u; // @specialize
const NEG: f32 = -3.0e38;

var<workgroup> qrow: array<f32, FQ>;
var<workgroup> red: array<f32, WG>;
var<workgroup> pooledSum: array<f32, MAXPCOLS>;

fn loadQuery(r: u32, lid: u32) {
  for (var f = lid; f < U.dim; f += WG) {
    qrow[f] = PHIQ[r * U.dim + f];
  }
  workgroupBarrier();
}

// φ(q)·φ(k_j)·e^{OFFK_j − MK} for key j of the chunk (local index jl)
fn score(jl: u32) -> f32 {
  var s = 0.0;
  let kb = jl * U.dim;
  for (var f = 0u; f < U.dim; f++) {
    s += qrow[f] * PHIK[kb + f];
  }
  return s * exp(OFFK[jl] - ACC[0]);
}

fn reduceSum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      red[lid] += red[lid + stride];
    }
    workgroupBarrier();
  }
  let s = red[0];
  workgroupBarrier();
  return s;
}

@compute @workgroup_size(WG)
fn keyMax(@builtin(local_invocation_index) lid: u32) {
  var m = NEG;
  for (var j = lid; j < U.keys; j += WG) {
    m = max(m, OFFK[j]);
  }
  red[lid] = m;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      red[lid] = max(red[lid], red[lid + stride]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    ACC[0] = max(ACC[0], red[0]);
  }
}

@compute @workgroup_size(WG)
fn rowSums(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let gi = wid.x + wid.y * nwg.x;
  if (gi >= U.groups) {
    return;
  }
  let r = U.part0 + gi;
  loadQuery(r, lid);
  let i = U.row0 + r;
  let jEnd = select(U.n, i + 1u, U.causal != 0u);
  var s = 0.0;
  for (var j = U.key0 + lid; j < min(U.key0 + U.keys, jEnd); j += WG) {
    s += score(j - U.key0);
  }
  let total = reduceSum(s, lid);
  if (lid == 0u) {
    ACC[1u + r] += total;
  }
}

@compute @workgroup_size(WG)
fn writeRows(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let gi = wid.x + wid.y * nwg.x;
  if (gi >= U.groups) {
    return;
  }
  let r = U.part0 + gi;
  loadQuery(r, lid);
  let i = U.row0 + r;
  let jEnd = select(U.n, i + 1u, U.causal != 0u);
  let sum = ACC[1u + r];
  let inv = select(0.0, 1.0 / sum, sum > 0.0);
  for (var j = U.key0 + lid; j < U.key0 + U.keys; j += WG) {
    var p = 0.0;
    if (j < jEnd) {
      p = score(j - U.key0) * inv;
    }
    OUT[r * U.n + j] = p;
  }
}

// One workgroup per block row a (PHIQ holds every row, PHIK every key; ACC their normalizers).
@compute @workgroup_size(WG)
fn pooled(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let gi = wid.x + wid.y * nwg.x;
  if (gi >= U.groups) {
    return;
  }
  let a = U.part0 + gi;
  for (var b = lid; b < U.pcols; b += WG) {
    pooledSum[b] = 0.0;
  }
  let i0 = a * U.pool;
  let i1 = min(i0 + U.pool, U.n);
  for (var i = i0; i < i1; i++) {
    loadQuery(i, lid);
    let jEnd = select(U.n, i + 1u, U.causal != 0u);
    let sum = ACC[1u + i];
    let inv = select(0.0, 1.0 / sum, sum > 0.0);
    // invocation owns block columns b ≡ lid (mod WG): no races
    for (var b = lid; b < U.pcols; b += WG) {
      let j0 = b * U.pool;
      let j1 = min(j0 + U.pool, jEnd);
      var s = 0.0;
      for (var j = j0; j < j1; j++) {
        s += score(j);
      }
      pooledSum[b] += s * inv;
    }
    workgroupBarrier(); // qrow is rewritten by the next row
  }
  let rowsIn = f32(i1 - i0);
  for (var b = lid; b < U.pcols; b += WG) {
    let colsIn = f32(min(b * U.pool + U.pool, U.n) - b * U.pool);
    OUT[a * U.pcols + b] = pooledSum[b] / (rowsIn * colsIn);
  }
}
