// Float64 CPU reference of exact softmax attention (docs/spec/variants.md §0):
// O = softmax(Q·Kᵀ/√d)·V per head, optional causal mask, row max subtracted first.
import type { Inputs64, ReferenceResult } from '../types';

export interface ExactReferenceOptions {
  /** also return the H×N×N probabilities (default true when N ≤ 2048) */
  withMap?: boolean;
}

export function exactReference(x: Inputs64, opts: ExactReferenceOptions = {}): ReferenceResult {
  const { n, d, dv, heads, causal } = x.shape;
  const withMap = opts.withMap ?? n <= 2048;
  const out = new Float64Array(heads * n * dv);
  const map = withMap ? new Float64Array(heads * n * n) : undefined;
  const scale = 1 / Math.sqrt(d);
  const s = new Float64Array(n);
  for (let h = 0; h < heads; h++) {
    const qh = h * n * d;
    const vh = h * n * dv;
    for (let i = 0; i < n; i++) {
      const jEnd = causal ? i + 1 : n;
      let max = -Infinity;
      for (let j = 0; j < jEnd; j++) {
        let dot = 0;
        const qi = qh + i * d;
        const kj = qh + j * d;
        for (let c = 0; c < d; c++) dot += x.q[qi + c] * x.k[kj + c];
        s[j] = dot * scale;
        if (s[j] > max) max = s[j];
      }
      let sum = 0;
      for (let j = 0; j < jEnd; j++) {
        s[j] = Math.exp(s[j] - max);
        sum += s[j];
      }
      const oi = vh + i * dv;
      for (let j = 0; j < jEnd; j++) {
        const p = s[j] / sum;
        if (map) map[(h * n + i) * n + j] = p;
        const vj = vh + j * dv;
        for (let c = 0; c < dv; c++) out[oi + c] += p * x.v[vj + c];
      }
    }
  }
  return map ? { out, map } : { out };
}
