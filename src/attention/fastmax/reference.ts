// Float64 CPU references of FAST / Fastmax (docs/spec/variants.md §5, Gerami et al., arXiv 2402.07901).
//
// Score f(x) = a0 + a1·x + a2·x² (p = 2; p = 1 drops the x² term), x = q̃·k̃/T, weights
// f(x_ij)/Σ_j f(x_ij). Normalization (per head): q̃_i = lim·(q_i − mean_c q_i) / max_j‖q_j − mean_c q_j‖,
// the same for k. `center` switches the per-token centring, `normalize` the global max-norm.
// The max over j runs over every token, also in causal mode (that is what leaks the future).
// A max-norm of 0 (e.g. d = 1 with centring: every centred vector is 0) gives q̃ = 0.
//
// Two independent evaluations:
// - explicit: the N×N weights, row by row (also the implied map);
// - factorized: the moments Σv, Σk̃vᵀ, Σk̃, Σ(k̃⊗k̃)vᵀ, Σ(k̃⊗k̃) (prefix sums when causal).
// Both work on the same normalized q̃, k̃ (normalizedQK), so they differ by rounding only.
import type { Inputs64, ReferenceResult } from '../types';
import type { ParamValues } from '../../params/schema';

export interface FastmaxParams {
  p: 1 | 2;
  normalize: boolean;
  center: boolean;
  lim: number;
  T: number;
  a0: number;
  a1: number;
  a2: number;
}

/** Typed view of the variant's parameter values (defaults for missing ones). */
export function fastmaxParams(v: ParamValues): FastmaxParams {
  const num = (x: unknown, dflt: number) => (x === undefined ? dflt : Number(x));
  const p = num(v.p, 2);
  if (p !== 1 && p !== 2) throw new Error(`fastmax: p must be 1 or 2, got ${String(v.p)}`);
  return {
    p,
    normalize: v.normalize === undefined ? true : Boolean(v.normalize),
    center: v.center === undefined ? true : Boolean(v.center),
    lim: num(v.lim, 1),
    T: num(v.T, 1),
    a0: num(v.a0, 1),
    a1: num(v.a1, 1),
    a2: num(v.a2, 0.5),
  };
}

/** The polynomial coefficients actually used: p = 1 drops a2. */
export function scoreCoefficients(fp: FastmaxParams): [number, number, number] {
  return [fp.a0, fp.a1, fp.p === 2 ? fp.a2 : 0];
}

/**
 * The normalized q̃, k̃ of every head (H×N×d), and per head the largest centred norms
 * (before scaling) — what the GPU's two-stage reduction computes.
 */
export function normalizedQK(x: Inputs64, fp: FastmaxParams): { q: Float64Array; k: Float64Array; maxNormQ: Float64Array; maxNormK: Float64Array } {
  const { n, d, heads } = x.shape;
  const prep = (src: Float64Array) => {
    const out = new Float64Array(src.length);
    const maxNorm = new Float64Array(heads);
    for (let h = 0; h < heads; h++) {
      let mx = 0;
      for (let i = 0; i < n; i++) {
        const b = (h * n + i) * d;
        let mean = 0;
        if (fp.center) {
          for (let c = 0; c < d; c++) mean += src[b + c];
          mean /= d;
        }
        let sq = 0;
        for (let c = 0; c < d; c++) {
          const y = src[b + c] - mean;
          out[b + c] = y;
          sq += y * y;
        }
        mx = Math.max(mx, Math.sqrt(sq));
      }
      maxNorm[h] = mx;
      if (fp.normalize) {
        const s = mx > 0 ? fp.lim / mx : 0;
        for (let i = h * n * d; i < (h + 1) * n * d; i++) out[i] *= s;
      }
    }
    return { out, maxNorm };
  };
  const q = prep(x.q);
  const k = prep(x.k);
  return { q: q.out, k: k.out, maxNormQ: q.maxNorm, maxNormK: k.maxNorm };
}

export interface ExplicitOptions {
  /** also return the H×N×N implied map (default: N ≤ 2048) */
  withMap?: boolean;
}

/** The explicit N×N form: weights f(x_ij)/Σ_j f(x_ij) (causal: j ≤ i), output Σ_j w_ij v_j. */
export function fastmaxExplicit(x: Inputs64, pv: ParamValues, opts: ExplicitOptions = {}): ReferenceResult {
  const fp = fastmaxParams(pv);
  const { n, d, dv, heads, causal } = x.shape;
  const withMap = opts.withMap ?? n <= 2048;
  const { q, k } = normalizedQK(x, fp);
  const [a0, a1, a2] = scoreCoefficients(fp);
  const invT = 1 / fp.T;
  const out = new Float64Array(heads * n * dv);
  const map = withMap ? new Float64Array(heads * n * n) : undefined;
  const f = new Float64Array(n);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < n; i++) {
      const jEnd = causal ? i + 1 : n;
      const qi = (h * n + i) * d;
      let den = 0;
      for (let j = 0; j < jEnd; j++) {
        const kj = (h * n + j) * d;
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q[qi + c] * k[kj + c];
        const xx = dot * invT;
        f[j] = a0 + a1 * xx + a2 * xx * xx;
        den += f[j];
      }
      const oi = (h * n + i) * dv;
      for (let j = 0; j < jEnd; j++) {
        const w = f[j] / den;
        if (map) map[(h * n + i) * n + j] = w;
        const vj = (h * n + j) * dv;
        for (let c = 0; c < dv; c++) out[oi + c] += w * x.v[vj + c];
      }
    }
  }
  return map ? { out, map } : { out };
}

/**
 * The factorized form: per head the moments of the keys, then per query
 * num_i = a0·Σv + a1·q̃ᵀ(Σk̃vᵀ)/T + a2·(q̃⊗q̃)ᵀ(Σ(k̃⊗k̃)vᵀ)/T²,
 * den_i = a0·n_i + a1·q̃·Σk̃/T + a2·(q̃⊗q̃)·Σ(k̃⊗k̃)/T², with the sums over all keys, or over
 * j ≤ i when causal (running prefix sums; the constant term becomes a0·(i+1)).
 * The second-order moments are kept symmetric-packed (a ≤ b), the off-diagonal pairs
 * counted twice on the query side.
 */
export function fastmaxFactorized(x: Inputs64, pv: ParamValues): Float64Array {
  const fp = fastmaxParams(pv);
  const { n, d, dv, heads, causal } = x.shape;
  const { q, k } = normalizedQK(x, fp);
  const [a0, a1, a2] = scoreCoefficients(fp);
  const invT = 1 / fp.T;
  const pairs = d * (d + 1) / 2;
  const second = a2 !== 0;
  const out = new Float64Array(heads * n * dv);
  // moments (running when causal)
  const sv = new Float64Array(dv);
  const s1 = new Float64Array(d * dv);
  const z1 = new Float64Array(d);
  const s2 = second ? new Float64Array(pairs * dv) : new Float64Array(0);
  const z2 = second ? new Float64Array(pairs) : new Float64Array(0);
  const add = (h: number, j: number) => {
    const kj = (h * n + j) * d;
    const vj = (h * n + j) * dv;
    for (let e = 0; e < dv; e++) sv[e] += x.v[vj + e];
    for (let a = 0; a < d; a++) {
      const ka = k[kj + a];
      z1[a] += ka;
      for (let e = 0; e < dv; e++) s1[a * dv + e] += ka * x.v[vj + e];
    }
    if (second) {
      let pi = 0;
      for (let a = 0; a < d; a++) {
        for (let b = a; b < d; b++, pi++) {
          const kk = k[kj + a] * k[kj + b];
          z2[pi] += kk;
          for (let e = 0; e < dv; e++) s2[pi * dv + e] += kk * x.v[vj + e];
        }
      }
    }
  };
  const query = (h: number, i: number, count: number) => {
    const qi = (h * n + i) * d;
    const oi = (h * n + i) * dv;
    const num = new Float64Array(dv);
    let den = a0 * count;
    for (let e = 0; e < dv; e++) num[e] = a0 * sv[e];
    const c1 = a1 * invT;
    for (let a = 0; a < d; a++) {
      const qa = c1 * q[qi + a];
      den += qa * z1[a];
      for (let e = 0; e < dv; e++) num[e] += qa * s1[a * dv + e];
    }
    if (second) {
      const c2 = a2 * invT * invT;
      let pi = 0;
      for (let a = 0; a < d; a++) {
        for (let b = a; b < d; b++, pi++) {
          const w = (a === b ? c2 : 2 * c2) * q[qi + a] * q[qi + b];
          den += w * z2[pi];
          for (let e = 0; e < dv; e++) num[e] += w * s2[pi * dv + e];
        }
      }
    }
    for (let e = 0; e < dv; e++) out[oi + e] = num[e] / den;
  };
  for (let h = 0; h < heads; h++) {
    sv.fill(0);
    s1.fill(0);
    z1.fill(0);
    s2.fill(0);
    z2.fill(0);
    if (causal) {
      for (let i = 0; i < n; i++) {
        add(h, i);
        query(h, i, i + 1);
      }
    } else {
      for (let j = 0; j < n; j++) add(h, j);
      for (let i = 0; i < n; i++) query(h, i, n);
    }
  }
  return out;
}

/**
 * The temperature factor β of the softmax Fastmax approximates: f(x)/a0 = 1 + (a1/a0)·x + …
 * matches exp(β·x) to first order with β = a1/a0 (and to second order when a2/a0 = β²/2 —
 * the defaults (1, 1, ½) are exactly the Taylor coefficients of eˣ, β = 1). With a0 ≤ 0 the
 * score is no approximation of an exponential and β = 1 is used.
 */
export function matchingBeta(fp: FastmaxParams): number {
  return fp.a0 > 0 ? fp.a1 / fp.a0 : 1;
}

/**
 * The alternative reference: softmax_j(β·x_ij) with the same normalized logits
 * x_ij = q̃_i·k̃_j/T as Fastmax (no 1/√d: T is the temperature), β = matchingBeta (1 at the
 * defaults). Fastmax's error against it falls like T^−(p+1) (p = 2 needs a2/a0 = β²/2; any
 * other a2 gives T^−2).
 */
export function sameLogitsSoftmax(x: Inputs64, pv: ParamValues): Float64Array {
  const fp = fastmaxParams(pv);
  const { n, d, dv, heads, causal } = x.shape;
  const { q, k } = normalizedQK(x, fp);
  const scale = matchingBeta(fp) / fp.T;
  const out = new Float64Array(heads * n * dv);
  const s = new Float64Array(n);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < n; i++) {
      const jEnd = causal ? i + 1 : n;
      const qi = (h * n + i) * d;
      let max = -Infinity;
      for (let j = 0; j < jEnd; j++) {
        const kj = (h * n + j) * d;
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q[qi + c] * k[kj + c];
        s[j] = dot * scale;
        if (s[j] > max) max = s[j];
      }
      let sum = 0;
      for (let j = 0; j < jEnd; j++) {
        s[j] = Math.exp(s[j] - max);
        sum += s[j];
      }
      const oi = (h * n + i) * dv;
      for (let j = 0; j < jEnd; j++) {
        const w = s[j] / sum;
        const vj = (h * n + j) * dv;
        for (let c = 0; c < dv; c++) out[oi + c] += w * x.v[vj + c];
      }
    }
  }
  return out;
}

/**
 * The reachable range of x and the smallest score on it, analytically: with normalization
 * |x| ≤ lim²/T (Cauchy–Schwarz, ‖q̃‖, ‖k̃‖ ≤ lim); without it x is unbounded.
 */
export function positivity(fp: FastmaxParams): { range: number; fMin: number; argMin: number; positive: boolean } {
  const [a0, a1, a2] = scoreCoefficients(fp);
  const range = fp.normalize ? (fp.lim * fp.lim) / fp.T : Infinity;
  const f = (t: number) => a0 + a1 * t + a2 * t * t;
  let fMin: number;
  let argMin: number;
  if (Number.isFinite(range)) {
    const cands = [-range, range];
    if (a2 > 0) {
      const v = -a1 / (2 * a2);
      if (Math.abs(v) <= range) cands.push(v);
    }
    argMin = cands[0];
    fMin = f(argMin);
    for (const c of cands) {
      if (f(c) < fMin) {
        fMin = f(c);
        argMin = c;
      }
    }
  } else if (a2 > 0) {
    argMin = -a1 / (2 * a2);
    fMin = f(argMin);
  } else if (a2 < 0 || a1 !== 0) {
    fMin = -Infinity;
    argMin = a2 < 0 || a1 > 0 ? -Infinity : Infinity;
  } else {
    fMin = a0;
    argMin = 0;
  }
  return { range, fMin, argMin, positive: fMin > 0 };
}

/**
 * Rows [row0, row0 + rows) of head `head` of the alternative reference's map,
 * softmax_j(β·x_ij) (causal: 0 for j > i) — the UI's "compare against" view.
 */
export function sameLogitsMapRows(x: Inputs64, pv: ParamValues, head: number, row0: number, rows: number): Float64Array {
  const fp = fastmaxParams(pv);
  const { n, d, causal } = x.shape;
  const { q, k } = normalizedQK(x, fp);
  const scale = matchingBeta(fp) / fp.T;
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const i = row0 + r;
    const jEnd = causal ? i + 1 : n;
    const qi = (head * n + i) * d;
    let max = -Infinity;
    const s = out.subarray(r * n, (r + 1) * n);
    for (let j = 0; j < jEnd; j++) {
      const kj = (head * n + j) * d;
      let dot = 0;
      for (let c = 0; c < d; c++) dot += q[qi + c] * k[kj + c];
      s[j] = dot * scale;
      if (s[j] > max) max = s[j];
    }
    let sum = 0;
    for (let j = 0; j < jEnd; j++) {
      s[j] = Math.exp(s[j] - max);
      sum += s[j];
    }
    for (let j = 0; j < jEnd; j++) s[j] /= sum;
  }
  return out;
}
