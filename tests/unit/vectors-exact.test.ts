// The float64 exact-attention reference against the independent implementation's vectors.
import { describe, it, expect } from 'vitest';
import { exactReference } from '../../src/attention/exact/reference';
import type { Inputs64 } from '../../src/attention/types';
import { asAttentionTensor } from '../../src/workloads/npy';
import { loadVectorCases } from '../vectors';

const cases = loadVectorCases();
const exactCases = cases.filter((c) => c.variant === 'exact');

describe('reference vectors', () => {
  it('finds all 20 cases, each with q, k, v and out', () => {
    expect(cases).toHaveLength(20);
    for (const c of cases) {
      expect(Object.keys(c.tensors), c.name).toEqual(expect.arrayContaining(['q', 'k', 'v', 'out']));
    }
  });

  it('includes the exact cases: one head, several heads, causal', () => {
    expect(exactCases.map((c) => c.name).sort()).toEqual(['exact-causal-n33-d8', 'exact-h2-n20-d4', 'exact-n7-d3']);
    expect(exactCases.some((c) => c.tensors.q.shape.length === 3)).toBe(true);
    expect(exactCases.some((c) => c.params.causal === true)).toBe(true);
  });
});

describe('exactReference matches the reference vectors to 1e-12', () => {
  it.each(exactCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const q = asAttentionTensor(c.tensors.q, 'q.npy');
    const k = asAttentionTensor(c.tensors.k, 'k.npy');
    const v = asAttentionTensor(c.tensors.v, 'v.npy');
    const want = asAttentionTensor(c.tensors.out, 'out.npy');
    expect([k.heads, k.n, k.d]).toEqual([q.heads, q.n, q.d]);
    expect([v.heads, v.n]).toEqual([q.heads, q.n]);
    expect([want.heads, want.n, want.d]).toEqual([q.heads, q.n, v.d]);

    const x: Inputs64 = {
      shape: { n: q.n, d: q.d, dv: v.d, heads: q.heads, causal: c.params.causal === true },
      q: q.data,
      k: k.data,
      v: v.data,
    };
    const got = exactReference(x).out;
    expect(got).toHaveLength(want.data.length);

    let scale = 0;
    let maxErr = 0;
    for (let i = 0; i < got.length; i++) {
      scale = Math.max(scale, Math.abs(want.data[i]));
      const err = Math.abs(got[i] - want.data[i]);
      if (err > maxErr || Number.isNaN(err)) maxErr = err; // a NaN sticks and fails
    }
    expect(scale).toBeGreaterThan(0);
    expect(maxErr / scale).toBeLessThan(1e-12);
  });
});
