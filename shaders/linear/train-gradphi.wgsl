// Trainer: ∂L/∂φ' from G = ∂L/∂s. One invocation per (row, feature):
//   query row (h, i): Σ_j G[h,i,j]·φ'(k_j)_f·w_j      key row (h, j): w_j·Σ_i G[h,i,j]·φ'(q_i)_f
// with w_j = e^{OFF_j − MK[h]}, the key's factor in s_ij (written by keyMax into ROW).

#include "linear/params.wgsl"

@group(0) @binding(1) var<storage, read> PHI: array<f32>;
@group(0) @binding(2) var<storage, read> OFF: array<f32>;
@group(0) @binding(3) var<storage, read> SC: array<f32>;
@group(0) @binding(4) var<storage, read> ROW: array<f32>;
@group(0) @binding(5) var<storage, read_write> DPHI: array<f32>;

@compute @workgroup_size(WG)
fn gradPhi(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let idx = unitIndex(grid, lid);
  let D = P.dim;
  if (idx >= P.rows * D) { return; }
  let f = idx % D;
  let r = idx / D;
  let n = P.n;
  let hn = P.heads * n;
  var s = 0.0;
  let wb = hn * P.rstride + P.heads;
  if (r < hn) {
    let h = r / n;
    let i = r % n;
    let jEnd = keyEnd(i);
    for (var j = 0u; j < jEnd; j++) {
      let kr = hn + h * n + j;
      s += SC[r * n + j] * PHI[kr * D + f] * ROW[wb + h * n + j];
    }
  } else {
    let h = (r - hn) / n;
    let j = (r - hn) % n;
    let i0 = select(0u, j, P.causal != 0u);
    for (var i = i0; i < n; i++) {
      let qr = h * n + i;
      s += SC[qr * n + j] * PHI[qr * D + f];
    }
    s *= ROW[wb + r - hn];
  }
  DPHI[idx] = s;
}
