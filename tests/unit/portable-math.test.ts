import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { cosTurns, portableLog, sinTurns } from '../../src/workloads/portable-math';

describe('portableLog', () => {
  it('agrees with Math.log to a few ulp over the whole range', () => {
    const xs = [1, 2, 0.5, Math.E, 10, 0.1, 1 + 1e-12, 1 - 1e-12, 1.4142135623730951, 0.7071067811865476,
      2 ** -32, 1e-300, 5e-324, 2.2250738585072014e-308, 1e300, Number.MAX_VALUE];
    fc.assert(fc.property(fc.double({ min: 5e-324, max: Number.MAX_VALUE, noNaN: true }), (x) => {
      xs.push(x);
      return true;
    }), { numRuns: 2000 });
    for (const x of xs) {
      const want = Math.log(x);
      expect(Math.abs(portableLog(x) - want), `log(${x})`).toBeLessThanOrEqual(4.5e-16 * Math.abs(want) + 1e-300);
    }
  });

  it('handles the edge values', () => {
    expect(portableLog(1)).toBe(0);
    expect(portableLog(0)).toBe(-Infinity);
    expect(portableLog(Infinity)).toBe(Infinity);
    expect(portableLog(-1)).toBeNaN();
    expect(portableLog(NaN)).toBeNaN();
  });
});

describe('sinTurns / cosTurns', () => {
  it('hit the exact values at multiples of a quarter turn', () => {
    expect(sinTurns(0.25)).toBe(1);
    expect(cosTurns(0.5)).toBe(-1);
    expect(sinTurns(-0.25)).toBe(-1);
    expect(cosTurns(3)).toBe(1);
    expect(Math.abs(sinTurns(0.5))).toBe(0);
    expect(Math.abs(cosTurns(0.75))).toBe(0);
  });

  it('agree with Math.sin / Math.cos of 2πt', () => {
    fc.assert(fc.property(fc.double({ min: -50, max: 50, noNaN: true }), (t) => {
      // 2π·t itself rounds with an error ~|t|·1e-15, so compare with that tolerance
      const tol = 1e-15 * (8 + 2 * Math.PI * Math.abs(t));
      expect(Math.abs(sinTurns(t) - Math.sin(2 * Math.PI * t))).toBeLessThan(tol);
      expect(Math.abs(cosTurns(t) - Math.cos(2 * Math.PI * t))).toBeLessThan(tol);
    }), { numRuns: 3000 });
  });

  it('satisfy sin² + cos² = 1 and known values', () => {
    fc.assert(fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (t) => {
      const s = sinTurns(t);
      const c = cosTurns(t);
      expect(Math.abs(s * s + c * c - 1)).toBeLessThan(1e-15);
    }));
    expect(cosTurns(1 / 3)).toBeCloseTo(-0.5, 15);
    expect(sinTurns(1 / 12)).toBeCloseTo(0.5, 15);
    expect(sinTurns(1 / 8)).toBeCloseTo(Math.SQRT1_2, 15);
  });

  it('are NaN for non-finite angles', () => {
    expect(sinTurns(Infinity)).toBeNaN();
    expect(cosTurns(NaN)).toBeNaN();
  });
});
