// The float64 Fastmax references (docs/spec/variants.md §5) against the independent vectors and the
// spec's oracles: explicit = factorized, a1 = a2 = 0 gives the mean of V (prefix mean when
// causal), rows of the implied map sum to 1, the error against softmax of the same normalized
// logits falls like T^−(p+1), the causal max-norm leaks the future, positivity analytics.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  fastmaxExplicit, fastmaxFactorized, fastmaxParams, matchingBeta, normalizedQK, positivity, sameLogitsSoftmax,
} from '../../src/attention/fastmax/reference';
import type { Inputs64, Shape } from '../../src/attention/types';
import type { ParamValues } from '../../src/params/schema';
import { asAttentionTensor } from '../../src/workloads/npy';
import { Rng } from '../../src/workloads/rng';
import { loadVectorCases } from '../vectors';

const DEFAULTS = { p: 2, normalize: true, center: true, lim: 1, T: 1, a0: 1, a1: 1, a2: 0.5 };

function inputs(shape: Shape, seed: number, scale = 1): Inputs64 {
  const rng = new Rng(seed);
  const gen = (len: number, s: number) => Float64Array.from({ length: len }, () => rng.normal() * s);
  return { shape, q: gen(shape.heads * shape.n * shape.d, scale), k: gen(shape.heads * shape.n * shape.d, 1), v: gen(shape.heads * shape.n * shape.dv, 1) };
}

/** max |a − b| / max |b| */
function relMax(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    m = Number.isNaN(e) ? Infinity : Math.max(m, e);
    s = Math.max(s, Math.abs(b[i]));
  }
  return m / s;
}

function relFro(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

const fastmaxCases = loadVectorCases().filter((c) => c.variant === 'fastmax');

describe('reference vectors (independent float64 implementation)', () => {
  it('has the four fastmax cases: p = 1, 2, causal and not', () => {
    expect(fastmaxCases.map((c) => c.name).sort()).toEqual(['fastmax-p1-causal-n21-d5', 'fastmax-p1-n21-d5', 'fastmax-p2-causal-n21-d5', 'fastmax-p2-n21-d5']);
  });
  it.each(fastmaxCases.map((c) => [c.name, c] as const))('%s: explicit and factorized match to 1e-12', (_name, c) => {
    const q = asAttentionTensor(c.tensors.q, 'q.npy');
    const k = asAttentionTensor(c.tensors.k, 'k.npy');
    const v = asAttentionTensor(c.tensors.v, 'v.npy');
    const want = asAttentionTensor(c.tensors.out, 'out.npy');
    const x: Inputs64 = { shape: { n: q.n, d: q.d, dv: v.d, heads: q.heads, causal: c.params.causal === true }, q: q.data, k: k.data, v: v.data };
    const p = c.params as ParamValues;
    expect(relMax(fastmaxExplicit(x, p).out, want.data)).toBeLessThan(1e-12);
    expect(relMax(fastmaxFactorized(x, p), want.data)).toBeLessThan(1e-12);
  });
});

describe('factorized form = explicit N×N form (float64)', () => {
  const shapes: [string, Shape, ParamValues][] = [
    ['p=2 H=2 N=37 d=5', { n: 37, d: 5, dv: 5, heads: 2, causal: false }, DEFAULTS],
    ['p=2 causal N=40 d=3', { n: 40, d: 3, dv: 3, heads: 1, causal: true }, DEFAULTS],
    ['p=1 H=3 N=29 d=7 dv=4', { n: 29, d: 7, dv: 4, heads: 3, causal: false }, { ...DEFAULTS, p: 1 }],
    ['p=1 causal d=1, no centring', { n: 33, d: 1, dv: 2, heads: 2, causal: true }, { ...DEFAULTS, p: 1, center: false }],
    ['p=2 no normalization, T = 4, other coefficients', { n: 25, d: 6, dv: 6, heads: 1, causal: true }, { ...DEFAULTS, normalize: false, T: 4, a0: 2, a1: -0.5, a2: 0.7 }],
    ['p=2 lim = 2, T = 0.5, no centring', { n: 31, d: 4, dv: 3, heads: 2, causal: false }, { ...DEFAULTS, center: false, lim: 2, T: 0.5 }],
  ];
  it.each(shapes)('%s', (_name, shape, p) => {
    const x = inputs(shape, 11);
    expect(relMax(fastmaxFactorized(x, p), fastmaxExplicit(x, p).out)).toBeLessThan(1e-12);
  });
});

describe('oracles', () => {
  it('a1 = a2 = 0 gives the mean of V; causal: the prefix mean', () => {
    for (const causal of [false, true]) {
      const shape = { n: 23, d: 4, dv: 3, heads: 2, causal };
      const x = inputs(shape, 5);
      const want = new Float64Array(x.v.length);
      for (let h = 0; h < 2; h++) {
        for (let i = 0; i < 23; i++) {
          const upto = causal ? i + 1 : 23;
          for (let c = 0; c < 3; c++) {
            let s = 0;
            for (let j = 0; j < upto; j++) s += x.v[(h * 23 + j) * 3 + c];
            want[(h * 23 + i) * 3 + c] = s / upto;
          }
        }
      }
      for (const p of [1, 2]) {
        const pv = { ...DEFAULTS, p, a0: 1.7, a1: 0, a2: 0 };
        expect(relMax(fastmaxExplicit(x, pv).out, want)).toBeLessThan(1e-13);
        expect(relMax(fastmaxFactorized(x, pv), want)).toBeLessThan(1e-13);
      }
    }
  });

  it('rows of the implied map sum to 1; causal rows are 0 above the diagonal', () => {
    for (const causal of [false, true]) {
      for (const pv of [DEFAULTS, { ...DEFAULTS, p: 1 }, { ...DEFAULTS, p: 1, a1: 3 }]) {
        const n = 30;
        const x = inputs({ n, d: 6, dv: 2, heads: 2, causal }, 8);
        const map = fastmaxExplicit(x, pv).map!;
        for (let r = 0; r < 2 * n; r++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += map[r * n + j];
          expect(Math.abs(s - 1)).toBeLessThan(1e-12);
          if (causal) for (let j = (r % n) + 1; j < n; j++) expect(map[r * n + j]).toBe(0);
        }
      }
    }
  });

  it('p = 1 with a1 = 3 has negative weights (the map is signed), the defaults have none', () => {
    const x = inputs({ n: 40, d: 8, dv: 2, heads: 1, causal: false }, 4);
    expect(Math.min(...fastmaxExplicit(x, { ...DEFAULTS, p: 1, a1: 3 }).map!)).toBeLessThan(0);
    expect(Math.min(...fastmaxExplicit(x, DEFAULTS).map!)).toBeGreaterThan(0);
  });

  it('normalization: per head, max ‖q̃‖ = lim, every token centred', () => {
    const shape = { n: 20, d: 5, dv: 5, heads: 2, causal: false };
    const x = inputs(shape, 9, 3);
    const { q, k } = normalizedQK(x, fastmaxParams({ ...DEFAULTS, lim: 1.5 }));
    for (const t of [q, k]) {
      for (let h = 0; h < 2; h++) {
        let mx = 0;
        for (let i = 0; i < 20; i++) {
          let s = 0;
          let sq = 0;
          for (let c = 0; c < 5; c++) {
            s += t[(h * 20 + i) * 5 + c];
            sq += t[(h * 20 + i) * 5 + c] ** 2;
          }
          expect(Math.abs(s)).toBeLessThan(1e-12);
          mx = Math.max(mx, Math.sqrt(sq));
        }
        expect(mx).toBeCloseTo(1.5, 12);
      }
    }
  });

  it('causal + normalization leaks the future (a later token changes earlier outputs); without normalization it does not', () => {
    const shape = { n: 24, d: 4, dv: 4, heads: 1, causal: true };
    const x = inputs(shape, 21);
    const y = { ...x, k: Float64Array.from(x.k), q: Float64Array.from(x.q) };
    for (let c = 0; c < 4; c++) y.k[23 * 4 + c] *= 10; // the last key gets the largest norm
    const early = (o: Float64Array) => o.subarray(0, 20 * 4);
    const leak = relMax(early(fastmaxExplicit(y, DEFAULTS).out), early(fastmaxExplicit(x, DEFAULTS).out));
    expect(leak).toBeGreaterThan(1e-3);
    const pv = { ...DEFAULTS, normalize: false, T: 8 };
    expect(relMax(early(fastmaxExplicit(y, pv).out), early(fastmaxExplicit(x, pv).out))).toBe(0);
  });

  it('d = 1 with centring: every centred vector is 0, so the weights are uniform (no division by a zero norm)', () => {
    const x = inputs({ n: 9, d: 1, dv: 2, heads: 1, causal: false }, 2);
    const out = fastmaxExplicit(x, DEFAULTS).out;
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let j = 0; j < 9; j++) s += x.v[j * 2 + c];
      expect(out[c]).toBeCloseTo(s / 9, 14);
    }
  });
});

describe('error against softmax of the same normalized logits falls like T^−(p+1)', () => {
  /** least-squares slope of log(err) against log(T) */
  function slope(pv: ParamValues, causal = false): number {
    const x = inputs({ n: 64, d: 16, dv: 16, heads: 2, causal }, 17, 2);
    const Ts = [4, 8, 16, 32, 64];
    const pts = Ts.map((T) => {
      const p = { ...pv, T };
      return [Math.log(T), Math.log(relFro(fastmaxExplicit(x, p).out, sameLogitsSoftmax(x, p)))];
    });
    const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
    const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
    return pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  }
  it('p = 2 (defaults): slope −3', () => expect(slope(DEFAULTS)).toBeCloseTo(-3, 1));
  it('p = 1: slope −2', () => expect(slope({ ...DEFAULTS, p: 1 })).toBeCloseTo(-2, 1));
  it('p = 2, causal: slope −3', () => expect(slope(DEFAULTS, true)).toBeCloseTo(-3, 1));
  it('the matching temperature follows a1/a0: (a0, a1, a2) = (2, 3, 2.25) is 2·Taylor(e^{1.5x}), slope −3', () => {
    expect(matchingBeta(fastmaxParams({ ...DEFAULTS, a0: 2, a1: 3, a2: 2.25 }))).toBe(1.5);
    expect(slope({ ...DEFAULTS, a0: 2, a1: 3, a2: 2.25 })).toBeCloseTo(-3, 1);
  });
  it('p = 2 with a2 off the Taylor value (a2 = 0.3) only reaches slope −2', () => expect(slope({ ...DEFAULTS, a2: 0.3 })).toBeCloseTo(-2, 1));
  it('without normalization the logits are q·k/T (the test above with centring and normalization off)', () => {
    // large T keeps the unnormalized logits small too
    const x = inputs({ n: 30, d: 8, dv: 3, heads: 1, causal: false }, 3);
    const pv = { ...DEFAULTS, normalize: false, center: false };
    const e1 = relFro(fastmaxExplicit(x, { ...pv, T: 200 }).out, sameLogitsSoftmax(x, { ...pv, T: 200 }));
    const e2 = relFro(fastmaxExplicit(x, { ...pv, T: 400 }).out, sameLogitsSoftmax(x, { ...pv, T: 400 }));
    expect(Math.log2(e1 / e2)).toBeCloseTo(3, 1);
  });
});

describe('positivity on the reachable range', () => {
  const fp = (over: ParamValues) => fastmaxParams({ ...DEFAULTS, ...over });
  it('defaults: f = 1 + x + x²/2 > 0 (min 0.5 at x = −1)', () => {
    const r = positivity(fp({}));
    expect(r).toMatchObject({ range: 1, fMin: 0.5, argMin: -1, positive: true });
  });
  it('p = 1: f = 1 + x reaches 0 at x = −1 (not strictly positive)', () => {
    expect(positivity(fp({ p: 1 }))).toMatchObject({ fMin: 0, argMin: -1, positive: false });
  });
  it('the range is lim²/T', () => {
    expect(positivity(fp({ p: 1, lim: 2, T: 8 }))).toMatchObject({ range: 0.5, fMin: 0.5, positive: true });
  });
  it('without normalization: p = 1 with a1 ≠ 0 is unbounded below; p = 2 with a negative discriminant stays positive', () => {
    expect(positivity(fp({ p: 1, normalize: false })).fMin).toBe(-Infinity);
    expect(positivity(fp({ normalize: false }))).toMatchObject({ fMin: 0.5, positive: true });
    expect(positivity(fp({ normalize: false, a2: -0.1 })).fMin).toBe(-Infinity);
  });
  it('matches a brute-force minimum over the range (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 }), fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: 0.1, max: 3, noNaN: true }), fc.double({ min: 0.1, max: 10, noNaN: true }),
        (p, a0, a1, a2, lim, T) => {
          const r = positivity(fp({ p, a0, a1, a2, lim, T }));
          const a2e = p === 2 ? a2 : 0;
          let brute = Infinity;
          for (let s = 0; s <= 4000; s++) {
            const x = -r.range + (2 * r.range * s) / 4000;
            brute = Math.min(brute, a0 + a1 * x + a2e * x * x);
          }
          // the analytic minimum is exact, the grid can only miss it from above
          expect(r.fMin).toBeLessThanOrEqual(brute + 1e-9);
          expect(brute - r.fMin).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(a1) + Math.abs(a2e)) * r.range * r.range + 1e-9);
          expect(r.positive).toBe(r.fMin > 0);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('every score of a normalized input lies on the analysed range and above fMin', () => {
    const x = inputs({ n: 50, d: 6, dv: 1, heads: 1, causal: false }, 13, 4);
    const pv = { ...DEFAULTS, lim: 1.3, T: 0.7 };
    const { q, k } = normalizedQK(x, fastmaxParams(pv));
    const r = positivity(fastmaxParams(pv));
    for (let i = 0; i < 50; i++) {
      for (let j = 0; j < 50; j++) {
        let dot = 0;
        for (let c = 0; c < 6; c++) dot += q[i * 6 + c] * k[j * 6 + c];
        const xx = dot / 0.7;
        expect(Math.abs(xx)).toBeLessThanOrEqual(r.range * (1 + 1e-12));
        expect(1 + xx + 0.5 * xx * xx).toBeGreaterThanOrEqual(r.fMin - 1e-12);
      }
    }
  });
});
