import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mapErrors, outputErrors } from '../../src/metrics/errors';

describe('outputErrors', () => {
  it('hand-derived 2×2 case', () => {
    // Ô = [[1, 2], [3, 4]], O = [[1, 2], [3, 5]]: Ô − O = [[0, 0], [0, −1]]
    const e = outputErrors([1, 2, 3, 4], [1, 2, 3, 5], 2, 2);
    expect(e.relFro).toBeCloseTo(1 / Math.sqrt(1 + 4 + 9 + 25), 15);
    expect(e.maxAbs).toBe(1);
    // row 0 identical (cos 1); row 1: (3·3 + 4·5) / (5·√34)
    expect(e.meanCos).toBeCloseTo((1 + 29 / (5 * Math.sqrt(34))) / 2, 15);
  });

  it('identical outputs: no error', () => {
    expect(outputErrors([0.5, -2, 3, 7, 1, 1], [0.5, -2, 3, 7, 1, 1], 3, 2)).toEqual({ relFro: 0, maxAbs: 0, meanCos: 1 });
  });

  it('opposite and orthogonal rows', () => {
    expect(outputErrors([1, 0], [-1, 0], 1, 2).meanCos).toBe(-1);
    expect(outputErrors([1, 0], [0, 3], 1, 2).meanCos).toBe(0);
    // Ô = −O: ‖Ô − O‖ = 2‖O‖
    expect(outputErrors([-1, 2], [1, -2], 1, 2).relFro).toBeCloseTo(2, 15);
  });

  it('zero rows: both zero count as 1, one zero as 0', () => {
    // rows: both zero → 1; approx zero → 0; exact zero → 0; equal → 1
    const e = outputErrors([0, 0, 0, 0, 1, 1, 2, 2], [0, 0, 3, 4, 0, 0, 2, 2], 4, 2);
    expect(e.meanCos).toBe(0.5);
    expect(e.maxAbs).toBe(4);
  });

  it('relFro is the absolute Frobenius norm when the exact output is zero', () => {
    expect(outputErrors([3, 4], [0, 0], 1, 2).relFro).toBe(5);
    expect(outputErrors([0, 0], [0, 0], 1, 2).relFro).toBe(0);
  });

  it('works on typed arrays and empty inputs', () => {
    const e = outputErrors(Float32Array.from([1, 2]), Float64Array.from([1, 4]), 2, 1);
    expect(e.relFro).toBeCloseTo(2 / Math.sqrt(17), 7);
    expect(e.meanCos).toBe(1); // 1-D rows of the same sign
    expect(outputErrors([], [], 0, 5)).toEqual({ relFro: 0, maxAbs: 0, meanCos: 1 });
  });

  it('propagates NaN', () => {
    const e = outputErrors([1, NaN, 3, 4], [1, 2, 3, 4], 2, 2);
    expect(e.maxAbs).toBeNaN();
    expect(e.relFro).toBeNaN();
    expect(e.meanCos).toBeNaN();
    expect(outputErrors([5, 1, 2], [NaN, 1, 2], 3, 1).maxAbs).toBeNaN(); // NaN first, then finite
    expect(mapErrors([NaN, 1, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5], 2, 2).maxRowSumDev).toBeNaN();
  });

  it('throws when the lengths do not match rows × cols', () => {
    expect(() => outputErrors([1, 2, 3], [1, 2, 3, 4], 2, 2)).toThrow(/expected 2×2 = 4 values, got approx 3 and exact 4/);
    expect(() => outputErrors([1, 2], [1, 2], 1, 3)).toThrow(RangeError);
    expect(() => outputErrors([1], [1], -1, -1)).toThrow(/non-negative integers/);
  });

  it('properties: scale invariance of relFro and cos, symmetry of maxAbs', () => {
    // multiples of 1/16 in [−64, 64]: no underflow when scaled
    const row = fc.array(fc.integer({ min: -1024, max: 1024 }).map((x) => x / 16), { minLength: 6, maxLength: 6 });
    fc.assert(
      fc.property(row, row, fc.double({ min: 0.01, max: 100, noNaN: true }), (a, o, c) => {
        fc.pre(o.some((x) => Math.abs(x) > 1e-3));
        const base = outputErrors(a, o, 2, 3);
        const scaled = outputErrors(a.map((x) => x * c), o.map((x) => x * c), 2, 3);
        expect(scaled.relFro).toBeCloseTo(base.relFro, 9);
        expect(scaled.meanCos).toBeCloseTo(base.meanCos, 9);
        expect(outputErrors(o, a, 2, 3).maxAbs).toBe(base.maxAbs);
        expect(base.meanCos).toBeLessThanOrEqual(1);
        expect(base.meanCos).toBeGreaterThanOrEqual(-1);
      }),
    );
  });
});

describe('mapErrors', () => {
  it('hand-derived 2×2 case', () => {
    // A = [[0.5, 0.5], [1, 0]], Â = [[0.25, 0.75], [0.5, 0.5]]
    const e = mapErrors([0.25, 0.75, 0.5, 0.5], [0.5, 0.5, 1, 0], 2, 2);
    expect(e.meanRowL1).toBe((0.5 + 1) / 2);
    // row 0: 0.5·ln(0.5/0.25) + 0.5·ln(0.5/0.75); row 1: 1·ln(1/0.5) (the A = 0 term is 0)
    const kl0 = 0.5 * Math.log(2) + 0.5 * Math.log(2 / 3);
    const kl1 = Math.log(2);
    expect(e.meanRowKL).toBeCloseTo((kl0 + kl1) / 2, 15);
    expect(e.maxRowSumDev).toBe(0);
  });

  it('the exact map against itself: no error', () => {
    const a = [0.2, 0.3, 0.5, 0, 0, 1];
    expect(mapErrors(a, a, 2, 3)).toEqual({ meanRowL1: 0, meanRowKL: 0, maxRowSumDev: 0 });
  });

  it('row-sum deviation is the largest |Σ_j Â_ij − 1|', () => {
    const e = mapErrors([0.5, 0.7, 0.25, 0.25, 0.3, 0.3], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], 3, 2);
    expect(e.maxRowSumDev).toBeCloseTo(0.5, 15);
  });

  it('KL is null when Â has a negative entry anywhere', () => {
    const e = mapErrors([0.5, 0.5, 1.2, -0.2], [0.5, 0.5, 0.9, 0.1], 2, 2);
    expect(e.meanRowKL).toBeNull();
    expect(e.meanRowL1).toBeCloseTo(0.3, 15);
    expect(e.maxRowSumDev).toBeCloseTo(0, 15);
  });

  it('KL is Infinity when Â = 0 where A > 0, and ignores Â where A = 0', () => {
    expect(mapErrors([1, 0], [0.5, 0.5], 1, 2).meanRowKL).toBe(Infinity);
    expect(mapErrors([0.5, 0.5], [1, 0], 1, 2).meanRowKL).toBeCloseTo(Math.log(2), 15);
  });

  it('throws when the lengths do not match', () => {
    expect(() => mapErrors([1, 0], [1, 0, 0], 1, 2)).toThrow(/expected 1×2 = 2 values/);
  });

  it('property: KL ≥ 0 between probability rows (Gibbs), 0 only for equal rows; L1 ≤ 2', () => {
    const probs = fc
      .array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 })
      .map((w) => {
        const s = w.reduce((a, b) => a + b, 0);
        return w.map((x) => x / s);
      });
    fc.assert(
      fc.property(probs, probs, (a, b) => {
        const e = mapErrors(a, b, 1, 4);
        expect(e.meanRowKL).not.toBeNull();
        expect(e.meanRowKL!).toBeGreaterThanOrEqual(-1e-12);
        expect(e.meanRowL1).toBeLessThanOrEqual(2 + 1e-12);
        // Pinsker: KL ≥ ½‖A − Â‖₁²
        expect(e.meanRowKL!).toBeGreaterThanOrEqual(0.5 * e.meanRowL1 ** 2 - 1e-12);
        expect(e.maxRowSumDev).toBeLessThan(1e-12);
      }),
    );
  });
});
