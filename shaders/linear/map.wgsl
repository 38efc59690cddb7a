// The implied attention map of linear attention, for display (docs/spec/variants.md §4):
//   Â_ij = φ(q_i)·φ(k_j) / Σ_l φ(q_i)·φ(k_l)   (l ≤ i when causal; no ε; 0 for an all-zero row)
// from features written by features.wgsl (PHIQ for the window's rows, PHIK for a chunk of
// keys, with their log scales). Keys are weighted by e^{OFFK − MK}, MK the largest key scale
// (ACC[0], folded over the key chunks by keyMax), so every key is on one common scale.
// ACC[1 + r] accumulates row r's normalizer over the key chunks (rowSums); writeRows and
// pooled then write probabilities (a window of rows; a block-averaged overview: the bodies
// of common/map.wgsl over mapRowBegin / mapEntry).

#include "linear/params.wgsl"
#include "common/reduce.wgsl"
#include "common/map.wgsl"

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
// the current row's 1 / normalizer (0 for an all-zero row), set by mapRowBegin
var<private> rowInv: f32;

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

// Row i of the sequence (window row i − row0): its query features and normalizer.
fn mapRowBegin(i: u32, t: u32) {
  let r = i - P.row0;
  loadQuery(r, t);
  let sum = ACC[1u + r];
  rowInv = select(0.0, 1.0 / sum, sum > 0.0);
}

fn mapEntry(i: u32, j: u32) -> f32 {
  return score(j - P.key0) * rowInv;
}

// Window rows part0 … part0 + groups − 1: their normalizers, accumulated over the key chunks
// into ACC[1 + r].
@compute @workgroup_size(WG)
fn rowSums(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let gi = gridIndex(grid);
  if (gi >= P.groups) { return; }
  let r = P.part0 + gi;
  loadQuery(r, lid);
  var s = 0.0;
  for (var j = P.key0 + lid; j < min(P.key0 + P.keys, keyEnd(P.row0 + r)); j += WG) {
    s += score(j - P.key0);
  }
  let total = reduceSum(lid, s);
  if (lid == 0u) {
    ACC[1u + r] += total;
  }
}

// The probabilities of those rows for this key chunk.
@compute @workgroup_size(WG)
fn writeRows(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let gi = gridIndex(grid);
  if (gi >= P.groups) { return; }
  let r = P.part0 + gi;
  let i = P.row0 + r;
  mapRowBegin(i, lid);
  mapWriteRow(i, lid, P.key0, P.key0 + P.keys, keyEnd(i), r * P.n);
}

// Block row part0 + gi of the overview (PHIQ holds every row, PHIK every key; ACC their normalizers).
@compute @workgroup_size(WG)
fn pooled(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let gi = gridIndex(grid);
  if (gi >= P.groups) { return; }
  mapWritePooled(P.part0 + gi, lid, P.n, P.pool, P.pcols, P.causal != 0u, 0u);
}
