// Linear attention, pass 2: combines the chunks' partial states (spec/variants.md §4).
// One invocation per state element (head, feature f, column e ≤ dv; e = dv is z), looping
// over the chunks in order — deterministic, no atomics.
// - reduceStates (non-causal): S = Σ_c e^{m_c − M} S_c with M = max_c m_c, into FS; M into FM.
// - prefixStates (causal): in place, PS[c] ← exclusive prefix Σ_{c' < c} (scaled to the
//   running maximum, which goes to PX[head·C + c]).
// Chunk maxima m are per feature tile (PM[(head·C + c)·FTILES + tile]); every feature of a
// head is brought to one common scale per prefix, as φ(q)ᵀS sums over features.

struct RParams {
  dim: u32,
  dv: u32,
  heads: u32,
  chunks: u32,
  ftiles: u32,
  // features per tile (FT of kv.wgsl)
  ft: u32,
  // invocations = heads · dim · (dv + 1)
  total: u32,
  pad: u32,
}

@group(0) @binding(0) var<uniform> U: RParams;
@group(0) @binding(1) var<storage, read_write> PS: array<f32>;
@group(0) @binding(2) var<storage, read> PM: array<f32>;
@group(0) @binding(3) var<storage, read_write> FS: array<f32>;
@group(0) @binding(4) var<storage, read_write> FM: array<f32>;

const WG: u32 = 64u;
const NEG: f32 = -3.0e38;

@compute @workgroup_size(WG)
fn reduceStates(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let idx = (wid.x + wid.y * nwg.x) * WG + lid;
  if (idx >= U.total) {
    return;
  }
  let dvs = U.dv + 1u;
  let e = idx % dvs;
  let f = (idx / dvs) % U.dim;
  let head = idx / (dvs * U.dim);
  let C = U.chunks;
  let tile = f / U.ft;
  var M = NEG;
  for (var c = 0u; c < C; c++) {
    for (var t = 0u; t < U.ftiles; t++) {
      M = max(M, PM[(head * C + c) * U.ftiles + t]);
    }
  }
  var s = 0.0;
  for (var c = 0u; c < C; c++) {
    let w = exp(PM[(head * C + c) * U.ftiles + tile] - M);
    s += PS[((head * C + c) * U.dim + f) * dvs + e] * w;
  }
  FS[(head * U.dim + f) * dvs + e] = s;
  if (f == 0u && e == 0u) {
    FM[head] = M;
  }
}

@compute @workgroup_size(WG)
fn prefixStates(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let idx = (wid.x + wid.y * nwg.x) * WG + lid;
  if (idx >= U.total) {
    return;
  }
  let dvs = U.dv + 1u;
  let e = idx % dvs;
  let f = (idx / dvs) % U.dim;
  let head = idx / (dvs * U.dim);
  let C = U.chunks;
  let tile = f / U.ft;
  var mrun = NEG;
  var acc = 0.0;
  for (var c = 0u; c < C; c++) {
    var mc = NEG;
    for (var t = 0u; t < U.ftiles; t++) {
      mc = max(mc, PM[(head * C + c) * U.ftiles + t]);
    }
    let at = ((head * C + c) * U.dim + f) * dvs + e;
    let own = PS[at];
    PS[at] = acc;
    if (f == 0u && e == 0u) {
      FM[head * C + c] = mrun;
    }
    let mnew = max(mrun, mc);
    acc = acc * exp(mrun - mnew) + own * exp(PM[(head * C + c) * U.ftiles + tile] - mnew);
    mrun = mnew;
  }
}
