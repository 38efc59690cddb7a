// Float64 CPU reference of Nyström attention (docs/spec/variants.md §1, Xiong et al. 2021):
//   q̂ = q·d^(−1/4), k̂ = k·d^(−1/4); landmarks Q̃, K̃ = segment means of q̂, k̂;
//   F = softmax(Q̂K̃ᵀ) (N×m), A = softmax(Q̃K̃ᵀ) (m×m), B = softmax(Q̃K̂ᵀ) (m×N);
//   Z = pinv(A) (iterative, or exact through an SVD for the oracles); Y = F·(Z·(B·V)).
// Every function works on one head; nystromReference loops over heads.
import type { Inputs64, ReferenceResult } from '../types';

export type PinvMode = 'iter' | 'exact';

export interface NystromOptions {
  m: number;
  iters: number;
  /** 'iter' (the GPU's iteration, default) or 'exact' (SVD pseudo-inverse, for oracles) */
  pinv?: PinvMode;
  /**
   * Landmarks to use instead of segment means, already in the scaled space (q̃ = mean of q̂):
   * H×m×d each. Continual Nyström's fixed and continual landmarks are checked with this.
   */
  landmarks?: { q: Float64Array; k: Float64Array };
  /** also return Ŝ = F·Z·B (default: N ≤ 2048) */
  withMap?: boolean;
}

/** Start of each of the m segments (length m + 1): the first N mod m segments are one longer. */
export function segmentStarts(n: number, m: number): Int32Array {
  if (!(Number.isInteger(m) && m >= 1 && m <= n)) throw new RangeError(`need 1 ≤ m ≤ N, got m = ${m}, N = ${n}`);
  const base = Math.floor(n / m);
  const rem = n % m;
  const s = new Int32Array(m + 1);
  for (let l = 0; l <= m; l++) s[l] = l * base + Math.min(l, rem);
  return s;
}

/** Segment index of every token (the landmarks' segments, for display). */
export function segmentOfToken(n: number, m: number): Uint32Array {
  const s = segmentStarts(n, m);
  const out = new Uint32Array(n);
  for (let l = 0; l < m; l++) out.fill(l, s[l], s[l + 1]);
  return out;
}

/** Segment means of the rows of x (n×d), multiplied by `scale`: m×d. */
export function segmentMeans(x: Float64Array, n: number, d: number, m: number, scale: number): Float64Array {
  const s = segmentStarts(n, m);
  const out = new Float64Array(m * d);
  for (let l = 0; l < m; l++) {
    const len = s[l + 1] - s[l];
    for (let i = s[l]; i < s[l + 1]; i++) for (let c = 0; c < d; c++) out[l * d + c] += x[i * d + c];
    for (let c = 0; c < d; c++) out[l * d + c] *= scale / len;
  }
  return out;
}

/** softmax over each row of (a·bᵀ)·scale: a is r×d, b is c×d → r×c. */
export function softmaxProduct(a: Float64Array, r: number, b: Float64Array, c: number, d: number, scale: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    let max = -Infinity;
    for (let j = 0; j < c; j++) {
      let dot = 0;
      for (let e = 0; e < d; e++) dot += a[i * d + e] * b[j * d + e];
      out[i * c + j] = dot * scale;
      if (out[i * c + j] > max) max = out[i * c + j];
    }
    let sum = 0;
    for (let j = 0; j < c; j++) {
      out[i * c + j] = Math.exp(out[i * c + j] - max);
      sum += out[i * c + j];
    }
    for (let j = 0; j < c; j++) out[i * c + j] /= sum;
  }
  return out;
}

/** C = X·Y for X r×k, Y k×c (row-major). */
export function matmul(x: Float64Array, y: Float64Array, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    for (let e = 0; e < k; e++) {
      const xv = x[i * k + e];
      if (xv === 0) continue;
      for (let j = 0; j < c; j++) out[i * c + j] += xv * y[e * c + j];
    }
  }
  return out;
}

/** Z₀ = Aᵀ / (‖A‖₁·‖A‖∞) for one m×m matrix (‖·‖₁ max column abs sum, ‖·‖∞ max row abs sum). */
export function pinvInit(a: Float64Array, m: number): Float64Array {
  let n1 = 0;
  let ninf = 0;
  for (let i = 0; i < m; i++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < m; j++) {
      row += Math.abs(a[i * m + j]);
      col += Math.abs(a[j * m + i]);
    }
    ninf = Math.max(ninf, row);
    n1 = Math.max(n1, col);
  }
  const z = new Float64Array(m * m);
  const s = 1 / (n1 * ninf);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) z[i * m + j] = a[j * m + i] * s;
  return z;
}

/** One step Z ← ¼·Z·(13I − P(15I − P(7I − P))), P = A·Z. */
export function pinvStep(a: Float64Array, z: Float64Array, m: number): Float64Array {
  const p = matmul(a, z, m, m, m);
  const t = new Float64Array(m * m); // 7I − P
  for (let i = 0; i < m * m; i++) t[i] = -p[i];
  for (let i = 0; i < m; i++) t[i * m + i] += 7;
  const u = matmul(p, t, m, m, m); // 15I − P·t
  for (let i = 0; i < m * m; i++) u[i] = -u[i];
  for (let i = 0; i < m; i++) u[i * m + i] += 15;
  const w = matmul(p, u, m, m, m); // 13I − P·u
  for (let i = 0; i < m * m; i++) w[i] = -w[i];
  for (let i = 0; i < m; i++) w[i * m + i] += 13;
  const zn = matmul(z, w, m, m, m);
  for (let i = 0; i < m * m; i++) zn[i] *= 0.25;
  return zn;
}

/** The iterative pseudo-inverse of spec §1 step 4 (Z₀ per matrix, `iters` steps). */
export function pinvIter(a: Float64Array, m: number, iters: number): Float64Array {
  let z = pinvInit(a, m);
  for (let k = 0; k < iters; k++) z = pinvStep(a, z, m);
  return z;
}

/**
 * Singular value decomposition A = U·diag(s)·Vᵀ of a square m×m matrix by one-sided Jacobi
 * (Hestenes): columns of U·diag(s) are orthogonalized by plane rotations, accumulated in V.
 * Accurate to working precision, which is all the oracles need.
 */
export function svd(a: Float64Array, m: number): { u: Float64Array; s: Float64Array; v: Float64Array } {
  const w = Float64Array.from(a); // becomes U·diag(s), column-major access w[i*m + j] = row i, col j
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < m - 1; p++) {
      for (let q = p + 1; q < m; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const wp = w[i * m + p];
          const wq = w[i * m + q];
          alpha += wp * wp;
          beta += wq * wq;
          gamma += wp * wq;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta));
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const wp = w[i * m + p];
          const wq = w[i * m + q];
          w[i * m + p] = c * wp - s * wq;
          w[i * m + q] = s * wp + c * wq;
          const vp = v[i * m + p];
          const vq = v[i * m + q];
          v[i * m + p] = c * vp - s * vq;
          v[i * m + q] = s * vp + c * vq;
        }
      }
    }
    if (off < 1e-15) break;
  }
  const s = new Float64Array(m);
  const u = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    let norm = 0;
    for (let i = 0; i < m; i++) norm += w[i * m + j] ** 2;
    s[j] = Math.sqrt(norm);
    for (let i = 0; i < m; i++) u[i * m + j] = s[j] > 0 ? w[i * m + j] / s[j] : 0;
  }
  return { u, s, v };
}

/** Moore–Penrose pseudo-inverse through the SVD, singular values below m·ε·σ_max treated as 0. */
export function pinvExact(a: Float64Array, m: number): Float64Array {
  const { u, s, v } = svd(a, m);
  const smax = Math.max(...s);
  const tol = m * Number.EPSILON * smax;
  const z = new Float64Array(m * m);
  for (let k = 0; k < m; k++) {
    if (!(s[k] > tol)) continue;
    const inv = 1 / s[k];
    for (let i = 0; i < m; i++) {
      const vik = v[i * m + k] * inv;
      for (let j = 0; j < m; j++) z[i * m + j] += vik * u[j * m + k];
    }
  }
  return z;
}

/** ‖I − A·Z‖_F of one m×m pair. */
export function pinvResidual(a: ArrayLike<number>, z: ArrayLike<number>, m: number): number {
  let sq = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let p = 0;
      for (let k = 0; k < m; k++) p += a[i * m + k] * z[k * m + j];
      const e = (i === j ? 1 : 0) - p;
      sq += e * e;
    }
  }
  return Math.sqrt(sq);
}

export interface NystromHead {
  out: Float64Array;
  /** N×m */
  f: Float64Array;
  /** m×m */
  a: Float64Array;
  /** m×N */
  b: Float64Array;
  /** m×m */
  z: Float64Array;
  /** scaled landmarks, m×d */
  qLand: Float64Array;
  kLand: Float64Array;
}

/** Nyström attention of one head: q, k N×d; v N×dv. */
export function nystromHead(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  n: number,
  d: number,
  dv: number,
  opts: { m: number; iters: number; pinv?: PinvMode; qLand?: Float64Array; kLand?: Float64Array },
): NystromHead {
  const { m, iters } = opts;
  const s = d ** -0.25;
  const qLand = opts.qLand ?? segmentMeans(q, n, d, m, s);
  const kLand = opts.kLand ?? segmentMeans(k, n, d, m, s);
  // q̂·k̃ = (q·s)·k̃: the scale of the un-landmarked side goes into the product
  const f = softmaxProduct(q, n, kLand, m, d, s);
  const a = softmaxProduct(qLand, m, kLand, m, d, 1);
  const b = softmaxProduct(qLand, m, k, n, d, s);
  const z = opts.pinv === 'exact' ? pinvExact(a, m) : pinvIter(a, m, iters);
  const bv = matmul(b, v, m, n, dv);
  const zbv = matmul(z, bv, m, m, dv);
  const out = matmul(f, zbv, n, m, dv);
  return { out, f, a, b, z, qLand, kLand };
}

/** Ŝ = F·Z·B of one head (N×N). */
export function nystromMap(h: NystromHead, n: number, m: number): Float64Array {
  return matmul(matmul(h.f, h.z, n, m, m), h.b, n, m, n);
}

export function nystromReference(x: Inputs64, opts: NystromOptions): ReferenceResult & { heads: NystromHead[] } {
  const { n, d, dv, heads } = x.shape;
  const withMap = opts.withMap ?? n <= 2048;
  const out = new Float64Array(heads * n * dv);
  const map = withMap ? new Float64Array(heads * n * n) : undefined;
  const all: NystromHead[] = [];
  for (let h = 0; h < heads; h++) {
    const hq = x.q.subarray(h * n * d, (h + 1) * n * d);
    const hk = x.k.subarray(h * n * d, (h + 1) * n * d);
    const hv = x.v.subarray(h * n * dv, (h + 1) * n * dv);
    const lm = opts.landmarks;
    const r = nystromHead(hq, hk, hv, n, d, dv, {
      m: opts.m,
      iters: opts.iters,
      pinv: opts.pinv,
      qLand: lm ? lm.q.subarray(h * opts.m * d, (h + 1) * opts.m * d) : undefined,
      kLand: lm ? lm.k.subarray(h * opts.m * d, (h + 1) * opts.m * d) : undefined,
    });
    out.set(r.out, h * n * dv);
    if (map) map.set(nystromMap(r, n, opts.m), h * n * n);
    all.push(r);
  }
  return map ? { out, map, heads: all } : { out, heads: all };
}
