// Linear attention, pass 1: per-chunk partial states (docs/spec/variants.md §4).
//
// One workgroup = one chunk of L tokens of one head × one tile of FT features. It streams
// the chunk's tokens in tiles of T: evaluates φ(k_j) for the tile (fused: φ(K) never goes
// to global memory) into workgroup memory with V's tile, then every invocation accumulates
// its RF features × 4 value columns of
//     S_c[f][e] = Σ_{j∈c} φ(k_j)_f v_j[e]   and   z_c[f] = Σ_{j∈c} φ(k_j)_f.
// Exp kernels: φ' = exp(log φ − m) with m the running maximum of the chunk's log-features
// (per tile: an atomicMax over order-preserving keys, then the accumulators are rescaled
// when m grows). The chunk's m goes to PM; the reduce/prefix pass brings the chunks to a
// common scale.
// Output layout: PS[((head·C + chunk)·D + f)·(dv+1) + e], e = dv holds z; PM[(head·C + chunk)·FTILES + tile].
// The dispatch covers heads × units × ftiles workgroups: chunks part0 … part0 + units − 1.
#include "linear/keys.wgsl"

@group(0) @binding(5) var<storage, read_write> PS: array<f32>;
@group(0) @binding(6) var<storage, read_write> PM: array<f32>;

// dvPad / 4 (dvPad a power of two ≥ dv, ≤ 256)
const DV4: u32 = 16u; // @specialize
// features per workgroup tile, tokens per tile (host-chosen to fit workgroup memory)
const FT: u32 = 64u; // @specialize
const T: u32 = 32u; // @specialize
// φ evaluation: invocation = (token lid % T, slice lid / T) of SL slices × FPS features
const SL: u32 = WG / T;
const FPS: u32 = FT / SL;
// accumulation: invocation = (column group lid % DV4, feature group lid / DV4)
const NFG: u32 = WG / DV4;
const RF: u32 = FT / NFG;
// z: invocation owns features lid, lid + 64, …
const ZR: u32 = (FT + WG - 1u) / WG;

var<workgroup> Pt: array<f32, T * FT>;
var<workgroup> Vt: array<vec4<f32>, T * DV4>;
var<workgroup> tmax: atomic<u32>;

// order-preserving f32 → u32 (for atomicMax)
fn fkey(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  return select(b ^ 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}
fn funkey(k: u32) -> f32 {
  return bitcast<f32>(select(~k, k ^ 0x80000000u, (k & 0x80000000u) != 0u));
}

@compute @workgroup_size(WG)
fn kvPartial(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let g = gridIndex(grid);
  if (g >= P.groups) { return; } // whole workgroup: uniform
  let ftile = g % P.ftiles;
  let chunk = P.part0 + (g / P.ftiles) % P.units;
  let head = g / (P.ftiles * P.units);
  let D = P.dim;
  let j0 = chunk * P.chunkLen;
  let j1 = min(j0 + P.chunkLen, P.n);
  let fbase = ftile * FT;

  let tt = lid % T;
  let sl = lid / T;
  let cg = lid % DV4;
  let fg = lid / DV4;
  // log-feature padding: contributes exp(NEG − m) = 0 (exp kernels) or 0
  let pad = select(0.0, NEG, isExp());

  // (zero-initialized)
  var acc: array<vec4<f32>, RF>;
  var zacc: array<f32, ZR>;
  var mrun = pad;
  if (lid == 0u) {
    atomicStore(&tmax, 0u);
  }
  workgroupBarrier();

  var x: array<f32, DMAX>;
  var buf: array<f32, FMAX>;
  for (var t0 = j0; t0 < j1; t0 += T) {
    // φ of the token tile (this workgroup's features only)
    let j = t0 + tt;
    var lmax = NEG;
    // features f0 … f0+cnt−1 are < D; the rest of the slice is padding (runtime bound: no unrolling)
    let f0 = fbase + sl * FPS;
    let cnt = select(0u, min(FPS, D - min(f0, D)), j < j1);
    if (j < j1) {
      keySlice(head, j, f0, cnt, &x, &buf);
    }
    for (var i = 0u; i < FPS; i++) {
      let y = select(pad, buf[i], i < cnt);
      Pt[tt * FT + sl * FPS + i] = y;
      lmax = max(lmax, y);
    }
    // V tile (zero past N and past dv)
    for (var e = lid; e < T * DV4; e += WG) {
      let jj = t0 + e / DV4;
      Vt[e] = select(vec4<f32>(0.0), valueQuad(head, min(jj, j1 - 1u), (e % DV4) * 4u), jj < j1);
    }
    if (isExp()) {
      atomicMax(&tmax, fkey(lmax));
      workgroupBarrier();
      let mnew = max(mrun, funkey(atomicLoad(&tmax)));
      let r = exp(mrun - mnew);
      for (var k = 0u; k < RF; k++) { // @unroll
        acc[k] *= r;
      }
      for (var k = 0u; k < ZR; k++) { // @unroll
        zacc[k] *= r;
      }
      mrun = mnew;
      for (var i = 0u; i < FPS; i++) {
        let idx = tt * FT + sl * FPS + i;
        Pt[idx] = exp(Pt[idx] - mrun);
      }
      workgroupBarrier();
      if (lid == 0u) {
        atomicStore(&tmax, 0u); // everyone read it before the barrier; the next atomicMax is after the next one
      }
    } else {
      workgroupBarrier();
    }
    let tn = min(T, j1 - t0);
    for (var u = 0u; u < tn; u++) {
      let v4 = Vt[u * DV4 + cg];
      for (var k = 0u; k < RF; k++) { // @unroll
        acc[k] += Pt[u * FT + fg + k * NFG] * v4;
      }
    }
    for (var k = 0u; k < ZR; k++) { // @unroll
      let f = lid + k * WG;
      if (f < FT) {
        var s = 0.0;
        for (var u = 0u; u < tn; u++) {
          s += Pt[u * FT + f];
        }
        zacc[k] += s;
      }
    }
    workgroupBarrier();
  }

  let dv = P.dv;
  let dvs = dv + 1u;
  let sbase = (head * P.chunks + chunk) * D;
  for (var k = 0u; k < RF; k++) { // @unroll
    let f = fbase + fg + k * NFG;
    if (f < D) {
      for (var q = 0u; q < 4u; q++) {
        let e = cg * 4u + q;
        if (e < dv) {
          PS[(sbase + f) * dvs + e] = acc[k][q];
        }
      }
    }
  }
  for (var k = 0u; k < ZR; k++) { // @unroll
    let f = fbase + lid + k * WG;
    if (lid + k * WG < FT && f < D) {
      PS[(sbase + f) * dvs + dv] = zacc[k];
    }
  }
  if (lid == 0u) {
    PM[(head * P.chunks + chunk) * P.ftiles + ftile] = mrun;
  }
}
