// Combines the per-chunk moments of state.wgsl (docs/spec/variants.md §5), element by element of
// each head's D × (dv+1) state, in a fixed order (deterministic, no atomics):
//   mode 0 (not causal): ST[chunk 0] ← Σ_c ST[chunk c]        (split-N partial sums → total)
//   mode 1 (causal):     ST[chunk c] ← Σ_{c' < c} ST[chunk c'] (exclusive prefix over chunks)
// One invocation per state element; consecutive invocations touch consecutive addresses.

#include "fastmax/entry.wgsl"

const WG: u32 = 256u;

@group(0) @binding(1) var<storage, read_write> ST: array<f32>;

@compute @workgroup_size(WG)
fn main(grid: Grid, @builtin(local_invocation_index) t: u32) {
  let g = workgroupOf(grid);
  if (g == NONE) { return; }
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
