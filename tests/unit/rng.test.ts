import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { Rng } from '../../src/workloads/rng';

/** First outputs of an independent Python implementation (tests/data/workloads/make.py). */
const fixtures = JSON.parse(
  readFileSync(new URL('../data/workloads/rng.json', import.meta.url), 'utf8'),
) as { seed: number; next: number[]; normal: number[]; int7: number[] }[];

function draws(n: number, f: () => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f();
  return out;
}

function moments(x: Float64Array) {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const v of x) {
    const c = v - mean;
    m2 += c * c;
    m3 += c * c * c;
    m4 += c * c * c * c;
  }
  m2 /= x.length;
  m3 /= x.length;
  m4 /= x.length;
  return { mean, variance: m2, skew: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}

describe('Rng against an independent implementation (xoshiro128** seeded by SplitMix32)', () => {
  it.each(fixtures.map((f) => [f.seed, f] as const))('seed %d', (seed, f) => {
    const a = new Rng(seed);
    expect(draws(8, () => a.next())).toEqual(Float64Array.from(f.next));
    const b = new Rng(seed);
    const normals = draws(8, () => b.normal());
    // Python uses math.log, Rng a portable log: equal to rounding, not bit for bit
    normals.forEach((x, i) => expect(Math.abs(x - f.normal[i])).toBeLessThan(1e-14));
    const c = new Rng(seed);
    expect(Array.from({ length: 8 }, () => c.int(7))).toEqual(f.int7);
  });
});

describe('Rng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = draws(100, ((r) => () => r.next())(new Rng(99)));
    const b = draws(100, ((r) => () => r.next())(new Rng(99)));
    const c = draws(100, ((r) => () => r.next())(new Rng(100)));
    expect(a).toEqual(b);
    expect(a.filter((x, i) => x === c[i]).length).toBeLessThan(3);
  });

  it('reduces the seed modulo 2^32 and rejects non-integers', () => {
    expect(new Rng(-1).next()).toBe(new Rng(2 ** 32 - 1).next());
    expect(new Rng(2 ** 32 + 5).next()).toBe(new Rng(5).next());
    expect(() => new Rng(1.5)).toThrow(/integer/);
    expect(() => new Rng(NaN)).toThrow(/integer/);
  });

  it('next() is uniform on [0, 1)', () => {
    const r = new Rng(1);
    const x = draws(200_000, () => r.next());
    expect(x.every((v) => v >= 0 && v < 1)).toBe(true);
    const m = moments(x);
    // standard errors: mean 0.00065, variance ~0.00015
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(0.004);
    expect(Math.abs(m.variance - 1 / 12)).toBeLessThan(0.001);
    // chi-square over 20 bins (19 degrees of freedom; 99.99% quantile ≈ 49)
    const bins = new Array(20).fill(0);
    for (const v of x) bins[Math.floor(v * 20)]++;
    const expected = x.length / 20;
    const chi2 = bins.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(49);
  });

  it('normal() has the moments and quantiles of N(0, 1)', () => {
    const r = new Rng(2024);
    const x = draws(200_000, () => r.normal());
    const m = moments(x);
    expect(Math.abs(m.mean)).toBeLessThan(0.012); // 5.4 standard errors
    expect(Math.abs(m.variance - 1)).toBeLessThan(0.02);
    expect(Math.abs(m.skew)).toBeLessThan(0.03);
    expect(Math.abs(m.kurtosis - 3)).toBeLessThan(0.07);
    const frac = (f: (v: number) => boolean) => x.filter(f).length / x.length;
    expect(frac((v) => Math.abs(v) < 1)).toBeCloseTo(0.682689, 2);
    expect(frac((v) => Math.abs(v) < 2)).toBeCloseTo(0.954500, 2);
    expect(frac((v) => v < -1.6448536)).toBeCloseTo(0.05, 2);
  });

  it('normal() pairs are uncorrelated (the cached spare is independent of its partner)', () => {
    const r = new Rng(5);
    let sxy = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) sxy += r.normal() * r.normal();
    expect(Math.abs(sxy / n)).toBeLessThan(0.015);
  });

  it('int(n) covers 0 … n−1 uniformly', () => {
    const r = new Rng(3);
    const counts = new Array(7).fill(0);
    const n = 70_000;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const k = r.int(7);
      if (Number.isInteger(k) && k >= 0 && k < 7) counts[k]++;
      else outside++;
    }
    expect(outside).toBe(0);
    const chi2 = counts.reduce((s, o) => s + (o - n / 7) ** 2 / (n / 7), 0);
    expect(chi2).toBeLessThan(27); // 6 degrees of freedom, p ≈ 2e-4
    expect(new Rng(1).int(1)).toBe(0);
  });

  it('int(n) has no modulo bias for n close to 2^32', () => {
    // With a plain u mod n, n = 3·2^30 would give values below 2^30 half the time, not 1/3.
    const r = new Rng(11);
    const n = 3 * 2 ** 30;
    let low = 0;
    const draws = 30_000;
    for (let i = 0; i < draws; i++) if (r.int(n) < 2 ** 30) low++;
    expect(low / draws).toBeCloseTo(1 / 3, 1);
    const top = r.int(2 ** 32);
    expect(top >= 0 && top < 2 ** 32).toBe(true);
  });

  it('int(n) rejects n outside 1 … 2^32', () => {
    const r = new Rng(1);
    expect(() => r.int(0)).toThrow(RangeError);
    expect(() => r.int(2.5)).toThrow(RangeError);
    expect(() => r.int(2 ** 32 + 1)).toThrow(RangeError);
  });
});
