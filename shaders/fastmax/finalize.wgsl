// Fastmax output O = numerator / denominator (docs/spec/variants.md §5).
//
// `divide` (not causal): O[i][e] = Y[i][e] / Y[i][dv], one invocation per output element.
// `rowTiles` (causal, the intra-chunk terms): query.wgsl gave each row the moments of the chunks before its own; this
//          adds the row's own chunk explicitly — keys cs ≤ j ≤ i, f(y) = c0 + c1·y + c2·y² with
//          the centred dot product y = (q_i − μ)·(k_j − μ) — and divides:
//              O[i] = (Y[i][:dv] + Σ_j f_ij·v_j) / (Y[i][dv] + Σ_j f_ij).
//          The constant term thereby sums to a0·(i + 1) over the inter- and intra-chunk parts.
//          One workgroup = 64 rows (all in one chunk: the chunk is a multiple of 64) × 64 values
//          of one head (or `rpg` such row tiles one after the other, row-tiles.wgsl), 256
//          invocations (tile.wgsl). Per tile of BK keys, two tiled products through
//          workgroup memory: the scores S = f(Q_c·K_cᵀ) (64 × BK, each invocation 4 rows × 2
//          keys, over d in steps of 16), masked to j ≤ i, then S·V (each invocation 4 rows × 4
//          values). Row denominators are summed from S by all invocations (row × quarter).

#include "fastmax/entry.wgsl"
#include "fastmax/tile.wgsl"
#include "fastmax/row-tiles.wgsl"

const BK: u32 = 32u; // keys per tile
const CS: u32 = 16u; // channels per step of the score product

@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read> MU: array<f32>;
@group(0) @binding(5) var<storage, read> COEF: array<f32>;
@group(0) @binding(6) var<storage, read> Y: array<f32>;
@group(0) @binding(7) var<storage, read_write> O: array<f32>;

var<workgroup> Qs: array<vec4<f32>, CS * 16u>; // [channel][row/4]
var<workgroup> Ks: array<vec2<f32>, CS * 16u>; // [channel][key/2]
var<workgroup> Ss: array<vec4<f32>, BK * 16u>; // [key][row/4] scores
var<workgroup> Vs: array<vec4<f32>, BK * 16u>; // [key][value/4]
var<workgroup> rden: array<f32, 64>;

@compute @workgroup_size(256)
fn divide(grid: Grid, @builtin(local_invocation_index) t: u32) {
  let g = workgroupOf(grid);
  if (g == NONE) { return; }
  let idx = g * 256u + t;
  let dv = P.dv;
  if (idx >= P.heads * P.n * dv) {
    return;
  }
  let row = idx / dv;
  let e = idx % dv;
  O[idx] = Y[row * (dv + 1u) + e] / Y[row * (dv + 1u) + dv];
}

// row tile `rt`, values tile `etile` of head h
fn rowTile(h: u32, rt: u32, etile: u32, t: u32) {
  let n = P.n;
  let d = P.d;
  let dv = P.dv;
  let W = dv + 1u;
  let i0 = rt * 64u;
  let e0 = etile * 64u;
  let c0 = COEF[h * 8u];
  let c1 = COEF[h * 8u + 1u];
  let c2 = COEF[h * 8u + 2u];
  let tx = t % 16u;
  let ty = t / 16u;
  let lane = t % 64u;
  let quarter = t / 64u;

  var acc = array<vec4<f32>, 4>();
  var dacc = 0.0;

  let cs = (i0 / P.chunk) * P.chunk; // first key of this row block's chunk
  let keyEnd = min(i0 + 64u, n); // exclusive: the block's last row + 1
  for (var k0 = cs; k0 < keyEnd; k0 += BK) {
    // scores of 4 rows (ty·4 + u) × 2 keys (tx·2 + v)
    var s0 = vec4<f32>(0.0); // key tx·2
    var s1 = vec4<f32>(0.0); // key tx·2 + 1
    for (var cb = 0u; cb < d; cb += CS) {
      // Qs: CS channels × 64 rows and Ks: CS channels × BK keys, one vector per invocation
      // (channel t % 16 of 4 rows / 2 keys: consecutive invocations read consecutive channels)
      let c = cb + tx;
      var qv = vec4<f32>(0.0);
      var kv = vec2<f32>(0.0);
      if (c < d) {
        for (var u = 0u; u < 4u; u++) {
          let i = i0 + ty * 4u + u;
          if (i < n) {
            qv[u] = Q[(h * n + i) * d + c] - select(0.0, MU[h * n + i], P.center != 0u);
          }
        }
        for (var v = 0u; v < 2u; v++) {
          let j = k0 + ty * 2u + v;
          if (j < keyEnd) {
            kv[v] = K[(h * n + j) * d + c] - select(0.0, MU[(P.heads + h) * n + j], P.center != 0u);
          }
        }
      }
      Qs[tx * 16u + ty] = qv;
      Ks[tx * 16u + ty] = kv;
      workgroupBarrier();
      for (var c = 0u; c < CS; c++) {
        let qv = Qs[c * 16u + ty];
        let kv = Ks[c * 16u + tx];
        s0 += qv * kv.x;
        s1 += qv * kv.y;
      }
      workgroupBarrier();
    }
    // f(y), masked to the keys each row sees (j ≤ i)
    for (var v = 0u; v < 2u; v++) {
      let j = k0 + tx * 2u + v;
      let y = select(s0, s1, v == 1u);
      var fv = vec4<f32>(0.0);
      for (var u = 0u; u < 4u; u++) {
        let i = i0 + ty * 4u + u;
        if (j <= i && j < keyEnd) {
          fv[u] = c0 + y[u] * (c1 + y[u] * c2);
        }
      }
      Ss[(tx * 2u + v) * 16u + ty] = fv;
    }
    // Vs: BK keys × 64 values
    for (var e = t; e < BK * 16u; e += 256u) {
      let j = k0 + e / 16u;
      var vv = vec4<f32>(0.0);
      for (var u = 0u; u < 4u; u++) {
        let c = e0 + (e % 16u) * 4u + u;
        if (j < keyEnd && c < dv) {
          vv[u] = V[(h * n + j) * dv + c];
        }
      }
      Vs[e] = vv;
    }
    workgroupBarrier();
    for (var jj = 0u; jj < BK; jj++) {
      outer4(&acc, Ss[jj * 16u + ty], Vs[jj * 16u + tx]);
    }
    for (var jj = quarter * (BK / 4u); jj < (quarter + 1u) * (BK / 4u); jj++) {
      dacc += Ss[jj * 16u + lane / 4u][lane % 4u];
    }
    workgroupBarrier();
  }

  let den = quarterSum(t, dacc);
  if (t < 64u) {
    rden[t] = den;
  }
  workgroupBarrier();
  for (var u = 0u; u < 4u; u++) {
    let i = i0 + ty * 4u + u;
    if (i < n) {
      let yb = (h * n + i) * W;
      let inv = 1.0 / (Y[yb + dv] + rden[ty * 4u + u]);
      for (var c = 0u; c < 4u; c++) {
        let e = e0 + tx * 4u + c;
        if (e < dv) {
          O[(h * n + i) * dv + e] = (Y[yb + e] + acc[u][c]) * inv;
        }
      }
    }
  }
  workgroupBarrier(); // rden is reused by the next row tile
}
