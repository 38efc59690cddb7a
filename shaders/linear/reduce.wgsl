// Linear attention, pass 2: combines the chunks' partial states (docs/spec/variants.md §4).
// One invocation per state element (head, feature f, column e ≤ dv; e = dv is z), looping
// over the chunks in order — deterministic, no atomics.
// - reduceStates (non-causal): S = Σ_c e^{m_c − M} S_c with M = max_c m_c, into FS; M into FM.
// - prefixStates (causal): in place, PS[c] ← exclusive prefix Σ_{c' < c} (scaled to the
//   running maximum, which goes to FM[head·C + c]).
// Chunk maxima m are per feature tile (PM[(head·C + c)·FTILES + tile]); every feature of a
// head is brought to one common scale per prefix, as φ(q)ᵀS sums over features.
#include "linear/params.wgsl"

@group(0) @binding(1) var<storage, read_write> PS: array<f32>;
@group(0) @binding(2) var<storage, read> PM: array<f32>;
@group(0) @binding(3) var<storage, read_write> FS: array<f32>;
@group(0) @binding(4) var<storage, read_write> FM: array<f32>;

// the largest log-scale of chunk c of `head` over its feature tiles
fn chunkMax(head: u32, c: u32) -> f32 {
  var m = NEG;
  for (var t = 0u; t < P.ftiles; t++) {
    m = max(m, PM[(head * P.chunks + c) * P.ftiles + t]);
  }
  return m;
}

// State element idx (head, f, e) of every chunk: summed into FS, or (prefix) replaced by the
// exclusive prefix in place.
fn combine(idx: u32, prefix: bool) {
  let dvs = P.dv + 1u;
  if (idx >= P.heads * P.dim * dvs) { return; }
  let e = idx % dvs;
  let f = (idx / dvs) % P.dim;
  let head = idx / (dvs * P.dim);
  let C = P.chunks;
  let tile = f / P.ft;
  let first = f == 0u && e == 0u;
  if (!prefix) {
    var M = NEG;
    for (var c = 0u; c < C; c++) {
      M = max(M, chunkMax(head, c));
    }
    var s = 0.0;
    for (var c = 0u; c < C; c++) {
      let w = exp(PM[(head * C + c) * P.ftiles + tile] - M);
      s += PS[((head * C + c) * P.dim + f) * dvs + e] * w;
    }
    FS[(head * P.dim + f) * dvs + e] = s;
    if (first) {
      FM[head] = M;
    }
    return;
  }
  var mrun = NEG;
  var acc = 0.0;
  for (var c = 0u; c < C; c++) {
    let at = ((head * C + c) * P.dim + f) * dvs + e;
    let own = PS[at];
    PS[at] = acc;
    if (first) {
      FM[head * C + c] = mrun;
    }
    let mnew = max(mrun, chunkMax(head, c));
    acc = acc * exp(mrun - mnew) + own * exp(PM[(head * C + c) * P.ftiles + tile] - mnew);
    mrun = mnew;
  }
}

@compute @workgroup_size(WG)
fn reduceStates(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  combine(unitIndex(grid, lid), false);
}

@compute @workgroup_size(WG)
fn prefixStates(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  combine(unitIndex(grid, lid), true);
}
