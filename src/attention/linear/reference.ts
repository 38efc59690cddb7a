// Float64 CPU references of linear attention (docs/spec/variants.md §4): every feature map φ,
// the factorized engine (non-causal sums, causal prefix sums) and the explicit N×N form.
//
//   non-causal: KV = Σ_j φ(k_j)v_jᵀ, z = Σ_j φ(k_j), o_i = φ(q_i)ᵀKV / (φ(q_i)ᵀz + ε)
//   causal:     the same sums over j ≤ i
//   implied map Â_ij = φ(q_i)·φ(k_j) / Σ_l φ(q_i)·φ(k_l)   (no ε; l ≤ i when causal)
//
// Exp-type maps (FAVOR+, Hedgehog) are evaluated as φ(x) = φ'(x)·e^{off(x)} with off(x) the
// row's largest pre-activation, so φ' ≤ 1 never overflows. The offsets are folded back
// exactly: a query's offset cancels between numerator and normalizer except in the ε term,
// and the keys' offsets are taken relative to their maximum M:
//   o_i = φ'(q_i)ᵀKV' / (φ'(q_i)ᵀz' + ε·e^{−(off(q_i) + M)}),  KV' = Σ_j φ'(k_j)e^{off(k_j) − M}v_jᵀ.
// The GPU engine does the same, so both stay finite for large inputs.
import type { Inputs64, ReferenceResult } from '../types';
import type { KernelSpec } from './kernels';
import { ffkBlockOffset } from './kernels';

export interface PhiRows {
  /** rows×D stabilized features φ' */
  phi: Float64Array;
  /** per-row log offset: φ = φ'·e^{off} (0 for the maps without exp) */
  off: Float64Array;
}

export const softplus = (u: number) => Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u)));
export const sigmoid = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

/**
 * Pre-activations / features of one row x (length d) into out (length D).
 * Returns true when `out` holds log-features (exp kernels), false when it holds features.
 */
export function phiRowRaw(spec: KernelSpec, x: ArrayLike<number>, x0: number, side: 'q' | 'k', out: Float64Array): boolean {
  const { d, dim } = spec;
  switch (spec.kernel) {
    case 'elu1':
      for (let c = 0; c < d; c++) {
        const v = x[x0 + c];
        out[c] = v > 0 ? v + 1 : Math.exp(v);
      }
      return false;
    case 'relu':
      for (let c = 0; c < d; c++) out[c] = Math.max(x[x0 + c], 0);
      return false;
    case 'favor': {
      const m = spec.m!;
      const w = spec.projection!;
      const s = Math.pow(d, -0.25);
      let h = 0;
      for (let c = 0; c < d; c++) h += (s * x[x0 + c]) ** 2;
      h /= 2;
      const logc = -0.5 * Math.log(spec.hyperbolic ? 2 * m : m);
      for (let f = 0; f < m; f++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += w[f * d + c] * s * x[x0 + c];
        out[f] = dot - h + logc;
        if (spec.hyperbolic) out[m + f] = -dot - h + logc;
      }
      return true;
    }
    case 'hedgehog': {
      const F = spec.arch!.features;
      const p = spec.params!;
      const base = side === 'q' ? 0 : F * d + F;
      for (let f = 0; f < F; f++) {
        let a = p[base + F * d + f];
        for (let c = 0; c < d; c++) a += p[base + f * d + c] * x[x0 + c];
        out[f] = a;
        out[F + f] = -a;
      }
      return true;
    }
    case 'ffk': {
      const arch = spec.arch!;
      const F = arch.features;
      const p = spec.params!;
      let h: ArrayLike<number> = x;
      let h0 = x0;
      for (let l = 0; l < arch.layers; l++) {
        const din = l === 0 ? d : F;
        const o = ffkBlockOffset(arch, l);
        const wo = o;
        const bo = o + F * din;
        const wg = bo + F;
        const bg = wg + F * din;
        const last = l === arch.layers - 1;
        const next = last ? out : new Float64Array(F);
        for (let f = 0; f < F; f++) {
          let u = p[bo + f];
          let v = p[bg + f];
          for (let c = 0; c < din; c++) {
            u += p[wo + f * din + c] * h[h0 + c];
            v += p[wg + f * din + c] * h[h0 + c];
          }
          next[f] = (last ? softplus(u) : u) * sigmoid(v);
        }
        h = next;
        h0 = 0;
      }
      if (dim !== F) throw new Error('ffk: D must equal features');
      return false;
    }
  }
}

/** φ' and offsets of `rows` rows of x (row-major, length ≥ (row0+rows)·d). */
export function phiRows(spec: KernelSpec, x: Float64Array, row0: number, rows: number, side: 'q' | 'k'): PhiRows {
  const D = spec.dim;
  const phi = new Float64Array(rows * D);
  const off = new Float64Array(rows);
  const buf = new Float64Array(D);
  for (let r = 0; r < rows; r++) {
    const isLog = phiRowRaw(spec, x, (row0 + r) * spec.d, side, buf);
    if (isLog) {
      let m = -Infinity;
      for (let f = 0; f < D; f++) m = Math.max(m, buf[f]);
      off[r] = m;
      for (let f = 0; f < D; f++) phi[r * D + f] = Math.exp(buf[f] - m);
    } else {
      phi.set(buf, r * D);
    }
  }
  return { phi, off };
}

/** e^{−x}·ε without overflow to NaN (∞ is fine: the output is then 0). */
function epsTerm(eps: number, logScale: number): number {
  return eps === 0 ? 0 : eps * Math.exp(-logScale);
}

/** The factorized evaluation (the GPU engine's algorithm in float64). */
export function linearReference(x: Inputs64, spec: KernelSpec, eps: number, opts: { withMap?: boolean } = {}): ReferenceResult {
  const { n, d, dv, heads, causal } = x.shape;
  if (d !== spec.d) throw new Error(`linear reference: kernel made for d = ${spec.d}, inputs have d = ${d}`);
  const D = spec.dim;
  const out = new Float64Array(heads * n * dv);
  const kv = new Float64Array(D * dv);
  const z = new Float64Array(D);
  for (let h = 0; h < heads; h++) {
    const pq = phiRows(spec, x.q, h * n, n, 'q');
    const pk = phiRows(spec, x.k, h * n, n, 'k');
    kv.fill(0);
    z.fill(0);
    const vh = h * n * dv;
    const emit = (i: number, M: number) => {
      let den = 0;
      const o = vh + i * dv;
      for (let f = 0; f < D; f++) {
        const a = pq.phi[i * D + f];
        if (a === 0) continue;
        den += a * z[f];
        for (let e = 0; e < dv; e++) out[o + e] += a * kv[f * dv + e];
      }
      const inv = 1 / (den + epsTerm(eps, pq.off[i] + M));
      for (let e = 0; e < dv; e++) out[o + e] *= inv;
    };
    const add = (j: number, w: number) => {
      for (let f = 0; f < D; f++) {
        const a = pk.phi[j * D + f] * w;
        if (a === 0) continue;
        z[f] += a;
        for (let e = 0; e < dv; e++) kv[f * dv + e] += a * x.v[vh + j * dv + e];
      }
    };
    if (!causal) {
      let M = -Infinity;
      for (let j = 0; j < n; j++) M = Math.max(M, pk.off[j]);
      for (let j = 0; j < n; j++) add(j, Math.exp(pk.off[j] - M));
      for (let i = 0; i < n; i++) emit(i, M);
    } else {
      let M = -Infinity;
      for (let i = 0; i < n; i++) {
        if (pk.off[i] > M) {
          const r = M === -Infinity ? 0 : Math.exp(M - pk.off[i]);
          for (let t = 0; t < kv.length; t++) kv[t] *= r;
          for (let f = 0; f < D; f++) z[f] *= r;
          M = pk.off[i];
        }
        add(i, Math.exp(pk.off[i] - M));
        emit(i, M);
      }
    }
  }
  const res: ReferenceResult = { out };
  if (opts.withMap ?? n <= 2048) res.map = linearExplicit(x, spec, eps).map;
  return res;
}

/**
 * The explicit N×N evaluation: s_ij = φ(q_i)·φ(k_j), o_i = Σ_j s_ij v_j / (Σ_j s_ij + ε), and
 * the implied map Â_ij = s_ij / Σ_l s_il. The oracle the factorized forms are tested against.
 */
export function linearExplicit(x: Inputs64, spec: KernelSpec, eps: number): { out: Float64Array; map: Float64Array } {
  const { n, dv, heads, causal } = x.shape;
  const D = spec.dim;
  const out = new Float64Array(heads * n * dv);
  const map = new Float64Array(heads * n * n);
  const s = new Float64Array(n);
  for (let h = 0; h < heads; h++) {
    const pq = phiRows(spec, x.q, h * n, n, 'q');
    const pk = phiRows(spec, x.k, h * n, n, 'k');
    for (let i = 0; i < n; i++) {
      const jEnd = causal ? i + 1 : n;
      let M = -Infinity;
      for (let j = 0; j < jEnd; j++) M = Math.max(M, pk.off[j]);
      let sum = 0;
      for (let j = 0; j < jEnd; j++) {
        let dot = 0;
        for (let f = 0; f < D; f++) dot += pq.phi[i * D + f] * pk.phi[j * D + f];
        s[j] = dot * Math.exp(pk.off[j] - M);
        sum += s[j];
      }
      const den = sum + epsTerm(eps, pq.off[i] + M);
      const o = (h * n + i) * dv;
      for (let j = 0; j < jEnd; j++) {
        map[(h * n + i) * n + j] = sum > 0 ? s[j] / sum : 0;
        const w = s[j] / den;
        for (let e = 0; e < dv; e++) out[o + e] += w * x.v[(h * n + j) * dv + e];
      }
    }
  }
  return { out, map };
}
