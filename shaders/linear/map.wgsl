// The implied attention map of linear attention, for display (docs/spec/variants.md §4):
//   Â_ij = φ(q_i)·φ(k_j) / Σ_l φ(q_i)·φ(k_l)   (l ≤ i when causal; no ε; 0 for an all-zero row)
// from features written by features.wgsl (PHIQ for the window's rows, PHIK for a chunk of
// keys, with their log scales). Keys are weighted by e^{OFFK − MK}, MK the largest key scale
// (ACC[0], folded over the key chunks by keyMax), so every key is on one common scale.
// ACC[1 + r] accumulates row r's normalizer over the key chunks (rowSums); writeRows and
// pooled then write probabilities (a window of rows; a block-averaged overview).

#include "linear/params.wgsl"
#include "common/reduce.wgsl"

@group(0) @binding(1) var<storage, read> PHIQ: array<f32>;
@group(0) @binding(2) var<storage, read> PHIK: array<f32>;
@group(0) @binding(3) var<storage, read> OFFK: array<f32>;
@group(0) @binding(4) var<storage, read_write> ACC: array<f32>;
@group(0) @binding(5) var<storage, read_write> OUT: array<f32>;

// ≥ D (the query's features) and ≥ the pooled overview's block columns: specialized by the
// host, so each entry point zero-initializes only the workgroup memory it needs
const FQ: u32 = 1024u; // @specialize
const MAXPCOLS: u32 = 2048u; // @specialize

var<workgroup> qrow: array<f32, FQ>;
var<workgroup> pooledSum: array<f32, MAXPCOLS>;

fn loadQuery(r: u32, lid: u32) {
  for (var f = lid; f < P.dim; f += WG) {
    qrow[f] = PHIQ[r * P.dim + f];
  }
  workgroupBarrier();
}

// φ(q)·φ(k_j)·e^{OFFK_j − MK} for key j of the chunk (local index jl)
fn score(jl: u32) -> f32 {
  var s = 0.0;
  let kb = jl * P.dim;
  for (var f = 0u; f < P.dim; f++) {
    s += qrow[f] * PHIK[kb + f];
  }
  return s * exp(OFFK[jl] - ACC[0]);
}

@compute @workgroup_size(WG)
fn keyMax(@builtin(local_invocation_index) lid: u32) {
  var m = NEG;
  for (var j = lid; j < P.keys; j += WG) {
    m = max(m, OFFK[j]);
  }
  let mk = reduceMax(lid, m);
  if (lid == 0u) {
    ACC[0] = max(ACC[0], mk);
  }
}

// Window row part0 + gi: its normalizer, accumulated over the key chunks into ACC[1 + r]
// (rowSums), or its probabilities (writeRows).
fn windowRow(gi: u32, lid: u32, write: bool) {
  if (gi >= P.groups) {
    return;
  }
  let r = P.part0 + gi;
  loadQuery(r, lid);
  let jEnd = keyEnd(P.row0 + r);
  if (!write) {
    var s = 0.0;
    for (var j = P.key0 + lid; j < min(P.key0 + P.keys, jEnd); j += WG) {
      s += score(j - P.key0);
    }
    let total = reduceSum(lid, s);
    if (lid == 0u) {
      ACC[1u + r] += total;
    }
    return;
  }
  let sum = ACC[1u + r];
  let inv = select(0.0, 1.0 / sum, sum > 0.0);
  for (var j = P.key0 + lid; j < P.key0 + P.keys; j += WG) {
    var p = 0.0;
    if (j < jEnd) {
      p = score(j - P.key0) * inv;
    }
    OUT[r * P.n + j] = p;
  }
}

@compute @workgroup_size(WG)
fn rowSums(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  windowRow(groupIndex(wid, nwg), lid, false);
}

@compute @workgroup_size(WG)
fn writeRows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  windowRow(groupIndex(wid, nwg), lid, true);
}

// One workgroup per block row a (PHIQ holds every row, PHIK every key; ACC their normalizers).
@compute @workgroup_size(WG)
fn pooled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let gi = groupIndex(wid, nwg);
  if (gi >= P.groups) {
    return;
  }
  let a = P.part0 + gi;
  for (var b = lid; b < P.pcols; b += WG) {
    pooledSum[b] = 0.0;
  }
  let i0 = a * P.pool;
  let i1 = min(i0 + P.pool, P.n);
  for (var i = i0; i < i1; i++) {
    loadQuery(i, lid);
    let jEnd = keyEnd(i);
    let sum = ACC[1u + i];
    let inv = select(0.0, 1.0 / sum, sum > 0.0);
    // invocation owns block columns b ≡ lid (mod WG): no races
    for (var b = lid; b < P.pcols; b += WG) {
      let j0 = b * P.pool;
      let j1 = min(j0 + P.pool, jEnd);
      var s = 0.0;
      for (var j = j0; j < j1; j++) {
        s += score(j);
      }
      pooledSum[b] += s * inv;
    }
    workgroupBarrier(); // qrow is rewritten by the next row
  }
  let rowsIn = f32(i1 - i0);
  for (var b = lid; b < P.pcols; b += WG) {
    let colsIn = f32(min(b * P.pool + P.pool, P.n) - b * P.pool);
    OUT[a * P.pcols + b] = pooledSum[b] / (rowsIn * colsIn);
  }
}
