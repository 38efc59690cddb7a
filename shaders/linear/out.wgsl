// Linear attention, pass 3: outputs (docs/spec/variants.md §4).
//
// One workgroup = 64 query rows of one head, one invocation per row. Each evaluates its
// φ(q_i) in private memory (fused: φ(Q) never goes to global memory), then
//   outNC: o_i = φ(q_i)ᵀS / (φ(q_i)ᵀz + ε)  with the reduced state S, z staged through
//          workgroup memory in tiles of FT2 features;
//   outC:  the same with the exclusive prefix state of the row block's chunk, plus the
//          intra-chunk lower-triangular part Σ_{chunk start ≤ j ≤ i} (φ(q_i)·φ(k_j)) v_j
//          (φ of the chunk's keys recomputed in tiles of TK keys in workgroup memory).
// Exp kernels: φ(q) is scaled by its row maximum mq, the state by its key maximum M; the ε
// term is rescaled by e^{−(mq + M)} so the result is that of the unscaled formula.
// The dispatch covers heads × units workgroups: row blocks part0 … part0 + units − 1 of 64 rows.
#include "linear/keys.wgsl"

@group(0) @binding(5) var<storage, read> Q: array<f32>;
// outNC: reduced state [head][f][dv+1] and its scale [head]; outC: prefix states [head][c][f][dv+1] and scales [head][c]
@group(0) @binding(6) var<storage, read> ST: array<f32>;
@group(0) @binding(7) var<storage, read> SM: array<f32>;
// causal: the chunks' own maxima from kv (max over feature tiles)
@group(0) @binding(8) var<storage, read> PM: array<f32>;
@group(0) @binding(9) var<storage, read_write> O: array<f32>;

const DV4: u32 = 16u; // @specialize
// state features staged per tile; keys per intra-chunk tile; row stride of the key-feature tile (≥ D)
const FT2: u32 = 32u; // @specialize
const TK: u32 = 32u; // @specialize
const FK: u32 = 64u; // @specialize
const SLK: u32 = WG / TK;
const FPK: u32 = FK / SLK;

var<workgroup> St: array<vec4<f32>, FT2 * DV4>;
var<workgroup> Zt: array<f32, FT2>;
var<workgroup> KT: array<f32, TK * FK>;
var<workgroup> VT: array<vec4<f32>, TK * DV4>;

// φ(q_row) into phi (all D features; exp kernels scaled to a row maximum of 1); returns the log scale mq
fn queryFeatures(head: u32, row: u32, x: ptr<function, array<f32, DMAX>>, phi: ptr<function, array<f32, FMAX>>) -> f32 {
  let d = P.d;
  let qb = (head * P.n + min(row, P.n - 1u)) * d;
  for (var c = 0u; c < d; c++) {
    (*x)[c] = Q[qb + c];
  }
  return rowFeatures(0u, x, phi);
}

// acc += Σ_f phi[f]·S[f][·], den += Σ_f phi[f]·z[f] over the state rows starting at `sbase` (uniform control flow)
fn stateProduct(sbase: u32, lid: u32, phi: ptr<function, array<f32, FMAX>>, acc: ptr<function, array<vec4<f32>, DV4>>) -> f32 {
  let D = P.dim;
  let dv = P.dv;
  let dvs = dv + 1u;
  var den = 0.0;
  for (var f0 = 0u; f0 < D; f0 += FT2) {
    for (var e = lid; e < FT2 * DV4; e += WG) {
      let f = f0 + e / DV4;
      let c0 = (e % DV4) * 4u;
      var s4 = vec4<f32>(0.0);
      if (f < D) {
        for (var q = 0u; q < 4u; q++) {
          if (c0 + q < dv) {
            s4[q] = ST[(sbase + f) * dvs + c0 + q];
          }
        }
      }
      St[e] = s4;
    }
    for (var ff = lid; ff < FT2; ff += WG) {
      Zt[ff] = select(0.0, ST[(sbase + f0 + ff) * dvs + dv], f0 + ff < D);
    }
    workgroupBarrier();
    let cnt = min(FT2, D - f0);
    for (var ff = 0u; ff < cnt; ff++) {
      let a = (*phi)[f0 + ff];
      for (var c4 = 0u; c4 < DV4; c4++) { // @unroll
        (*acc)[c4] += a * St[ff * DV4 + c4];
      }
      den += a * Zt[ff];
    }
    workgroupBarrier();
  }
  return den;
}

fn writeRow(head: u32, row: u32, acc: ptr<function, array<vec4<f32>, DV4>>, den: f32, logScale: f32) {
  // ε·e^{−logScale}, capped: beyond e^80 the true output is 0 to f32 precision anyway
  let epsTerm = P.eps * exp(min(-logScale, 80.0));
  let inv = 1.0 / (den + epsTerm);
  let ob = (head * P.n + row) * P.dv;
  for (var c4 = 0u; c4 < DV4; c4++) { // @unroll
    for (var q = 0u; q < 4u; q++) {
      let c = c4 * 4u + q;
      if (c < P.dv) {
        O[ob + c] = (*acc)[c4][q] * inv;
      }
    }
  }
}

// The rows of row block part0 + g % units of head g / units (causal: with the intra-chunk part).
fn outRows(g: u32, lid: u32, causal: bool) {
  if (g >= P.groups) { return; } // whole workgroup: uniform
  let head = g / P.units;
  let block = P.part0 + g % P.units;
  let row = block * WG + lid;
  let n = P.n;
  let D = P.dim;
  var x: array<f32, DMAX>;
  var phi: array<f32, FMAX>;
  let mq = queryFeatures(head, row, &x, &phi);
  // (zero-initialized)
  var acc: array<vec4<f32>, DV4>;
  if (!causal) {
    let den = stateProduct(head * D, lid, &phi, &acc);
    if (row < n) {
      writeRow(head, row, &acc, den, mq + SM[head]);
    }
    return;
  }

  // inter-chunk: the exclusive prefix state of this chunk, at scale SM[head·C + chunk]
  let C = P.chunks;
  let chunk = (block * WG) / P.chunkLen;
  let den = stateProduct((head * C + chunk) * D, lid, &phi, &acc);
  let mp = SM[head * C + chunk];

  // intra-chunk: keys from the chunk's start to this row, at the chunk's own scale mc
  var mc = NEG;
  for (var t = 0u; t < P.ftiles; t++) {
    mc = max(mc, PM[(head * C + chunk) * P.ftiles + t]);
  }
  var acci: array<vec4<f32>, DV4>;
  var deni = 0.0;
  let k0 = chunk * P.chunkLen;
  let kEnd = min(block * WG + WG, n); // exclusive: the block's last row + 1
  let kt = lid % TK;
  let f0 = (lid / TK) * FPK;
  var buf: array<f32, FMAX>;
  for (var t0 = k0; t0 < kEnd; t0 += TK) {
    let j = t0 + kt;
    let cnt = select(0u, min(FPK, D - min(f0, D)), j < kEnd);
    if (j < kEnd) {
      keySlice(head, j, f0, cnt, &x, &buf);
    }
    for (var i = 0u; i < FPK; i++) {
      var y = buf[i];
      if (isExp()) {
        y = exp(y - mc);
      }
      KT[kt * FK + f0 + i] = select(0.0, y, i < cnt);
    }
    for (var e = lid; e < TK * DV4; e += WG) {
      let jj = t0 + e / DV4;
      VT[e] = select(vec4<f32>(0.0), valueQuad(head, min(jj, kEnd - 1u), (e % DV4) * 4u), jj < kEnd);
    }
    workgroupBarrier();
    if (row < n) {
      let cnt = min(TK, row + 1u - min(t0, row + 1u)); // keys t0 … row of this tile
      for (var u = 0u; u < min(cnt, TK); u++) {
        var s = 0.0;
        for (var f = 0u; f < D; f++) {
          s += phi[f] * KT[u * FK + f];
        }
        for (var c4 = 0u; c4 < DV4; c4++) { // @unroll
          acci[c4] += s * VT[u * DV4 + c4];
        }
        deni += s;
      }
    }
    workgroupBarrier();
  }

  let G = max(mp, mc);
  let wp = exp(mp - G);
  let wi = exp(mc - G);
  for (var c4 = 0u; c4 < DV4; c4++) { // @unroll
    acc[c4] = acc[c4] * wp + acci[c4] * wi;
  }
  if (row < n) {
    writeRow(head, row, &acc, den * wp + deni * wi, mq + G);
  }
}

@compute @workgroup_size(WG)
fn outNC(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  outRows(gridIndex(grid), lid, false);
}

@compute @workgroup_size(WG)
fn outC(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  outRows(gridIndex(grid), lid, true);
}
