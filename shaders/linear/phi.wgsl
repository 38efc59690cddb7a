// Feature maps φ of linear attention (docs/spec/variants.md §4), evaluated by one invocation
// for one token row. Included by every linear shader that evaluates φ (kv, out, features, the
// trainer's forward and backward), so the engine, the map and the trainer share one definition.
//
// Exp-type kernels (FAVOR+, Hedgehog) return LOG-features (pre-activations); the caller
// subtracts a maximum before exp (per query row; per chunk of keys), which cancels exactly
// in o_i = φ(q_i)ᵀKV / (φ(q_i)ᵀz + ε) except in the ε term, which the caller rescales.
//
// Kernel-specific code sits between `// #if kernel=…` and `// #endif` lines: the host keeps
// only the selected kernel's blocks (src/gpu/wgsl.ts selectBlocks), so SwiftShader compiles
// one map, not five.
//
// Weights (binding 1, f32, layout of src/attention/linear/kernels.ts, rows = output units):
//   favor:    W (m×d)
//   hedgehog: Wq (F×d), bq (F), Wk (F×d), bk (F)       (k's start at P.kside)
//   ffk:      per block: Wo (F×din), bo (F), Wg (F×din), bg (F)
#include "linear/params.wgsl"

@group(0) @binding(1) var<storage, read> PW: array<f32>;

// DMAX ≥ d; FMAX ≥ D and ≥ the ffk width; KERNEL: 0 elu1, 1 relu, 2 favor, 3 hedgehog, 4 ffk
const DMAX: u32 = 64u; // @specialize
const FMAX: u32 = 64u; // @specialize
const KERNEL: u32 = 0u; // @specialize

fn isExp() -> bool {
  return KERNEL == 2u || KERNEL == 3u;
}

fn sigm(v: f32) -> f32 {
  let e = exp(-abs(v));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0);
}

// log(1 + e) for 0 ≤ e ≤ 1, accurate for small e (Goldberg: log(w)·e/(w − 1), w = 1 + e)
fn log1pSmall(e: f32) -> f32 {
  let w = 1.0 + e;
  if (w == 1.0) {
    return e;
  }
  return log(w) * (e / (w - 1.0));
}

fn softplus(u: f32) -> f32 {
  return max(u, 0.0) + log1pSmall(exp(-abs(u)));
}

// #if kernel=ffk
// One ffk block: out[f] = g(Wo[f]·in + bo[f]) · σ(Wg[f]·in + bg[f]) for f in [f0, f0+cnt).
// `inX` selects the input: the token row x (layer 0) or the hidden array h.
fn ffkBlock(
  base: u32, din: u32, last: bool, fromX: bool,
  x: ptr<function, array<f32, DMAX>>, h: ptr<function, array<f32, FMAX>>,
  f0: u32, cnt: u32, out: ptr<function, array<f32, FMAX>>,
) {
  let F = P.m;
  let wo = base;
  let bo = wo + F * din;
  let wg = bo + F;
  let bg = wg + F * din;
  for (var i = 0u; i < cnt; i++) {
    let f = f0 + i;
    var u = 0.0;
    var v = 0.0;
    if (f < F) {
      u = PW[bo + f];
      v = PW[bg + f];
      for (var c = 0u; c < din; c++) {
        var xin: f32;
        if (fromX) {
          xin = (*x)[c];
        } else {
          xin = (*h)[c];
        }
        u += PW[wo + f * din + c] * xin;
        v += PW[wg + f * din + c] * xin;
      }
    }
    var gu = u;
    if (last) {
      gu = softplus(u);
    }
    (*out)[i] = select(0.0, gu * sigm(v), f < F);
  }
}
// #endif

// Features f0 … f0+cnt−1 of the row x (length d, ZERO past d; side 0 = query, 1 = key) into out[0 … cnt−1]:
// log-features for exp kernels (NEG past D), features otherwise (0 past D).
fn phiRange(side: u32, x: ptr<function, array<f32, DMAX>>, f0: u32, cnt: u32, out: ptr<function, array<f32, FMAX>>) {
  let d = P.d;
  let D = P.dim;
  // #if kernel=elu1,relu
  if (KERNEL == 0u || KERNEL == 1u) {
    for (var i = 0u; i < cnt; i++) {
      let f = f0 + i;
      let v = (*x)[min(f, d - 1u)];
      var y: f32;
      if (KERNEL == 0u) {
        y = select(exp(v), v + 1.0, v > 0.0);
      } else {
        y = max(v, 0.0);
      }
      (*out)[i] = select(0.0, y, f < D);
    }
  }
  // #endif
  // #if kernel=favor
  if (KERNEL == 2u) {
    // FAVOR+: x̃ = d^(−1/4)·x, log φ_f = ±w_f·x̃ − ‖x̃‖²/2 + logc
    // (x is zero past d: the unrolled loops run to DMAX; the weights read there are multiplied by 0)
    var h = 0.0;
    for (var c = 0u; c < DMAX; c++) { // @unroll
      let t = (*x)[c] * P.xscale;
      h += t * t;
    }
    h *= 0.5;
    let m = P.m;
    for (var i = 0u; i < cnt; i++) {
      let f = f0 + i;
      let neg = P.hyp != 0u && f >= m;
      let r = select(f, f - m, neg);
      var dot = 0.0;
      if (f < D) {
        let wb = r * d;
        for (var c = 0u; c < DMAX; c++) { // @unroll
          dot += PW[min(wb + c, P.m * d - 1u)] * (*x)[c];
        }
      }
      dot *= P.xscale;
      (*out)[i] = select(NEG, select(dot, -dot, neg) - h + P.logc, f < D);
    }
  }
  // #endif
  // #if kernel=hedgehog
  if (KERNEL == 3u) {
    // Hedgehog: a = W·x + b, log φ = [a, −a]
    let F = P.m;
    let base = side * P.kside;
    for (var i = 0u; i < cnt; i++) {
      let f = f0 + i;
      let neg = f >= F;
      let r = select(f, f - F, neg);
      var a = 0.0;
      if (f < D) {
        a = PW[base + F * d + r];
        let wb = base + r * d;
        for (var c = 0u; c < DMAX; c++) { // @unroll
          a += PW[wb + c] * (*x)[c];
        }
      }
      (*out)[i] = select(NEG, select(a, -a, neg), f < D);
    }
  }
  // #endif
  // #if kernel=ffk
  if (KERNEL == 4u) {
    // feed-forward kernel: hidden blocks in full width, the last block only for [f0, f0+cnt)
    let F = P.m;
    let L = P.layers;
    var ha: array<f32, FMAX>;
    var hb: array<f32, FMAX>;
    var base = 0u;
    for (var l = 0u; l + 1u < L; l++) {
      let din = select(F, d, l == 0u);
      if (l == 0u) {
        ffkBlock(base, din, false, true, x, &hb, 0u, F, &ha);
      } else if (l % 2u == 1u) {
        ffkBlock(base, din, false, false, x, &ha, 0u, F, &hb);
      } else {
        ffkBlock(base, din, false, false, x, &hb, 0u, F, &ha);
      }
      base += 2u * F * din + 2u * F;
    }
    let din = select(F, d, L == 1u);
    if (L == 1u) {
      ffkBlock(base, din, true, true, x, &ha, f0, cnt, out);
    } else if (L % 2u == 0u) {
      // L−1 hidden blocks written ha, hb, ha, …: an odd count ends in ha
      ffkBlock(base, din, true, false, x, &ha, f0, cnt, out);
    } else {
      ffkBlock(base, din, true, false, x, &hb, f0, cnt, out);
    }
  }
  // #endif
}

// All D features of the row x into phi, exp kernels scaled to a row maximum of 1 (φ = phi·e^{m});
// returns the log scale m (0 for the other kernels).
fn rowFeatures(side: u32, x: ptr<function, array<f32, DMAX>>, phi: ptr<function, array<f32, FMAX>>) -> f32 {
  let D = P.dim;
  phiRange(side, x, 0u, D, phi);
  if (!isExp()) {
    return 0.0;
  }
  var m = NEG;
  for (var f = 0u; f < D; f++) {
    m = max(m, (*phi)[f]);
  }
  for (var f = 0u; f < D; f++) {
    (*phi)[f] = exp((*phi)[f] - m);
  }
  return m;
}
