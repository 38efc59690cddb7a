// The float64 Nyström reference (docs/spec/variants.md §1): the independent vectors, the segment
// convention, the pseudo-inverse (iteration, residual identity, SVD), and the oracles.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  matmul, nystromReference, pinvExact, pinvInit, pinvIter, pinvResidual, pinvStep, segmentMeans, segmentOfToken,
  segmentStarts, softmaxProduct, svd,
} from '../../src/attention/nystrom/reference';
import { exactReference } from '../../src/attention/exact/reference';
import { nystromCost, nystromVariant } from '../../src/attention/nystrom/variant';
import { validateRun, getVariant } from '../../src/attention/registry';
import type { Inputs64, Shape } from '../../src/attention/types';
import { asAttentionTensor } from '../../src/workloads/npy';
import { Rng } from '../../src/workloads/rng';
import { loadVectorCases } from '../vectors';

function inputs(shape: Shape, seed: number, qScale = 1): Inputs64 {
  const rng = new Rng(seed);
  const g = (len: number, s = 1) => Float64Array.from({ length: len }, () => rng.normal() * s);
  return { shape, q: g(shape.heads * shape.n * shape.d, qScale), k: g(shape.heads * shape.n * shape.d), v: g(shape.heads * shape.n * shape.dv) };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (!(e <= m)) m = e; // NaN sticks
  }
  return m;
}

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe('nystromReference matches the independent vectors to 1e-12', () => {
  const cases = loadVectorCases().filter((c) => c.variant === 'nystrom');
  it('has both cases (uneven segments; m = N with 30 iterations)', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(['nystrom-m-eq-n-iters30', 'nystrom-n30-m4-uneven']);
  });
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const q = asAttentionTensor(c.tensors.q, 'q.npy');
    const k = asAttentionTensor(c.tensors.k, 'k.npy');
    const v = asAttentionTensor(c.tensors.v, 'v.npy');
    const want = asAttentionTensor(c.tensors.out, 'out.npy');
    const x: Inputs64 = { shape: { n: q.n, d: q.d, dv: v.d, heads: q.heads, causal: false }, q: q.data, k: k.data, v: v.data };
    const got = nystromReference(x, { m: Number(c.params.m), iters: Number(c.params.iters) }).out;
    expect(maxAbsDiff(got, want.data) / maxAbs(want.data)).toBeLessThan(1e-12);
  });
});

describe('segments', () => {
  it('the first N mod m segments are one token longer', () => {
    expect(Array.from(segmentStarts(30, 4))).toEqual([0, 8, 16, 23, 30]);
    expect(Array.from(segmentStarts(10, 10))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Array.from(segmentStarts(5, 1))).toEqual([0, 5]);
    expect(Array.from(segmentOfToken(7, 3))).toEqual([0, 0, 0, 1, 1, 2, 2]);
    expect(() => segmentStarts(5, 6)).toThrow(/1 ≤ m ≤ N/);
  });
  it('property: segments cover 0…N in order, lengths differ by at most one, longer first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 500 }), (n, mRaw) => {
        const m = 1 + (mRaw % n);
        const s = segmentStarts(n, m);
        expect(s[0]).toBe(0);
        expect(s[m]).toBe(n);
        const lens = Array.from({ length: m }, (_, l) => s[l + 1] - s[l]);
        expect(Math.max(...lens) - Math.min(...lens)).toBeLessThanOrEqual(1);
        for (let l = 1; l < m; l++) expect(lens[l]).toBeLessThanOrEqual(lens[l - 1]);
      }),
    );
  });
  it('segment means are scaled means', () => {
    const x = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // 5 rows × 2
    // rows (1,2),(3,4),(5,6) then (7,8),(9,10)
    expect(Array.from(segmentMeans(x, 5, 2, 2, 0.5))).toEqual([1.5, 2, 4, 4.5]);
  });
});

describe('pseudo-inverse', () => {
  const rng = new Rng(3);
  const softmaxMatrix = (m: number, sharp: number) => {
    const a = Float64Array.from({ length: m * 4 }, () => rng.normal() * sharp);
    const b = Float64Array.from({ length: m * 4 }, () => rng.normal());
    return softmaxProduct(a, m, b, m, 4, 1);
  };

  it('Z₀ = Aᵀ/(‖A‖₁‖A‖∞) per matrix', () => {
    const a = Float64Array.from([1, -2, 3, 4]); // ‖A‖₁ = max(4, 6) = 6, ‖A‖∞ = max(3, 7) = 7
    expect(Array.from(pinvInit(a, 2))).toEqual([1 / 42, 3 / 42, -2 / 42, 4 / 42]);
  });

  it('the residual E = I − A·Z follows E_next = ¾E³ + ¼E⁴ (float64)', () => {
    for (const m of [1, 3, 8, 20]) {
      const a = softmaxMatrix(m, 2);
      let z = pinvInit(a, m);
      for (let k = 0; k < 8; k++) {
        const e = residualMatrix(a, z, m);
        const zn = pinvStep(a, z, m);
        const en = residualMatrix(a, zn, m);
        const e2 = matmul(e, e, m, m, m);
        const e3 = matmul(e2, e, m, m, m);
        const e4 = matmul(e3, e, m, m, m);
        const want = e3.map((x, i) => 0.75 * x + 0.25 * e4[i]);
        // the identity is exact; float64 rounding of the products is all that separates them
        expect(maxAbsDiff(en, want), `m=${m} step ${k}`).toBeLessThan(1e-12 * Math.max(1, maxAbs(e)) * m);
        z = zn;
      }
    }
  });

  it('converges to the inverse of a well-conditioned matrix, and the residual falls', () => {
    const m = 12;
    const a = softmaxMatrix(m, 3);
    const r5 = pinvResidual(a, pinvIter(a, m, 5), m);
    const r30 = pinvResidual(a, pinvIter(a, m, 30), m);
    expect(r30).toBeLessThan(1e-10);
    expect(r30).toBeLessThan(r5);
    expect(maxAbsDiff(pinvIter(a, m, 30), pinvExact(a, m))).toBeLessThan(1e-8 * maxAbs(pinvExact(a, m)));
  });

  it('SVD: A = U·diag(s)·Vᵀ with orthogonal U, V; pinv of a rank-deficient matrix satisfies the Penrose conditions', () => {
    const m = 6;
    const a = softmaxMatrix(m, 1);
    const { u, s, v } = svd(a, m);
    const us = u.map((x, i) => x * s[i % m]);
    const vt = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) vt[i * m + j] = v[j * m + i];
    expect(maxAbsDiff(matmul(us, vt, m, m, m), a)).toBeLessThan(1e-14);
    // rank 2: outer products
    const r = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) r[i * m + j] = (i + 1) * (j % 3) + Math.sin(i) * Math.cos(j);
    const p = pinvExact(r, m);
    expect(maxAbsDiff(matmul(matmul(r, p, m, m, m), r, m, m, m), r)).toBeLessThan(1e-12 * maxAbs(r));
    expect(maxAbsDiff(matmul(matmul(p, r, m, m, m), p, m, m, m), p)).toBeLessThan(1e-12 * maxAbs(p));
  });
});

function residualMatrix(a: Float64Array, z: Float64Array, m: number): Float64Array {
  const p = matmul(a, z, m, m, m);
  return p.map((x, i) => (Math.floor(i / m) === i % m ? 1 : 0) - x);
}

describe('oracles (float64)', () => {
  it('m = N with the exact pseudo-inverse is exact attention; the iteration converges to it', () => {
    const shape = { n: 24, d: 5, dv: 3, heads: 2, causal: false };
    const x = inputs(shape, 11);
    const exact = exactReference(x).out;
    const viaSvd = nystromReference(x, { m: 24, iters: 6, pinv: 'exact' });
    expect(maxAbsDiff(viaSvd.out, exact)).toBeLessThan(1e-9 * maxAbs(exact));
    expect(maxAbsDiff(viaSvd.map!, exactReference(x).map!)).toBeLessThan(1e-9);
    const e10 = maxAbsDiff(nystromReference(x, { m: 24, iters: 10 }).out, exact);
    const e30 = maxAbsDiff(nystromReference(x, { m: 24, iters: 30 }).out, exact);
    expect(e30).toBeLessThan(1e-8 * maxAbs(exact));
    expect(e30).toBeLessThan(e10);
  });

  it('m = 1 gives identical rows (the mean of B·V)', () => {
    const x = inputs({ n: 17, d: 4, dv: 6, heads: 1, causal: false }, 5);
    const out = nystromReference(x, { m: 1, iters: 6 }).out;
    for (let i = 1; i < 17; i++) expect(maxAbsDiff(out.subarray(i * 6, i * 6 + 6), out.subarray(0, 6))).toBe(0);
  });

  it('permuting the landmarks leaves the output unchanged', () => {
    const shape = { n: 40, d: 6, dv: 6, heads: 1, causal: false };
    const x = inputs(shape, 8);
    const m = 5;
    const s = 6 ** -0.25;
    const ql = segmentMeans(x.q, 40, 6, m, s);
    const kl = segmentMeans(x.k, 40, 6, m, s);
    const perm = [3, 0, 4, 1, 2];
    const pq = new Float64Array(m * 6);
    const pk = new Float64Array(m * 6);
    perm.forEach((from, to) => {
      pq.set(ql.subarray(from * 6, from * 6 + 6), to * 6);
      pk.set(kl.subarray(from * 6, from * 6 + 6), to * 6);
    });
    for (const iters of [1, 6]) {
      const a = nystromReference(x, { m, iters, landmarks: { q: ql, k: kl } }).out;
      const b = nystromReference(x, { m, iters, landmarks: { q: pq, k: pk } }).out;
      expect(maxAbsDiff(a, nystromReference(x, { m, iters }).out)).toBe(0); // explicit = segment means
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-12 * maxAbs(a));
    }
  });

  it('rows of Ŝ sum to F·Z·1 and Ŝ can be negative', () => {
    const x = inputs({ n: 30, d: 4, dv: 4, heads: 1, causal: false }, 2);
    const r = nystromReference(x, { m: 6, iters: 3 });
    const map = r.map!;
    expect(Math.min(...map)).toBeLessThan(0);
    const z1 = matmul(r.heads[0].z, new Float64Array(6).fill(1), 6, 6, 1);
    const fz1 = matmul(r.heads[0].f, z1, 30, 6, 1);
    for (let i = 0; i < 30; i++) {
      let s = 0;
      for (let j = 0; j < 30; j++) s += map[i * 30 + j];
      expect(s).toBeCloseTo(fz1[i], 12);
    }
  });
});

describe('variant', () => {
  it('is registered, refuses causal and m > N with clear messages', () => {
    const v = getVariant('nystrom');
    expect(v).toBe(nystromVariant);
    const shape = { n: 10, d: 4, dv: 4, heads: 1, causal: false };
    expect(validateRun(v, shape, { m: 4, iters: 6 })).toEqual([]);
    expect(validateRun(v, { ...shape, causal: true }, { m: 4, iters: 6 })).toEqual(['Nyström attention has no causal form: turn the causal mask off']);
    expect(validateRun(v, shape, { m: 11, iters: 6 })[0]).toMatch(/m ≤ N: 11 landmarks .* N = 10/);
    expect(validateRun(v, shape, { m: 4, iters: 31 })).toEqual(['iters must be between 1 and 30, got 31']);
    expect(v.params.find((p) => p.name === 'm')!.csvColumn).toBe('rank_m');
    expect(v.params.find((p) => p.name === 'iters')!.csvColumn).toBe('pinv_iters');
  });

  it('cost: the spec’s terms, ~N·m·d, far below exact attention at N = 16k, m = 64', () => {
    const shape = { n: 16384, d: 64, dv: 64, heads: 1, causal: false };
    const c = nystromCost(shape, 64, 6);
    const { n, d } = shape;
    const m = 64;
    // scores 4Nmd + 2m²d, products 4Nmd + 2m²d, pinv 8·iters·m³ (+3m²), softmax 5(2Nm + m²), landmarks 2Nd
    expect(c.flops).toBe(8 * n * m * d + 4 * m * m * d + 8 * 6 * m ** 3 + 3 * m * m + 5 * (2 * n * m + m * m) + 2 * n * d);
    const exactFlops = n * n * (4 * d + 5);
    expect(exactFlops / c.flops).toBeGreaterThan(100);
  });
});
