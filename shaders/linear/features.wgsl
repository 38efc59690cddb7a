// φ of a block of token rows written to memory (phi.wgsl is prepended). Used for display
// (the implied map) and, for the feed-forward kernel only, by the forward: its hidden blocks
// would otherwise be recomputed by every invocation that needs a slice of a key's features.
// PHI[r·D + f] = φ'(x_{row0 + r})_f and OFF[r] its log scale (φ = φ'·e^{OFF}): exp kernels
// are scaled to a row maximum of 1, the others have OFF = 0.

struct FParams {
  rows: u32,
  // first source row (head-major: head·N + token)
  row0: u32,
  // 0 = query map, 1 = key map (Hedgehog has separate weights)
  side: u32,
  groups: u32,
  // first destination row of PHI / OFF
  dst0: u32,
}

@group(0) @binding(2) var<uniform> U: FParams;
@group(0) @binding(3) var<storage, read> X: array<f32>;
@group(0) @binding(4) var<storage, read_write> PHI: array<f32>;
@group(0) @binding(5) var<storage, read_write> OFF: array<f32>;

const WG: u32 = 64u;

@compute @workgroup_size(WG)
fn features(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let r = (wid.x + wid.y * nwg.x) * WG + lid;
  if (r >= U.rows) {
    return;
  }
  let d = KP.d;
  let D = KP.dim;
  var x: array<f32, DMAX>;
  let xb = (U.row0 + r) * d;
  for (var c = 0u; c < d; c++) {
    x[c] = X[xb + c];
  }
  var phi: array<f32, FMAX>;
  phiRange(U.side, &x, 0u, D, &phi);
  var m = 0.0;
  if (isExp()) {
    m = NEG;
    for (var f = 0u; f < D; f++) {
      m = max(m, phi[f]);
    }
    for (var f = 0u; f < D; f++) {
      phi[f] = exp(phi[f] - m);
    }
  }
  let o = U.dst0 + r;
  for (var f = 0u; f < D; f++) {
    PHI[o * D + f] = phi[f];
  }
  OFF[o] = m;
}
