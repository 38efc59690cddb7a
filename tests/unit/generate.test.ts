import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { generateInputs, toFloat32, type WorkloadOptions } from '../../src/workloads/generate';
import { parseNpy } from '../../src/workloads/npy';

const WORKLOADS = ['gaussian', 'smooth', 'clustered', 'local'] as const;
const FIXTURES = fileURLToPath(new URL('../data/workloads/', import.meta.url));

function opts(o: Partial<WorkloadOptions> = {}): WorkloadOptions {
  return { workload: 'gaussian', n: 16, d: 4, heads: 1, seed: 1, logitScale: 1, ...o };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function allFinite(a: Float64Array): boolean {
  return a.every((x) => Number.isFinite(x));
}

/** Softmax row i of q·kᵀ/√d for one head (q, k N×d). */
function softmaxRow(q: Float64Array, k: Float64Array, n: number, d: number, i: number): Float64Array {
  const p = new Float64Array(n);
  let max = -Infinity;
  for (let j = 0; j < n; j++) {
    let dot = 0;
    for (let c = 0; c < d; c++) dot += q[i * d + c] * k[j * d + c];
    p[j] = dot / Math.sqrt(d);
    max = Math.max(max, p[j]);
  }
  let sum = 0;
  for (let j = 0; j < n; j++) sum += (p[j] = Math.exp(p[j] - max));
  for (let j = 0; j < n; j++) p[j] /= sum;
  return p;
}

describe('generateInputs matches an independent NumPy implementation of its definitions', () => {
  const cases = readdirSync(FIXTURES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

  it('has fixtures for every workload', () => {
    const kinds = cases.map((c) => JSON.parse(readFileSync(join(FIXTURES, c, 'config.json'), 'utf8')).workload);
    expect(new Set(kinds)).toEqual(new Set(WORKLOADS));
  });

  it.each(cases)('%s', (name) => {
    const cfg = JSON.parse(readFileSync(join(FIXTURES, name, 'config.json'), 'utf8')) as WorkloadOptions;
    const got = generateInputs(cfg);
    for (const t of ['q', 'k', 'v'] as const) {
      const want = parseNpy(readFileSync(join(FIXTURES, name, `${t}.npy`)), `${name}/${t}.npy`);
      expect(want.shape).toEqual([cfg.heads, cfg.n, t === 'v' ? (cfg.dv ?? cfg.d) : cfg.d]);
      expect(got[t]).toHaveLength(want.data.length);
      // Python's libm vs the portable functions: equal to rounding
      expect(maxAbsDiff(got[t], want.data), t).toBeLessThan(1e-12);
    }
  });
});

describe('generateInputs', () => {
  it('lays out H×N×d for q, k and H×N×dv for v; dv defaults to d', () => {
    for (const workload of WORKLOADS) {
      const a = generateInputs(opts({ workload, n: 5, d: 3, dv: 2, heads: 4 }));
      expect([a.q.length, a.k.length, a.v.length]).toEqual([60, 60, 40]);
      const b = generateInputs(opts({ workload, n: 5, d: 3, heads: 2 }));
      expect(b.v.length).toBe(30);
    }
  });

  it('is deterministic and depends on the seed', () => {
    for (const workload of WORKLOADS) {
      const a = generateInputs(opts({ workload, seed: 9 }));
      const b = generateInputs(opts({ workload, seed: 9 }));
      const c = generateInputs(opts({ workload, seed: 10 }));
      expect(a).toEqual(b);
      expect(maxAbsDiff(a.q, c.q)).toBeGreaterThan(0.01);
      expect(maxAbsDiff(a.v, c.v)).toBeGreaterThan(0.01);
    }
  });

  it('gives every head its own stream, independent of the number of heads', () => {
    for (const workload of WORKLOADS) {
      const one = generateInputs(opts({ workload, n: 12, d: 4, heads: 1 }));
      const three = generateInputs(opts({ workload, n: 12, d: 4, heads: 3 }));
      expect(three.q.subarray(0, 48)).toEqual(one.q);
      expect(three.k.subarray(0, 48)).toEqual(one.k);
      expect(three.v.subarray(0, 48)).toEqual(one.v);
      expect(maxAbsDiff(three.q.subarray(0, 48), three.q.subarray(48, 96))).toBeGreaterThan(0.01);
      expect(maxAbsDiff(three.v.subarray(48, 96), three.v.subarray(96, 144))).toBeGreaterThan(0.01);
    }
  });

  it('q and k do not depend on dv', () => {
    for (const workload of WORKLOADS) {
      const a = generateInputs(opts({ workload, dv: 2 }));
      const b = generateInputs(opts({ workload, dv: 7 }));
      expect(a.q).toEqual(b.q);
      expect(a.k).toEqual(b.k);
    }
  });

  it('logitScale multiplies q only', () => {
    for (const workload of WORKLOADS) {
      const a = generateInputs(opts({ workload, logitScale: 1 }));
      const b = generateInputs(opts({ workload, logitScale: 2.5 }));
      expect(b.q).toEqual(a.q.map((x) => x * 2.5));
      expect(b.k).toEqual(a.k);
      expect(b.v).toEqual(a.v);
    }
  });

  it('is finite for any small shape, including d = 1 and N = 1', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...WORKLOADS),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (workload, n, d, dv, heads, seed) => {
          const x = generateInputs({ workload, n, d, dv, heads, seed, logitScale: 3 });
          return allFinite(x.q) && allFinite(x.k) && allFinite(x.v);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects invalid options', () => {
    expect(() => generateInputs(opts({ n: 0 }))).toThrow(/n must be an integer ≥ 1/);
    expect(() => generateInputs(opts({ d: 1.5 }))).toThrow(/d must be/);
    expect(() => generateInputs(opts({ dv: 0 }))).toThrow(/dv must be/);
    expect(() => generateInputs(opts({ heads: -1 }))).toThrow(/heads must be/);
    expect(() => generateInputs(opts({ seed: 0.5 }))).toThrow(/seed/);
    expect(() => generateInputs(opts({ logitScale: NaN }))).toThrow(/logitScale/);
    expect(() => generateInputs(opts({ workload: 'bogus' as never }))).toThrow(/unknown workload 'bogus'/);
  });
});

describe('workload character', () => {
  it('gaussian: entries have mean 0 and variance 1', () => {
    const { q, k, v } = generateInputs(opts({ n: 2000, d: 16 }));
    for (const x of [q, k, v]) {
      const mean = x.reduce((s, a) => s + a, 0) / x.length;
      const variance = x.reduce((s, a) => s + (a - mean) ** 2, 0) / x.length;
      expect(Math.abs(mean)).toBeLessThan(0.03);
      expect(Math.abs(variance - 1)).toBeLessThan(0.04);
    }
  });

  /** lag-1 autocorrelation along the tokens, averaged over channels */
  function lag1(x: Float64Array, n: number, d: number): number {
    let num = 0;
    let den = 0;
    for (let c = 0; c < d; c++) {
      let mean = 0;
      for (let t = 0; t < n; t++) mean += x[t * d + c] / n;
      for (let t = 0; t < n; t++) {
        const a = x[t * d + c] - mean;
        den += a * a;
        if (t + 1 < n) num += a * (x[(t + 1) * d + c] - mean);
      }
    }
    return num / den;
  }

  it('smooth: channels vary slowly along the sequence (unlike gaussian)', () => {
    const n = 1024;
    const d = 8;
    const s = generateInputs(opts({ workload: 'smooth', n, d }));
    const g = generateInputs(opts({ workload: 'gaussian', n, d }));
    for (const x of [s.q, s.k, s.v]) expect(lag1(x, n, d)).toBeGreaterThan(0.9);
    expect(Math.abs(lag1(g.q, n, d))).toBeLessThan(0.1);
  });

  it('clustered: tokens form clusters and each query attends mostly to its own cluster', () => {
    const n = 1024;
    const d = 64;
    const { q, k } = generateInputs(opts({ workload: 'clustered', n, d, seed: 3 }));
    // Same-cluster keys differ by noise only (distance ≈ 0.3·√(2d) ≈ 3.4); keys of two
    // centres are ≈ √(2d)·σ ≈ 12 apart. Group the keys by distance to a representative.
    const dist = (i: number, j: number) => {
      let s = 0;
      for (let c = 0; c < d; c++) s += (k[i * d + c] - k[j * d + c]) ** 2;
      return Math.sqrt(s);
    };
    const reps: number[] = [];
    const group = new Int32Array(n);
    for (let t = 0; t < n; t++) {
      const g = reps.findIndex((r) => dist(t, r) < 7);
      if (g >= 0) group[t] = g;
      else group[t] = reps.push(t) - 1;
    }
    expect(reps.length).toBe(Math.round(Math.sqrt(n))); // 32 centres
    let mass = 0;
    const rows = 64;
    for (let r = 0; r < rows; r++) {
      const i = r * 16;
      const p = softmaxRow(q, k, n, d, i);
      for (let j = 0; j < n; j++) if (group[j] === group[i]) mass += p[j] / rows;
    }
    expect(mass).toBeGreaterThan(0.9);
  });

  it('local: at logit scale 1 and d = 64 the softmax is banded around the diagonal', () => {
    const n = 4096;
    const d = 64;
    const { q, k } = generateInputs(opts({ workload: 'local', n, d, seed: 5 }));
    const rows = 32;
    let mean = 0;
    let min = 1;
    for (let r = 0; r < rows; r++) {
      const i = Math.floor(((r + 0.5) * n) / rows);
      const p = softmaxRow(q, k, n, d, i);
      let near = 0;
      for (let j = Math.max(0, i - 24); j <= Math.min(n - 1, i + 24); j++) near += p[j];
      mean += near / rows;
      min = Math.min(min, near);
    }
    expect(mean).toBeGreaterThan(0.95);
    expect(min).toBeGreaterThan(0.9);
  });

  it('local: the diagonal logit is about 12 whatever d is', () => {
    for (const d of [2, 8, 64, 128]) {
      const n = 64;
      const { q, k } = generateInputs(opts({ workload: 'local', n, d }));
      let mean = 0;
      for (let i = 0; i < n; i++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q[i * d + c] * k[i * d + c];
        mean += dot / Math.sqrt(d) / n;
      }
      expect(Math.abs(mean - 12), `d = ${d}`).toBeLessThan(1);
    }
  });

  it('runs at N = 65536, d = 64 (the largest exact-attention size)', () => {
    const x = generateInputs(opts({ workload: 'smooth', n: 65536, d: 64 }));
    expect(x.q).toHaveLength(65536 * 64);
    expect(allFinite(x.q) && allFinite(x.v)).toBe(true);
  });
});

describe('toFloat32', () => {
  it('rounds every value to the nearest float32', () => {
    const a = Float64Array.from([0, 1, -1.5, Math.PI, 1e-50, 1e50, 0.1]);
    const f = toFloat32(a);
    expect(f).toBeInstanceOf(Float32Array);
    expect(Array.from(f)).toEqual(Array.from(a, (x) => Math.fround(x)));
    expect(f[5]).toBe(Infinity);
  });
});
