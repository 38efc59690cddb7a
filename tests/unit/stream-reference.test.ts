// Streaming: the papers' per-step operation counts and the engine's counter, the float64
// stream references against the independent vectors, continual landmarks, k-means, and the
// configuration's messages.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  isLandmarkStep, opsAtStep, opsCoRe, opsCoSi, opsConysRetroFixed, opsConysRetroUpdate, opsConysSingleFixed, opsConysSingleUpdate,
  opsExact, opsNystromRecomputed, opsPerStep, ratioVsExact, stabilityOps,
} from '../../src/attention/continual/ops';
import { continualLandmarksAt, exactNewest, exactWindow, nystromWindow, streamNewest, windowOf, type Stream64 } from '../../src/attention/continual/reference';
import { calibrationLandmarks, kmeans } from '../../src/attention/continual/kmeans';
import { validateStreamConfig } from '../../src/attention/continual/config';
import { nystromHead, segmentMeans } from '../../src/attention/nystrom/reference';
import { asAttentionTensor, writeNpy } from '../../src/workloads/npy';
import { Rng } from '../../src/workloads/rng';
import { loadVectorCases } from '../vectors';
import { getVariant, validateRun, variantParams } from '../../src/attention/registry';
import { fixedLandmarks } from '../../src/attention/continual/landmarks';

function stream(steps: number, d: number, dv: number, seed: number): Stream64 {
  const rng = new Rng(seed);
  const g = (len: number) => Float64Array.from({ length: len }, () => rng.normal());
  return { steps, d, dv, q: g(steps * d), k: g(steps * d), v: g(steps * dv) };
}

describe('per-step multiplication counts (the papers’ formulas)', () => {
  const dims = fc.record({ n: fc.integer({ min: 1, max: 5000 }), d: fc.integer({ min: 1, max: 256 }), m: fc.integer({ min: 1, max: 256 }) });

  it('CoSi 2Nd + 2d, CoRe 7Nd + 2N − 3d, exact 2N²d + 2Nd (Hedegaard & Iosifidis)', () => {
    fc.assert(fc.property(dims, ({ n, d }) => {
      expect(opsPerStep('cosi', { n, d })).toBe(2 * n * d + 2 * d);
      expect(opsPerStep('core', { n, d })).toBe(7 * n * d + 2 * n - 3 * d);
      expect(opsPerStep('exact', { n, d })).toBe(2 * n * n * d + 2 * n * d);
    }));
    expect(opsCoSi(1024, 64)).toBe(131200);
    expect(opsCoRe(1024, 64)).toBe(458752 + 2048 - 192);
  });

  it('Continual Nyström (Carreto Picón et al.): fixed, continual as r·update + (1 − r)·fixed, Nyström recomputed', () => {
    fc.assert(fc.property(dims, ({ n, d, m }) => {
      expect(opsPerStep('conys', { n, d, m, output: 'single', landmarks: 'fixed' })).toBe(8 * d * m + m * m + 6 * m);
      expect(opsPerStep('conys', { n, d, m, output: 'retroactive', landmarks: 'fixed' })).toBe(n * d * m + 8 * d * m + m * m + 8 * m);
      const r = m / n;
      const su = n * d * m + 3 * n * d + n + 14 * d * m + 24 * m ** 3 + 23 * m * m + 20 * m;
      expect(opsConysSingleUpdate(n, d, m)).toBe(su);
      expect(opsPerStep('conys', { n, d, m, output: 'single', landmarks: 'continual' })).toBeCloseTo(r * su + (1 - r) * opsConysSingleFixed(n, d, m), 6);
      const ru = n * d * m + 6 * n * d + 9 * n + n * m * m + n * m + 13 * d * m + 24 * m ** 3 + 22 * m * m + 17 * m;
      expect(opsConysRetroUpdate(n, d, m)).toBe(ru);
      expect(opsPerStep('conys', { n, d, m, output: 'retroactive', landmarks: 'continual' })).toBeCloseTo(r * ru + (1 - r) * opsConysRetroFixed(n, d, m), 6);
      expect(opsPerStep('nystrom', { n, d, m })).toBe(4 * n * d * m + 2 * n * d + n * m * m + 2 * n * m + d * m * m + 24 * m ** 3 + 23 * m * m);
    }));
  });

  it('the headline ratios: ~1 675× at the audio setting N = 120, d = 12, m = 2; ≥ 100× at N = 1024, d = 64, m = 8', () => {
    const audio = ratioVsExact('conys', { n: 120, d: 12, m: 2, output: 'single', landmarks: 'fixed' });
    expect(Math.round(audio)).toBe(1675);
    expect(opsExact(120, 12)).toBe(348480);
    expect(opsConysSingleFixed(120, 12, 2)).toBe(208);
    const big = ratioVsExact('conys', { n: 1024, d: 64, m: 8, output: 'single', landmarks: 'fixed' });
    expect(big).toBeGreaterThan(100);
    expect(Math.round(big)).toBe(31927);
    expect(opsNystromRecomputed(1024, 64, 8)).toBe(4 * 1024 * 64 * 8 + 2 * 1024 * 64 + 1024 * 64 + 2 * 1024 * 8 + 64 * 64 + 24 * 512 + 23 * 64);
  });

  it('the engine’s counter charges the update count on landmark steps: its mean over any N/m consecutive steps is the averaged formula', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 10_000 }), fc.boolean(), (blocks, L, d, t0, retro) => {
      const m = blocks;
      const n = m * L;
      const s = { n, d, m, output: retro ? 'retroactive' as const : 'single' as const, landmarks: 'continual' as const };
      let sum = 0;
      for (let t = t0; t < t0 + L; t++) sum += opsAtStep('conys', s, t);
      expect(sum / L).toBeCloseTo(opsPerStep('conys', s), 6);
      // exactly one landmark step per period
      expect(Array.from({ length: L }, (_, i) => isLandmarkStep(t0 + i, n, m)).filter(Boolean)).toHaveLength(1);
    }));
    expect(opsAtStep('core', { n: 10, d: 4 }, 123)).toBe(opsCoRe(10, 4));
  });

  it('stability work is counted apart: a refresh recomputes every running sum, a guard recomputation one', () => {
    expect(stabilityOps('core', { n: 16, d: 4 }, 1, 0)).toBe(16 * 2 * 16 * 4);
    expect(stabilityOps('conys', { n: 16, d: 4, m: 2 }, 2, 3)).toBe(2 * 2 * 2 * 16 * 4 + 3 * 2 * 16 * 4);
    expect(stabilityOps('cosi', { n: 16, d: 4 }, 5, 0)).toBe(0);
  });
});

describe('float64 stream references', () => {
  const cases = loadVectorCases().filter((c) => c.variant === 'cosi' || c.variant === 'core');
  it('has both stream vectors', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(['stream-core-t40-window10-d4', 'stream-cosi-t40-window10-d4']);
  });
  it.each(cases.map((c) => [c.name, c] as const))('%s: the newest outputs match to 1e-12', (_name, c) => {
    const q = asAttentionTensor(c.tensors.q, 'q.npy');
    const k = asAttentionTensor(c.tensors.k, 'k.npy');
    const v = asAttentionTensor(c.tensors.v, 'v.npy');
    const want = asAttentionTensor(c.tensors.out, 'out.npy');
    const n = Number(c.params.window);
    const s: Stream64 = { steps: q.n, d: q.d, dv: v.d, q: q.data, k: k.data, v: v.data };
    const got = streamNewest(s, n);
    expect(got.length).toBe(want.data.length);
    let err = 0;
    let scale = 0;
    for (let i = 0; i < got.length; i++) {
      err = Math.max(err, Math.abs(got[i] - want.data[i]));
      scale = Math.max(scale, Math.abs(want.data[i]));
    }
    expect(err / scale).toBeLessThan(1e-12);
    // CoRe's window: its last row is CoSi's output
    for (let t = n - 1; t < s.steps; t += 7) {
      const win = exactWindow(s, t, n);
      const newest = exactNewest(s, t, n);
      for (let c = 0; c < v.d; c++) expect(win[(n - 1) * v.d + c]).toBeCloseTo(newest[c], 14);
    }
  });

  it('windows: partial during warm-up, then the last N tokens', () => {
    expect(windowOf(0, 5)).toEqual({ start: 0, count: 1 });
    expect(windowOf(4, 5)).toEqual({ start: 0, count: 5 });
    expect(windowOf(11, 5)).toEqual({ start: 7, count: 5 });
  });

  it('continual landmarks are the window’s segment means when t + 1 is a multiple of N/m', () => {
    const s = stream(50, 3, 2, 4);
    const n = 12;
    const m = 4;
    expect(continualLandmarksAt(s, 10, n, m)).toBeUndefined(); // fewer than m blocks so far
    const sc = 3 ** -0.25;
    for (const t of [11, 14, 23, 47]) {
      const lm = continualLandmarksAt(s, t, n, m)!;
      const { start } = windowOf(t, n);
      // stored in slot order (block b in slot b mod m): compare as sets through the Nyström output
      const seg = segmentMeans(s.q.subarray(start * 3, (start + n) * 3), n, 3, m, sc);
      const sorted = (a: Float64Array) => Array.from({ length: m }, (_, l) => Array.from(a.subarray(l * 3, l * 3 + 3))).sort((x, y) => x[0] - y[0]);
      const a = sorted(lm.q);
      const b = sorted(seg);
      for (let l = 0; l < m; l++) for (let c = 0; c < 3; c++) expect(a[l][c]).toBeCloseTo(b[l][c], 12);
      const viaLandmarks = nystromWindow(s, t, n, lm, m, 6);
      const batch = nystromHead(s.q.subarray(start * 3, (start + n) * 3), s.k.subarray(start * 3, (start + n) * 3), s.v.subarray(start * 2, (start + n) * 2), n, 3, 2, { m, iters: 6 }).out;
      for (let i = 0; i < batch.length; i++) expect(viaLandmarks[i]).toBeCloseTo(batch[i], 10);
    }
  });
});

describe('k-means landmarks', () => {
  it('are seeded and deterministic, and find well-separated clusters', () => {
    const rng = new Rng(1);
    const centres = [[10, 0], [0, 10], [-10, -10]];
    const x = new Float64Array(300 * 2);
    for (let i = 0; i < 300; i++) for (let c = 0; c < 2; c++) x[i * 2 + c] = centres[i % 3][c] + 0.1 * rng.normal();
    const a = kmeans(x, 300, 2, { k: 3, seed: 5 });
    expect(Array.from(kmeans(x, 300, 2, { k: 3, seed: 5 }))).toEqual(Array.from(a));
    const found = Array.from({ length: 3 }, (_, j) => [a[j * 2], a[j * 2 + 1]]);
    for (const c of centres) expect(found.some((f) => Math.hypot(f[0] - c[0], f[1] - c[1]) < 0.1)).toBe(true);
    expect(() => kmeans(x, 2, 2, { k: 3, seed: 1 })).toThrow(/needs at least 3 rows, got 2/);
  });

  it('calibration landmarks are unscaled centroids of the scaled prefix; files must be m×d', () => {
    const s = stream(40, 4, 4, 2);
    const lm = calibrationLandmarks(s.q, s.k, 20, 4, 1, 9);
    // one cluster: the mean of the prefix
    for (let c = 0; c < 4; c++) {
      let mean = 0;
      for (let i = 0; i < 20; i++) mean += s.q[i * 4 + c] / 20;
      expect(lm.q[c]).toBeCloseTo(mean, 12);
    }
    expect(() => fixedLandmarks({ calib: 3, seed: 1, heads: 1, m: 4, d: 4, steps: 40 }, s.q, s.k)).toThrow(/at least 4 tokens; it has 3/);
    expect(() => fixedLandmarks({ qland: 'x.npy', calib: 40, seed: 1, heads: 1, m: 4, d: 4, steps: 40 }, s.q, s.k)).toThrow(/give both qland and kland/);
    // files come as bytes from the host (the FileMap), keyed by the parameter's value
    const o = { qland: 'q.npy', kland: 'k.npy', calib: 40, seed: 1, heads: 1, m: 2, d: 4, steps: 40 };
    expect(() => fixedLandmarks(o, s.q, s.k)).toThrow(/qland: the landmark file q.npy was not given/);
    const ql = Float64Array.from({ length: 8 }, (_, i) => i);
    const files = new Map([['q.npy', writeNpy(ql, [2, 4])], ['k.npy', writeNpy(new Float32Array(12), [3, 4])]]);
    expect(() => fixedLandmarks(o, s.q, s.k, files)).toThrow(/kland: k.npy must hold m×d = 2×4 landmarks, got shape \(3, 4\)/);
    files.set('k.npy', writeNpy(Float32Array.from(ql, (x) => -x), [2, 4]));
    const lmFiles = fixedLandmarks(o, s.q, s.k, files);
    expect(Array.from(lmFiles.q)).toEqual(Array.from(ql));
    expect(Array.from(lmFiles.k)).toEqual(Array.from(ql, (x) => -x));
    expect(lmFiles.source).toBe('files q.npy, k.npy');
  });
});

describe('configuration messages', () => {
  it('the engine names every problem', () => {
    expect(validateStreamConfig({ method: 'cosi', n: 16, d: 4, dv: 4, heads: 1 })).toEqual([]);
    expect(validateStreamConfig({ method: 'core', n: 16, d: 300, dv: 4, heads: 1 })[0]).toMatch(/up to 256; got d = 300/);
    expect(validateStreamConfig({ method: 'conys', n: 16, d: 4, dv: 4, heads: 1, m: 32, landmarks: 'continual' })).toContain('m = 32 landmarks need a window of at least 32 tokens; N = 16');
    expect(validateStreamConfig({ method: 'conys', n: 12, d: 4, dv: 4, heads: 1, m: 5, landmarks: 'continual' })).toEqual(['continual landmarks average blocks of N/m tokens, so m must divide N: N = 12, m = 5 does not (m could be 1, 2, 3, 4, 6, 12)']);
    expect(validateStreamConfig({ method: 'conys', n: 12, d: 4, dv: 4, heads: 1, m: 3 })[0]).toMatch(/fixed landmarks need the landmarks/);
    expect(validateStreamConfig({ method: 'conys', n: 12, d: 4, dv: 4, heads: 2, m: 3, fixedLandmarks: { q: new Float32Array(12), k: new Float32Array(12) } })[0]).toMatch(/H×m×d = 2×3×4 each; got 12 and 12/);
    expect(validateStreamConfig({ method: 'core', n: 12, d: 4, dv: 4, heads: 1, refresh: -2 })).toEqual(['refresh must be an integer ≥ 0 (0 = never), got -2']);
  });

  it('the registry’s streaming variants: defaults validate, causal is refused, files and continual landmarks do not mix', () => {
    const shape = { n: 64, d: 8, dv: 8, heads: 1, causal: false };
    for (const id of ['cosi', 'core', 'conys']) {
      const v = getVariant(id);
      expect(validateRun(v, shape, variantParams(v))).toEqual([]);
      expect(validateRun(v, { ...shape, causal: true }, variantParams(v))[0]).toMatch(/has no causal form/);
    }
    const conys = getVariant('conys');
    expect(validateRun(conys, shape, variantParams(conys, { landmarks: 'continual', qland: 'a.npy', kland: 'b.npy' }))).toContain('landmark files give fixed landmarks: set landmarks=fixed, or leave qland and kland empty');
    expect(validateRun(conys, shape, variantParams(conys, { qland: 'a.npy' }))).toContain('give both qland and kland (query and key landmarks), or neither for k-means landmarks');
    expect(validateRun(conys, shape, variantParams(conys, { qland: 'a.npy', kland: 'b.npy' })).join('; ')).toMatch(/qland: the landmark file a.npy was not given.*kland: the landmark file b.npy was not given/);
    const bytes = new Map([['a.npy', new Uint8Array(0)], ['b.npy', new Uint8Array(0)]]);
    expect(validateRun(conys, shape, variantParams(conys, { qland: 'a.npy', kland: 'b.npy' }), bytes)).toEqual([]);
    expect(validateRun(conys, shape, variantParams(conys, { calib: 4 }))).toContain('k-means of m = 8 landmarks needs at least 8 calibration tokens; calib = 4');
    expect(conys.params.find((p) => p.name === 'm')!.csvColumn).toBe('rank_m');
    expect(conys.params.find((p) => p.name === 'iters')!.csvColumn).toBe('pinv_iters');
  });
});
