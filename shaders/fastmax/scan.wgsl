// Combines the per-chunk moments of state.wgsl (spec/variants.md §5), element by element of
// each head's D × (dv+1) state, in a fixed order (deterministic, no atomics):
//   mode 0 (not causal): ST[chunk 0] ← Σ_c ST[chunk c]        (split-N partial sums → total)
//   mode 1 (causal):     ST[chunk c] ← Σ_{c' < c} ST[chunk c'] (exclusive prefix over chunks)
// One invocation per state element; consecutive invocations touch consecutive addresses.

struct Params {
  n: u32, d: u32, dv: u32, heads: u32,
  causal: u32, p: u32, nfeat: u32, chunk: u32,
  chunks: u32, ftiles: u32, etiles: u32, rtiles: u32,
  g0: u32, groups: u32, center: u32, normalize: u32,
  lim: f32, invT: f32, a0: f32, a1: f32,
  a2: f32, mode: u32, row0: u32, rows: u32,
  pool: u32, pcols: u32, base: u32, head: u32,
  // state.wgsl: consecutive chunks handled by one workgroup, one after the other
  cpg: u32,
  // query/finalize (intra)/prep (stats): row tiles handled by one workgroup, one after the other
  rpg: u32,
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> ST: array<f32>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let gl = wid.x + wid.y * nwg.x;
  if (gl >= P.groups) {
    return;
  }
  let g = P.g0 + gl;
  let size = P.nfeat * (P.dv + 1u); // elements of one chunk's state
  let blocks = (size + WG - 1u) / WG;
  let h = g / blocks;
  let idx = (g % blocks) * WG + t;
  if (idx >= size) {
    return;
  }
  let base = h * P.chunks * size + idx;
  var run = 0.0;
  if (P.mode == 0u) {
    for (var c = 0u; c < P.chunks; c++) {
      run += ST[base + c * size];
    }
    ST[base] = run;
  } else {
    for (var c = 0u; c < P.chunks; c++) {
      let x = ST[base + c * size];
      ST[base + c * size] = run;
      run += x;
    }
  }
}
