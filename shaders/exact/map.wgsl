// Exact attention map for display (spec/variants.md §0, "map kernel").
//
// `rows`:   P[i, j] = softmax_j(q_i·k_j·scale) for a window of query rows i ∈ [row0, row0+rows)
//           and every key j — one workgroup per row.
// `pooled`: block-averaged overview: cell (a, b) = mean of P[i, j] over the pool×pool block
//           (edge blocks average over the cells they actually have) — one workgroup per
//           block row.
// Both first reduce each row's max and denominator across the workgroup (pass 1), then
// evaluate the probabilities (pass 2). Masked (causal) entries are exactly 0.

struct Params {
  n: u32,
  d: u32,
  causal: u32,
  head: u32,
  // rows: first row and number of rows; pooled: first block row, block rows in this part
  row0: u32,
  rows: u32,
  pool: u32,
  // pooled: number of block columns = ceil(n / pool)
  pcols: u32,
  scale: f32,
  // rows: first row of the whole window (OUT row 0); parts of a window share the buffer
  base: u32,
}

const WG: u32 = 64u;
const DMAXQ: u32 = 256u;
const MAXPCOLS: u32 = 2048u;
const NEG: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read_write> OUT: array<f32>;

var<workgroup> qrow: array<f32, DMAXQ>;
var<workgroup> redm: array<f32, WG>;
var<workgroup> redl: array<f32, WG>;
var<workgroup> pooled: array<f32, MAXPCOLS>;

fn score(j: u32) -> f32 {
  let kb = (P.head * P.n + j) * P.d;
  var dot = 0.0;
  for (var c = 0u; c < P.d; c++) {
    dot += qrow[c] * K[kb + c];
  }
  return dot;
}

// Loads q_i (pre-scaled) into workgroup memory and returns (max, denominator) of row i,
// identical in every invocation. Must be called in uniform control flow.
fn rowStats(i: u32, t: u32) -> vec2<f32> {
  let qb = (P.head * P.n + i) * P.d;
  for (var c = t; c < P.d; c += WG) {
    qrow[c] = Q[qb + c] * P.scale;
  }
  workgroupBarrier();
  let jEnd = select(P.n, i + 1u, P.causal != 0u);
  var m = NEG;
  var l = 0.0;
  for (var j = t; j < jEnd; j += WG) {
    let s = score(j);
    let mn = max(m, s);
    l = l * select(exp(m - mn), 0.0, m <= NEG) + exp(s - mn);
    m = mn;
  }
  redm[t] = m;
  redl[t] = l;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (t < stride) {
      let m1 = redm[t];
      let m2 = redm[t + stride];
      let mn = max(m1, m2);
      let l1 = select(redl[t] * exp(m1 - mn), 0.0, m1 <= NEG);
      let l2 = select(redl[t + stride] * exp(m2 - mn), 0.0, m2 <= NEG);
      redm[t] = mn;
      redl[t] = l1 + l2;
    }
    workgroupBarrier();
  }
  let stats = vec2<f32>(redm[0], redl[0]);
  workgroupBarrier(); // everyone has read redm[0]/redl[0] before they are reused
  return stats;
}

@compute @workgroup_size(WG)
fn rows(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let r = wid.x + wid.y * nwg.x;
  if (r >= P.rows) {
    return;
  }
  let i = P.row0 + r;
  let st = rowStats(i, t);
  let jEnd = select(P.n, i + 1u, P.causal != 0u);
  let inv = 1.0 / st.y;
  for (var j = t; j < P.n; j += WG) {
    var p = 0.0;
    if (j < jEnd) {
      p = exp(score(j) - st.x) * inv;
    }
    OUT[(i - P.base) * P.n + j] = p;
  }
}

@compute @workgroup_size(WG)
fn pooledMap(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let gi = wid.x + wid.y * nwg.x;
  if (gi >= P.rows) {
    return;
  }
  let a = P.row0 + gi; // block row
  for (var b = t; b < P.pcols; b += WG) {
    pooled[b] = 0.0;
  }
  let i0 = a * P.pool;
  let i1 = min(i0 + P.pool, P.n);
  for (var i = i0; i < i1; i++) {
    let st = rowStats(i, t);
    let jEnd = select(P.n, i + 1u, P.causal != 0u);
    let inv = 1.0 / st.y;
    // each invocation owns block columns b ≡ t (mod WG): no races on pooled[b]
    for (var b = t; b < P.pcols; b += WG) {
      let j0 = b * P.pool;
      let j1 = min(j0 + P.pool, jEnd);
      var sum = 0.0;
      for (var j = j0; j < j1; j++) {
        sum += exp(score(j) - st.x) * inv;
      }
      pooled[b] += sum;
    }
    workgroupBarrier(); // qrow is rewritten by the next row's stats
  }
  let rowsIn = f32(i1 - i0);
  for (var b = t; b < P.pcols; b += WG) {
    let colsIn = f32(min(b * P.pool + P.pool, P.n) - b * P.pool);
    OUT[a * P.pcols + b] = pooled[b] / (rowsIn * colsIn);
  }
}
