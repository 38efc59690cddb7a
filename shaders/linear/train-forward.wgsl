// Trainer, forward of the feature map with what the backward needs. One invocation per row
// (queries then keys):
//   PHI[r·D + f] = φ'(x_r)_f, OFF[r] = its log scale (hedgehog: row maximum; ffk: 0);
//   ACT[r·astride + 3·l·F + …] = ffk block l's pre-activations u_l (F), v_l (F) and output (F)
//   (the next block's input, read by the weight gradient).

#include "linear/phi.wgsl"

@group(0) @binding(2) var<storage, read> Q: array<f32>;
@group(0) @binding(3) var<storage, read> K: array<f32>;
@group(0) @binding(4) var<storage, read_write> PHI: array<f32>;
@group(0) @binding(5) var<storage, read_write> OFF: array<f32>;
@group(0) @binding(6) var<storage, read_write> ACT: array<f32>;

@compute @workgroup_size(WG)
fn forward(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let r = unitIndex(grid, lid);
  if (r >= P.rows) { return; }
  let d = P.d;
  let D = P.dim;
  let F = P.m;
  let half = P.rows / 2u;
  let side = select(0u, 1u, r >= half);
  let src = r - side * half;
  var x: array<f32, DMAX>;
  for (var c = 0u; c < d; c++) {
    x[c] = select(Q[src * d + c], K[src * d + c], side == 1u);
  }
  // #if kernel=hedgehog
  var m = NEG;
  let base = side * P.kside;
  for (var f = 0u; f < F; f++) {
    var a = PW[base + F * d + f];
    for (var c = 0u; c < d; c++) {
      a += PW[base + f * d + c] * x[c];
    }
    PHI[r * D + f] = a;
    PHI[r * D + F + f] = -a;
    m = max(m, abs(a));
  }
  for (var f = 0u; f < D; f++) {
    PHI[r * D + f] = exp(PHI[r * D + f] - m);
  }
  OFF[r] = m;
  // #endif
  // #if kernel=ffk
  var ha: array<f32, FMAX>;
  var hb: array<f32, FMAX>;
  var base = 0u;
  let L = P.layers;
  for (var l = 0u; l < L; l++) {
    let din = select(F, d, l == 0u);
    let wo = base;
    let bo = wo + F * din;
    let wg = bo + F;
    let bg = wg + F * din;
    let last = l + 1u == L;
    for (var f = 0u; f < F; f++) {
      var u = PW[bo + f];
      var v = PW[bg + f];
      for (var c = 0u; c < din; c++) {
        var hin: f32;
        if (l == 0u) {
          hin = x[c];
        } else if (l % 2u == 1u) {
          hin = ha[c];
        } else {
          hin = hb[c];
        }
        u += PW[wo + f * din + c] * hin;
        v += PW[wg + f * din + c] * hin;
      }
      ACT[r * P.astride + (3u * l) * F + f] = u;
      ACT[r * P.astride + (3u * l + 1u) * F + f] = v;
      var gu = u;
      if (last) {
        gu = softplus(u);
      }
      let y = gu * sigm(v);
      ACT[r * P.astride + (3u * l + 2u) * F + f] = y;
      if (last) {
        PHI[r * D + f] = y;
      } else if (l % 2u == 0u) {
        ha[f] = y;
      } else {
        hb[f] = y;
      }
    }
    base += 2u * F * din + 2u * F;
  }
  OFF[r] = 0.0;
  // #endif
}
