// The stream engine on the GPU against the float64 oracles (docs/spec/variants.md §2, issue 3):
// CoRe equals exact window attention (all rows) and CoSi its last row; Continual Nyström with
// fixed landmarks equals batch Nyström with the same landmarks at every step, with continual
// landmarks batch segment-means Nyström whenever t + 1 is a multiple of N/m; retroactive rows are
// all checked; a 20 000-step stream with large logits stays finite and within 1e-3 of exact.
import { describe, it, expect, beforeAll } from 'vitest';
import { testGpu } from './setup';
import { expectClose, releaseInputs, runPoisoned, uploadInputs } from './harness';
import type { Gpu } from '../../src/gpu/gpu';
import { StreamEngine, type StreamBatchResult, type StreamConfig } from '../../src/attention/continual/ring';
import {
  continualLandmarksAt, exactWindow, nystromWindow, scaleLandmarks, windowOf, type Stream64,
} from '../../src/attention/continual/reference';
import { calibrationLandmarks } from '../../src/attention/continual/kmeans';
import { nystromHead } from '../../src/attention/nystrom/reference';
import { opsConysSingleFixed, opsConysSingleUpdate, opsCoRe } from '../../src/attention/continual/ops';
import { getVariant, validateRun } from '../../src/attention/registry';
import { Rng } from '../../src/workloads/rng';
import { asAttentionTensor } from '../../src/workloads/npy';
import { loadVectorCases } from '../vectors';

let gpu: Gpu;
beforeAll(async () => {
  gpu = await testGpu();
});

/** H seeded streams (f32-rounded), head-major: q, k H×T×d, v H×T×dv. */
function makeStream(heads: number, steps: number, d: number, dv: number, seed: number, qScale = 1): { heads: Stream64[]; q: Float32Array; k: Float32Array; v: Float32Array } {
  const rng = new Rng(seed);
  const gen = (len: number, s: number) => Float32Array.from({ length: len }, () => rng.normal() * s);
  const q = gen(heads * steps * d, qScale);
  const k = gen(heads * steps * d, 1);
  const v = gen(heads * steps * dv, 1);
  const list = Array.from({ length: heads }, (_, h) => ({
    steps, d, dv,
    q: Float64Array.from(q.subarray(h * steps * d, (h + 1) * steps * d)),
    k: Float64Array.from(k.subarray(h * steps * d, (h + 1) * steps * d)),
    v: Float64Array.from(v.subarray(h * steps * dv, (h + 1) * steps * dv)),
  }));
  return { heads: list, q, k, v };
}

/** Streams all steps through the engine in batches; calls `check` with every batch. */
async function runStream(engine: StreamEngine, s: ReturnType<typeof makeStream>, steps: number, check: (r: StreamBatchResult) => void) {
  const H = s.heads.length;
  const { d, dv } = s.heads[0];
  const T = s.heads[0].steps;
  for (let t0 = 0; t0 < steps; t0 += engine.batch) {
    const n = Math.min(engine.batch, steps - t0);
    const cut = (a: Float32Array, w: number) => {
      const out = new Float32Array(H * n * w);
      for (let h = 0; h < H; h++) out.set(a.subarray((h * T + t0) * w, (h * T + t0 + n) * w), h * n * w);
      return out;
    };
    check(await engine.run({ q: cut(s.q, d), k: cut(s.k, d), v: cut(s.v, dv), steps: n }));
  }
}

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

/**
 * Checks a batch: newest rows against want(h, t) (count×dv, last row = newest), and with windows
 * every row of the window. Tolerance |Δ| ≤ atol (absolute: values are O(1)).
 */
function checkBatch(r: StreamBatchResult, cfg: StreamConfig, first: number, want: (h: number, t: number) => Float64Array, atol: number, label: string) {
  const { n, dv, heads } = cfg;
  for (let h = 0; h < heads; h++) {
    for (let k = 0; k < r.steps; k++) {
      const t = r.t0 + k;
      if (t < first) continue;
      const w = want(h, t);
      const count = windowOf(t, n).count;
      expect(w.length).toBe(count * dv);
      const got = r.newest.subarray((h * r.steps + k) * dv, (h * r.steps + k + 1) * dv);
      expectClose(got, w.subarray((count - 1) * dv), atol, 0, `${label} head ${h} step ${t} newest`);
      if (r.windows) {
        const win = r.windows.subarray((h * r.steps + k) * n * dv, (h * r.steps + k) * n * dv + count * dv);
        expectClose(win, w, atol, 0, `${label} head ${h} step ${t} window rows`);
      }
    }
  }
}

describe('CoSi and CoRe equal exact window attention', () => {
  it('CoSi: the newest row at every step (warm-up included), two heads, dv ≠ d', async () => {
    const cfg: StreamConfig = { method: 'cosi', n: 10, d: 5, dv: 3, heads: 2 };
    const s = makeStream(2, 37, 5, 3, 1);
    const e = await StreamEngine.create(gpu, cfg, { batch: 16 });
    await runStream(e, s, 37, (r) => checkBatch(r, cfg, 0, (h, t) => exactWindow(s.heads[h], t, 10), 2e-6, 'cosi'));
    expect(e.totals.fullSteps).toBe(37 - 9);
    e.destroy();
  });

  it('a timed batch reports its GPU time (timestamp queries) and the same outputs', async () => {
    const cfg: StreamConfig = { method: 'core', n: 6, d: 4, dv: 4, heads: 1 };
    const s = makeStream(1, 12, 4, 4, 8);
    const tok = { q: s.q, k: s.k, v: s.v, steps: 12 };
    const plain = await StreamEngine.create(gpu, cfg, { batch: 12 });
    const timed = await StreamEngine.create(gpu, cfg, { batch: 12 });
    const a = await plain.run(tok);
    const b = await timed.run(tok, { timed: true });
    expect(Array.from(b.newest)).toEqual(Array.from(a.newest));
    if (gpu.hasTimestamps) expect(b.gpuMs).toBeGreaterThanOrEqual(0);
    else expect(b.gpuMs).toBeUndefined();
    plain.destroy();
    timed.destroy();
  });

  it('CoRe: every row of the window at every step', async () => {
    const cfg: StreamConfig = { method: 'core', n: 9, d: 4, dv: 6, heads: 2 };
    const s = makeStream(2, 40, 4, 6, 2);
    const e = await StreamEngine.create(gpu, cfg, { batch: 13, keepWindows: true });
    await runStream(e, s, 40, (r) => checkBatch(r, cfg, 0, (h, t) => exactWindow(s.heads[h], t, 9), 2e-6, 'core'));
    e.destroy();
  });

  it('the independent stream vectors (CoSi and CoRe newest outputs)', async () => {
    for (const c of loadVectorCases().filter((x) => x.variant === 'cosi' || x.variant === 'core')) {
      const q = asAttentionTensor(c.tensors.q, 'q.npy');
      const k = asAttentionTensor(c.tensors.k, 'k.npy');
      const v = asAttentionTensor(c.tensors.v, 'v.npy');
      const want = asAttentionTensor(c.tensors.out, 'out.npy');
      const n = Number(c.params.window);
      const T = q.n;
      const cfg: StreamConfig = { method: c.variant as 'cosi' | 'core', n, d: q.d, dv: v.d, heads: 1 };
      const e = await StreamEngine.create(gpu, cfg, { batch: 32 });
      const s = { heads: [], q: Float32Array.from(q.data), k: Float32Array.from(k.data), v: Float32Array.from(v.data) };
      const got = new Float32Array((T - n + 1) * v.d);
      await runStream(e, { ...s, heads: [{ steps: T, d: q.d, dv: v.d, q: q.data, k: k.data, v: v.data }] }, T, (r) => {
        for (let kk = 0; kk < r.steps; kk++) {
          const t = r.t0 + kk;
          if (t >= n - 1) got.set(r.newest.subarray(kk * v.d, (kk + 1) * v.d), (t - n + 1) * v.d);
        }
      });
      expect(want.n).toBe(T - n + 1);
      expectClose(got, want.data, 1e-5 * Math.max(1, maxAbs(want.data)), 0, c.name);
      e.destroy();
    }
  });
});

describe('Continual Nyström', () => {
  it('fixed landmarks: batch Nyström with the same landmarks at every step (single output and every retroactive row)', async () => {
    const n = 12;
    const m = 3;
    const s = makeStream(2, 41, 6, 4, 3);
    const lm = s.heads.map((h) => calibrationLandmarks(h.q, h.k, n, 6, m, 7));
    const fixed = { q: Float32Array.from(lm.flatMap((x) => Array.from(x.q))), k: Float32Array.from(lm.flatMap((x) => Array.from(x.k))) };
    // the f64 oracle uses the same f32 landmarks the GPU gets
    const scaled = lm.map((_, h) => scaleLandmarks({ q: fixed.q.subarray(h * m * 6, (h + 1) * m * 6), k: fixed.k.subarray(h * m * 6, (h + 1) * m * 6) }, 6));
    for (const output of ['single', 'retroactive'] as const) {
      const cfg: StreamConfig = { method: 'conys', n, d: 6, dv: 4, heads: 2, m, output, landmarks: 'fixed', fixedLandmarks: fixed };
      const e = await StreamEngine.create(gpu, cfg, { batch: 16, keepWindows: output === 'retroactive' });
      await runStream(e, s, 41, (r) => {
        if (output === 'retroactive') expect(r.windows).toBeDefined();
        checkBatch(r, cfg, 0, (h, t) => nystromWindow(s.heads[h], t, n, scaled[h], m, 6), 1e-4, `conys fixed ${output}`);
      });
      e.destroy();
    }
  });

  it('continual landmarks: batch segment-means Nyström when t + 1 is a multiple of N/m, the last m blocks’ means in between', async () => {
    const n = 12;
    const m = 3; // blocks of 4
    const s = makeStream(1, 45, 4, 5, 4);
    for (const output of ['single', 'retroactive'] as const) {
      const cfg: StreamConfig = { method: 'conys', n, d: 4, dv: 5, heads: 1, m, output, landmarks: 'continual' };
      // retroactive without keeping the windows: the emitted windows must not touch the newest rows
      const e = await StreamEngine.create(gpu, cfg, { batch: 10 });
      expect(e.firstValidStep).toBe(n - 1);
      let aligned = 0;
      await runStream(e, s, 45, (r) => {
        // aligned steps: the plain batch Nyström of the window (segment means, no landmark bookkeeping)
        checkBatch({ ...r }, cfg, n - 1, (_h, t) => {
          if ((t + 1) % (n / m) === 0) {
            aligned++;
            const { start } = windowOf(t, n);
            const w = s.heads[0];
            return nystromHead(w.q.subarray(start * 4, (start + n) * 4), w.k.subarray(start * 4, (start + n) * 4), w.v.subarray(start * 5, (start + n) * 5), n, 4, 5, { m, iters: 6 }).out;
          }
          return nystromWindow(s.heads[0], t, n, continualLandmarksAt(s.heads[0], t, n, m)!, m, 6);
        }, 1e-4, `conys continual ${output}`);
      });
      expect(aligned).toBe(Math.floor(45 / 4) - 2); // steps 11, 15, …, 43
      // the counter charges the update count on landmark steps: its total is the paper's average
      const fixedOps = opsConysSingleFixed(n, 4, m);
      const updateOps = opsConysSingleUpdate(n, 4, m);
      if (output === 'single') expect(e.totals.ops).toBe(aligned * updateOps + (45 - 11 - aligned) * fixedOps);
      e.destroy();
    }
  });

  it('continual landmarks need m | N (a clear error)', async () => {
    await expect(StreamEngine.create(gpu, { method: 'conys', n: 10, d: 4, dv: 4, heads: 1, m: 4, landmarks: 'continual' })).rejects.toThrow(/m must divide N: N = 10, m = 4 does not \(m could be 1, 2, 5, 10\)/);
    const v = getVariant('conys');
    expect(validateRun(v, { n: 10, d: 4, dv: 4, heads: 1, causal: false }, { ...Object.fromEntries(v.params.map((p) => [p.name, p.default])), m: 4, landmarks: 'continual' }).join('; ')).toMatch(/m must divide N/);
  });
});

describe('baselines recomputed every step', () => {
  it('exact and Nyström over the window (all rows)', async () => {
    const n = 8;
    const s = makeStream(1, 20, 4, 4, 5);
    for (const method of ['exact', 'nystrom'] as const) {
      const cfg: StreamConfig = { method, n, d: 4, dv: 4, heads: 1, m: 2 };
      const e = await StreamEngine.create(gpu, cfg, { batch: 8, keepWindows: true });
      await runStream(e, s, 20, (r) => checkBatch(r, cfg, n - 1, (_h, t) => {
        const { start } = windowOf(t, n);
        const w = s.heads[0];
        const sl = (a: Float64Array) => a.subarray(start * 4, (start + n) * 4);
        return method === 'exact' ? exactWindow(w, t, n) : nystromHead(sl(w.q), sl(w.k), sl(w.v), n, 4, 4, { m: 2, iters: 6 }).out;
      }, 1e-4, method));
      e.destroy();
    }
  });
});

describe('float32 stability over a long stream', () => {
  // 20 000 steps with logits up to about ±100 (exp would overflow without the offsets). A small
  // window and head dimension keep it to seconds on SwiftShader: 500 steps per submit.
  const T = 20_000;
  const n = 16;
  const d = 4;
  const s = makeStream(1, T, d, d, 6, 30);
  const w = s.heads[0];

  /** Streams `steps` steps through CoRe; worst |Δ| over every row of every full window. */
  async function core(steps: number, refresh: number | undefined, guard: boolean) {
    const cfg: StreamConfig = { method: 'core', n, d, dv: d, heads: 1, refresh, guard };
    const e = await StreamEngine.create(gpu, cfg, { batch: 500, keepWindows: true });
    let worst = 0;
    let finite = true;
    await runStream(e, s, steps, (r) => {
      for (let k = 0; k < r.steps; k++) {
        const t = r.t0 + k;
        if (t < n - 1) continue;
        const want = exactWindow(w, t, n);
        const got = r.windows!.subarray(k * n * d, (k + 1) * n * d);
        for (let i = 0; i < n * d; i++) {
          if (!Number.isFinite(got[i])) finite = false;
          else worst = Math.max(worst, Math.abs(got[i] - want[i]));
        }
      }
    });
    const totals = { ...e.totals };
    e.destroy();
    return { worst, finite, totals };
  }

  /** Streams `steps` steps through single-output Continual Nyström with fixed landmarks; worst |Δ| of every 5th newest row. */
  async function conys(steps: number, refresh: number | undefined, guard: boolean) {
    const m = 2;
    const lm = calibrationLandmarks(w.q, w.k, n, d, m, 1);
    const fixed = { q: Float32Array.from(lm.q), k: Float32Array.from(lm.k) };
    const scaled = scaleLandmarks(fixed, d);
    const cfg: StreamConfig = { method: 'conys', n, d, dv: d, heads: 1, m, output: 'single', landmarks: 'fixed', fixedLandmarks: fixed, refresh, guard };
    const e = await StreamEngine.create(gpu, cfg, { batch: 500 });
    let worst = 0;
    let finite = true;
    await runStream(e, s, steps, (r) => {
      for (let k = 0; k < r.steps; k++) {
        const t = r.t0 + k;
        if (t < n - 1 || t % 5 !== 0) continue; // the f64 oracle recomputes the window's Nyström
        const want = nystromWindow(w, t, n, scaled, m, 6);
        for (let c = 0; c < d; c++) {
          const g = r.newest[k * d + c];
          if (!Number.isFinite(g)) finite = false;
          else worst = Math.max(worst, Math.abs(g - want[(n - 1) * d + c]));
        }
      }
    });
    const totals = { ...e.totals };
    e.destroy();
    return { worst, finite, totals };
  }

  it('the logits reach ±100', () => {
    let mx = 0;
    for (let t = 0; t < 2000; t++) for (let j = Math.max(0, t - n + 1); j <= t; j++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += w.q[t * d + c] * w.k[j * d + c];
      mx = Math.max(mx, Math.abs(dot / Math.sqrt(d)));
    }
    expect(mx).toBeGreaterThan(100);
  });

  it('CoRe with the default refresh: 20 000 steps, every row of every window finite and within 1e-3 of exact', async () => {
    const r = await core(T, undefined, true);
    expect(r.finite).toBe(true);
    expect(r.worst, `worst |Δ| ${r.worst}`).toBeLessThan(1e-3);
    expect(r.totals.refreshes).toBe(Math.floor(T / n));
    expect(r.totals.ops).toBe((T - n + 1) * opsCoRe(n, d));
  });

  it('Continual Nyström (fixed landmarks) with the default refresh: 20 000 steps within 1e-3 of batch Nyström', async () => {
    const r = await conys(T, undefined, true);
    expect(r.finite).toBe(true);
    expect(r.worst, `worst |Δ| ${r.worst}`).toBeLessThan(1e-3);
    expect(r.totals.refreshes).toBe(Math.floor(T / n));
  });

  it('without refresh and guard the same streams drift far from their oracles (what the stabilization prevents)', async () => {
    const c = await core(1500, 0, false);
    expect([c.totals.refreshes, c.totals.guardRecomputes]).toEqual([0, 0]);
    expect(!c.finite || c.worst > 1e-2, `CoRe worst |Δ| ${c.worst}`).toBe(true);
    const y = await conys(1500, 0, false);
    expect(!y.finite || y.worst > 1e-2, `Continual Nyström worst |Δ| ${y.worst}`).toBe(true);
  });
});

describe('batch runs of the streaming variants (one window)', () => {
  const shape = { n: 23, d: 5, dv: 4, heads: 2, causal: false };
  const rng = new Rng(9);
  const g = (len: number) => Float64Array.from(Float32Array.from({ length: len }, () => rng.normal()));
  const x = { shape, q: g(2 * 23 * 5), k: g(2 * 23 * 5), v: g(2 * 23 * 4) };
  for (const [id, params] of [
    ['cosi', {}],
    ['core', {}],
    ['conys', { m: 4, landmarks: 'fixed', output: 'single' }],
    ['conys', { m: 4, landmarks: 'fixed', output: 'retroactive', calib: 10, kseed: 3 }],
  ] as const) {
    it(`${id} ${JSON.stringify(params)} equals its reference`, async () => {
      const v = getVariant(id);
      const p = { ...Object.fromEntries(v.params.map((s) => [s.name, s.default])), ...params };
      expect(validateRun(v, shape, p)).toEqual([]);
      const inputs = uploadInputs(gpu, x);
      const { out, plan } = await runPoisoned(gpu, v, shape, p, inputs);
      const want = v.reference(x, p).out;
      expectClose(out, want, 1e-4 * maxAbs(want), 0, `${id} batch`);
      plan.destroy();
      releaseInputs(gpu, inputs);
    });
  }
  it('conys with continual landmarks over a window of m blocks is segment-means Nyström', async () => {
    const v = getVariant('conys');
    const shape2 = { n: 24, d: 5, dv: 4, heads: 1, causal: false };
    const x2 = { shape: shape2, q: g(24 * 5), k: g(24 * 5), v: g(24 * 4) };
    const p = { ...Object.fromEntries(v.params.map((s) => [s.name, s.default])), m: 6, landmarks: 'continual' };
    const inputs = uploadInputs(gpu, x2);
    const { out, plan } = await runPoisoned(gpu, v, shape2, p, inputs);
    const want = nystromHead(x2.q, x2.k, x2.v, 24, 5, 4, { m: 6, iters: 6 }).out;
    expectClose(out, want, 1e-4 * maxAbs(want), 0, 'conys continual batch');
    plan.destroy();
    releaseInputs(gpu, inputs);
  });
});
