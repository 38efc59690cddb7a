// Trainer: the backward through the feature map and the weight gradient (weights at binding 1).
//   backFeatures (one invocation per row): DEL[r] = per-unit deltas
//     hedgehog: da_f = dφ'_f·φ'_f − dφ'_{F+f}·φ'_{F+f}
//     ffk:      from the last block back: du = dh ⊙ σ(v) ⊙ g'(u), dv = dh ⊙ g(u) ⊙ σ'(v),
//               dh ← W_oᵀdu + W_gᵀdv   (stored per block: du (F) then dv (F))
//   weightGrad (a tiled Δᵀ·[input, 1] per tensor pair W, b): Σ over rows of delta × block
//     input (1 for a bias): ffk over every row (φ is shared by q and k), hedgehog's q tensors
//     over the query rows, its k tensors over the key rows.

#include "linear/phi.wgsl"

@group(0) @binding(2) var<storage, read> Q: array<f32>;
@group(0) @binding(3) var<storage, read> K: array<f32>;
@group(0) @binding(4) var<storage, read> PHI: array<f32>;
@group(0) @binding(5) var<storage, read> ACT: array<f32>;
@group(0) @binding(6) var<storage, read> DPHI: array<f32>;
@group(0) @binding(7) var<storage, read_write> DEL: array<f32>;
@group(0) @binding(8) var<storage, read_write> GRAD: array<f32>;

fn blockBase(l: u32) -> u32 {
  let F = P.m;
  return select(0u, 2u * F * P.d + 2u * F + (l - 1u) * (2u * F * F + 2u * F), l > 0u);
}

@compute @workgroup_size(WG)
fn backFeatures(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let r = unitIndex(grid, lid);
  if (r >= P.rows) { return; }
  let F = P.m;
  let D = P.dim;
  // #if kernel=hedgehog
  for (var f = 0u; f < F; f++) {
    DEL[r * P.dstride + f] = DPHI[r * D + f] * PHI[r * D + f] - DPHI[r * D + F + f] * PHI[r * D + F + f];
  }
  // #endif
  // #if kernel=ffk
  var dh: array<f32, FMAX>;
  for (var f = 0u; f < F; f++) {
    dh[f] = DPHI[r * D + f];
  }
  var du: array<f32, FMAX>;
  var dvv: array<f32, FMAX>;
  let L = P.layers;
  for (var li = 0u; li < L; li++) {
    let l = L - 1u - li;
    let last = li == 0u;
    let ab = r * P.astride + 3u * l * F;
    for (var f = 0u; f < F; f++) {
      let u = ACT[ab + f];
      let s = sigm(ACT[ab + F + f]);
      var gu = u;
      var dg = 1.0;
      if (last) {
        gu = softplus(u);
        dg = sigm(u);
      }
      du[f] = dh[f] * s * dg;
      dvv[f] = dh[f] * gu * s * (1.0 - s);
      DEL[r * P.dstride + 2u * l * F + f] = du[f];
      DEL[r * P.dstride + (2u * l + 1u) * F + f] = dvv[f];
    }
    if (l > 0u) {
      // dh ← W_oᵀ du + W_gᵀ dv (block l's input has F units)
      let base = blockBase(l);
      let wo = base;
      let wg = base + F * F + F;
      for (var c = 0u; c < F; c++) {
        var s = 0.0;
        for (var f = 0u; f < F; f++) {
          s += PW[wo + f * F + c] * du[f] + PW[wg + f * F + c] * dvv[f];
        }
        dh[c] = s;
      }
    }
  }
  // #endif
}

// One weight-gradient job (train/gpu.ts makes one per tensor pair W, b: its fields r0 … ctiles
// and groups are this dispatch's Params):
//   dW[f][c] = Σ_{r0 ≤ r < r1} DEL[r·dstride + doff + f] · in_r[c],   db[f] = Σ_r DEL[…]
// with in_r the token row (fromX) or a block output stored in ACT at inOff; the bias is
// column din of the input [in_r, 1]: the matmul Δᵀ·[IN, 1] in tiles of TM×TM outputs per
// workgroup (common/matmul-tile.wgsl), rows in order.
#include "common/matmul-out.wgsl"

fn jobInput(r: u32, c: u32) -> f32 {
  if (c == P.din) {
    return 1.0;
  }
  if (P.fromX != 0u) {
    let half = P.rows / 2u;
    if (r < half) {
      return Q[r * P.d + c];
    }
    return K[(r - half) * P.d + c];
  }
  return ACT[r * P.astride + P.inOff + c];
}

// A = Δᵀ (F × rows), B = [IN, 1] (rows × (din + 1))
fn tileA(f: u32, k: u32) -> f32 {
  return DEL[(P.r0 + k) * P.dstride + P.doff + f];
}

fn tileB(k: u32, c: u32) -> f32 {
  return jobInput(P.r0 + k, c);
}

// cell (f, c) of the product: dW[f][c], or db[f] in the bias column c = din
fn tileOut(f: u32, c: u32, v: f32) {
  if (c < P.din) {
    GRAD[P.gW + f * P.din + c] = v;
  } else {
    GRAD[P.gB + f] = v;
  }
}

@compute @workgroup_size(16, 16)
fn weightGrad(grid: Grid, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let g = gridIndex(grid);
  if (g >= P.groups) { return; }
  let F = P.m;
  let f0 = (g / P.ctiles) * TM;
  let c0 = (g % P.ctiles) * TM;
  tileProduct(t, lid, f0, c0, 0u, P.r1 - P.r0, F, P.din + 1u);
  tileWrite(lid, f0, c0, F, P.din + 1u);
}
