// Linear attention, pass 1: per-chunk partial states (spec/variants.md §4).
// (phi.wgsl is prepended: KParams at binding 0, weights at binding 1, phiRange.)
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

struct KvParams {
  n: u32,
  dv: u32,
  // tokens per chunk, chunks per head, feature tiles
  chunkLen: u32,
  chunks: u32,
  ftiles: u32,
  // chunks in this part (the dispatch covers heads × partChunks × ftiles workgroups)
  chunk0: u32,
  partChunks: u32,
  groups: u32,
}

@group(0) @binding(2) var<uniform> U: KvParams;
@group(0) @binding(3) var<storage, read> K: array<f32>;
@group(0) @binding(4) var<storage, read> V: array<f32>;
@group(0) @binding(5) var<storage, read_write> PS: array<f32>;
@group(0) @binding(6) var<storage, read_write> PM: array<f32>;
// PRE = 1 (feed-forward kernel): φ(K) precomputed by features.wgsl, [head·N + token][D]
@group(0) @binding(7) var<storage, read> PHIK: array<f32>;

const WG: u32 = 64u;
// dvPad / 4 (dvPad a power of two ≥ dv, ≤ 256)
const DV4: u32 = 16u; // @specialize
// features per workgroup tile, tokens per tile (host-chosen to fit workgroup memory)
const FT: u32 = 64u; // @specialize
const T: u32 = 32u; // @specialize
const PRE: u32 = 0u; // @specialize
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
fn kvPartial(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let g = wid.x + wid.y * nwg.x;
  if (g >= U.groups) {
    return; // whole workgroup: uniform
  }
  let ftile = g % U.ftiles;
  let chunk = U.chunk0 + (g / U.ftiles) % U.partChunks;
  let head = g / (U.ftiles * U.partChunks);
  let n = U.n;
  let dv = U.dv;
  let D = KP.dim;
  let d = KP.d;
  let j0 = chunk * U.chunkLen;
  let j1 = min(j0 + U.chunkLen, n);
  let fbase = ftile * FT;

  let tt = lid % T;
  let sl = lid / T;
  let cg = lid % DV4;
  let fg = lid / DV4;

  var acc: array<vec4<f32>, RF>;
  var zacc: array<f32, ZR>;
  for (var k = 0u; k < RF; k++) { // @unroll
    acc[k] = vec4<f32>(0.0);
  }
  for (var k = 0u; k < ZR; k++) { // @unroll
    zacc[k] = 0.0;
  }
  var mrun = select(0.0, NEG, isExp());
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
    if (j < j1) {
      let kb = (head * n + j) * d;
      // features f0 … f0+cnt−1 are < D; the rest of the slice is padding (runtime bound: no unrolling)
      let f0 = fbase + sl * FPS;
      let cnt = min(FPS, D - min(f0, D));
      if (PRE == 1u) {
        for (var i = 0u; i < cnt; i++) {
          buf[i] = PHIK[(head * n + j) * D + f0 + i];
        }
      } else {
        // #if kernel=elu1,relu
        // elementwise maps read only their own slice of the row
        for (var i = 0u; i < cnt; i++) {
          x[f0 + i] = K[kb + f0 + i];
        }
        // #endif
        // #if kernel=favor,hedgehog,ffk
        for (var c = 0u; c < d; c++) {
          x[c] = K[kb + c];
        }
        // #endif
        phiRange(1u, &x, f0, cnt, &buf);
      }
      for (var i = 0u; i < cnt; i++) {
        Pt[tt * FT + sl * FPS + i] = buf[i];
        lmax = max(lmax, buf[i]);
      }
      for (var i = cnt; i < FPS; i++) {
        Pt[tt * FT + sl * FPS + i] = select(0.0, NEG, isExp());
      }
    } else {
      for (var i = 0u; i < FPS; i++) {
        Pt[tt * FT + sl * FPS + i] = select(0.0, NEG, isExp());
      }
    }
    // V tile (zero past N and past dv)
    for (var e = lid; e < T * DV4; e += WG) {
      let jj = t0 + e / DV4;
      let c0 = (e % DV4) * 4u;
      var v4 = vec4<f32>(0.0);
      if (jj < j1) {
        let vb = (head * n + jj) * dv;
        for (var q = 0u; q < 4u; q++) {
          if (c0 + q < dv) {
            v4[q] = V[vb + c0 + q];
          }
        }
      }
      Vt[e] = v4;
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

  let dvs = dv + 1u;
  let sbase = (head * U.chunks + chunk) * D;
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
    PM[(head * U.chunks + chunk) * U.ftiles + ftile] = mrun;
  }
}
