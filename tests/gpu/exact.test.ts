// Exact attention kernels (flash, materialized, map) against the float64 reference on the
// shapes the foundation issue names: N ∈ {1, 7, 64, 100, 1000}, d ∈ {1, 3, 64, 128}, causal
// and not, several heads, large logits. Tolerance (issue 2): |Δ| ≤ 1e-5 + 1e-4·|ref|.
import { describe, it, expect, beforeAll } from 'vitest';
import { testGpu } from './setup';
import { expectClose, logitRoundingAllowance, randomInputs, releaseInputs, runPoisoned, uploadInputs } from './harness';
import type { Gpu } from '../../src/gpu/gpu';
import { exactVariant } from '../../src/attention/exact/variant';
import { exactReference } from '../../src/attention/exact/reference';
import type { MapRequest, Shape } from '../../src/attention/types';
import { GpuError } from '../../src/gpu/errors';
import { timePlan } from '../../src/gpu/timing';

const ATOL = 1e-5;
const RTOL = 1e-4;

let gpu: Gpu;
beforeAll(async () => {
  gpu = await testGpu();
});

let seed = 1000;

async function check(shape: Shape, impl: 'flash' | 'materialized', qScale = 1, maps: MapRequest[] = []) {
  const x = randomInputs(shape, seed++, qScale);
  const ref = exactReference(x, { withMap: maps.length > 0 || qScale > 1 });
  // logits beyond ~±20 get the f32 logit-rounding allowance on top of the spec tolerance (see harness)
  const extra = qScale > 1 ? logitRoundingAllowance(x, ref.out, ref.map!) : undefined;
  const inputs = uploadInputs(gpu, x);
  try {
    const { out, plan } = await runPoisoned(gpu, exactVariant, shape, { impl }, inputs);
    const label = `${impl} N=${shape.n} d=${shape.d} dv=${shape.dv} H=${shape.heads}${shape.causal ? ' causal' : ''} ×${qScale}`;
    expectClose(out, ref.out, ATOL, RTOL, label, extra);
    for (const req of maps) {
      const w = await plan.readMap!(req);
      const n = shape.n;
      let want: number[];
      if (req.kind === 'rows') {
        want = Array.from(ref.map!.subarray((req.head * n + req.row0) * n, (req.head * n + req.row0 + req.rows) * n));
      } else {
        want = pooledRef(ref.map!, shape, req.head, req.pool);
      }
      expect([w.rows, w.cols]).toEqual(req.kind === 'rows' ? [req.rows, n] : [Math.ceil(n / req.pool), Math.ceil(n / req.pool)]);
      expectClose(w.data, want, 1e-6, 1e-4, `${label} map ${JSON.stringify(req)}`);
    }
    plan.destroy();
  } finally {
    releaseInputs(gpu, inputs);
  }
}

/** Block means of the reference map (edge blocks average over the cells they have). */
function pooledRef(map: Float64Array, shape: Shape, head: number, pool: number): number[] {
  const n = shape.n;
  const pc = Math.ceil(n / pool);
  const out: number[] = [];
  for (let a = 0; a < pc; a++) {
    for (let b = 0; b < pc; b++) {
      let s = 0;
      let c = 0;
      for (let i = a * pool; i < Math.min(n, (a + 1) * pool); i++) {
        for (let j = b * pool; j < Math.min(n, (b + 1) * pool); j++) {
          s += map[(head * n + i) * n + j];
          c++;
        }
      }
      out.push(s / c);
    }
  }
  return out;
}

describe('flash kernel vs float64 reference', () => {
  for (const n of [1, 7, 64, 100, 1000]) {
    for (const d of [1, 3, 64, 128]) {
      for (const causal of [false, true]) {
        // the largest shapes once per d with 1 head; small ones with 3 heads
        const heads = n >= 1000 ? 1 : 3;
        it(`N=${n} d=${d} H=${heads}${causal ? ' causal' : ''}`, () => check({ n, d, dv: d, heads, causal }, 'flash'));
      }
    }
  }
  it('value dimension different from d (d=5, dv=17)', () => check({ n: 77, d: 5, dv: 17, heads: 2, causal: false }, 'flash'));
  it('d = 256 (the largest bucket)', () => check({ n: 70, d: 256, dv: 256, heads: 1, causal: true }, 'flash'));
  it('large logits (Q × 30) stay finite, within f32 logit rounding', () => check({ n: 300, d: 64, dv: 64, heads: 2, causal: false }, 'flash', 30));
  it('large logits (Q × 30), causal', () => check({ n: 129, d: 16, dv: 16, heads: 1, causal: true }, 'flash', 30));
  it('large logits (Q × 30) at d = 3 meet the plain spec tolerance', async () => {
    // small d keeps the logits' rounding far below 1e-5: no allowance needed
    const shape = { n: 200, d: 3, dv: 3, heads: 2, causal: false };
    const x = randomInputs(shape, 4242, 30);
    const inputs = uploadInputs(gpu, x);
    const { out, plan } = await runPoisoned(gpu, exactVariant, shape, { impl: 'flash' }, inputs);
    expectClose(out, exactReference(x).out, ATOL, RTOL, 'flash ×30 d=3');
    plan.destroy();
    releaseInputs(gpu, inputs);
  });
});

describe('materialized path vs float64 reference', () => {
  for (const [n, d] of [[1, 1], [7, 3], [100, 64], [257, 128]] as const) {
    for (const causal of [false, true]) {
      it(`N=${n} d=${d}${causal ? ' causal' : ''}`, () => check({ n, d, dv: d, heads: 2, causal }, 'materialized'));
    }
  }
  it('large logits (Q × 30)', () => check({ n: 200, d: 32, dv: 32, heads: 1, causal: true }, 'materialized', 30));
});

describe('map kernel vs float64 reference', () => {
  it('full map, several heads, causal', () =>
    check({ n: 100, d: 3, dv: 3, heads: 2, causal: true }, 'flash', 1, [{ kind: 'rows', head: 1, row0: 0, rows: 100 }]));
  it('a window of rows in the middle', () =>
    check({ n: 333, d: 64, dv: 64, heads: 1, causal: false }, 'flash', 1, [{ kind: 'rows', head: 0, row0: 117, rows: 29 }]));
  it('pooled overview (uneven edge blocks), causal and not', async () => {
    await check({ n: 203, d: 7, dv: 7, heads: 2, causal: false }, 'flash', 1, [{ kind: 'pooled', head: 1, pool: 16 }]);
    await check({ n: 203, d: 7, dv: 7, heads: 1, causal: true }, 'flash', 1, [{ kind: 'pooled', head: 0, pool: 10 }]);
  });
  it('large logits (Q × 30) give finite probabilities', () =>
    check({ n: 150, d: 64, dv: 64, heads: 1, causal: false }, 'flash', 30, [{ kind: 'rows', head: 0, row0: 0, rows: 150 }]));
  it('rejects windows outside the map with a clear message', async () => {
    const shape = { n: 10, d: 2, dv: 2, heads: 1, causal: false };
    const x = randomInputs(shape, 7);
    const inputs = uploadInputs(gpu, x);
    const plan = await exactVariant.plan(gpu, shape, { impl: 'flash' }, inputs);
    await expect(plan.readMap!({ kind: 'rows', head: 0, row0: 5, rows: 6 })).rejects.toThrow(/runs past N = 10/);
    await expect(plan.readMap!({ kind: 'rows', head: 1, row0: 0, rows: 1 })).rejects.toThrow(/head 1/);
    plan.destroy();
    releaseInputs(gpu, inputs);
  });
});

describe('long work, dispatch limits, timing', () => {
  it('a forward split across many submits gives the same result', async () => {
    const saved = gpu.maxFlopsPerSubmit;
    gpu.maxFlopsPerSubmit = 2e5; // forces one row block per part
    try {
      const shape = { n: 301, d: 8, dv: 8, heads: 2, causal: true };
      const x = randomInputs(shape, 77);
      const inputs = uploadInputs(gpu, x);
      const { out, plan } = await runPoisoned(gpu, exactVariant, shape, { impl: 'flash' }, inputs);
      expect(plan.parts).toBe(Math.ceil(301 / 64));
      expectClose(out, exactReference(x).out, ATOL, RTOL, 'split flash');
      // map windows are split too
      const w = await plan.readMap!({ kind: 'rows', head: 1, row0: 3, rows: 200 });
      expectClose(w.data, exactReference(x).map!.subarray((301 + 3) * 301, (301 + 203) * 301), 1e-6, 1e-4, 'split map');
      plan.destroy();
      releaseInputs(gpu, inputs);
    } finally {
      gpu.maxFlopsPerSubmit = saved;
    }
  });

  it('more workgroups than maxComputeWorkgroupsPerDimension are folded into 2-D', async () => {
    const max = gpu.limits.maxComputeWorkgroupsPerDimension;
    const heads = max + 5; // one row block per head → max + 5 workgroups
    const shape = { n: 3, d: 1, dv: 1, heads, causal: false };
    const x = randomInputs(shape, 5);
    const inputs = uploadInputs(gpu, x);
    const { out, plan } = await runPoisoned(gpu, exactVariant, shape, { impl: 'flash' }, inputs);
    expectClose(out, exactReference(x).out, ATOL, RTOL, 'folded grid');
    plan.destroy();
    releaseInputs(gpu, inputs);
  });

  it('an allocation over the adapter limit is a clear limit error', async () => {
    const n = 32768; // materialized S: 32768² · 4 B = 4 GiB
    const shape = { n, d: 1, dv: 1, heads: 1, causal: false };
    const inputs = uploadInputs(gpu, randomInputs(shape, 3));
    const err = await exactVariant.plan(gpu, shape, { impl: 'materialized' }, inputs).catch((e) => e);
    expect(err).toBeInstanceOf(GpuError);
    expect((err as GpuError).status).toBe('skipped-limit');
    expect((err as GpuError).message).toMatch(/exact\.scores.*maxBufferSize/);
    releaseInputs(gpu, inputs);
  });

  it('timing: timestamp queries when available, wall clock as the fallback; sane statistics', async () => {
    const shape = { n: 128, d: 16, dv: 16, heads: 1, causal: false };
    const inputs = uploadInputs(gpu, randomInputs(shape, 9));
    const plan = await exactVariant.plan(gpu, shape, { impl: 'flash' }, inputs);
    const ts = await timePlan(gpu, plan, { trials: 3, warmup: 1, minSpanMs: 2 });
    expect(ts.source).toBe(gpu.hasTimestamps ? 'timestamp' : 'wall');
    const wall = await timePlan(gpu, plan, { trials: 3, warmup: 1, minSpanMs: 2, forceWall: true });
    expect(wall.source).toBe('wall');
    for (const t of [ts, wall]) {
      expect(t.samplesMs).toHaveLength(3);
      expect(t.minMs).toBeGreaterThan(0);
      expect(t.minMs).toBeLessThanOrEqual(t.medianMs);
      expect(t.medianMs).toBeLessThanOrEqual(t.p90Ms);
      expect(t.repeats).toBeGreaterThanOrEqual(1);
    }
    plan.destroy();
    releaseInputs(gpu, inputs);
  });
});
