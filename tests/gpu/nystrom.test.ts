// Nyström kernels against the float64 reference on fresh seeded inputs (docs/spec/variants.md §1 and
// issue 3's oracles): same iteration count ≤ 1e-4·max|y| for iters ≤ 6; m = N with ≥ 25
// iterations ≈ exact attention; m = 1 gives identical rows; permuted landmarks give the same
// output; the map, its extras, long work split into parts, and the independent vectors.
import { describe, it, expect, beforeAll } from 'vitest';
import { testGpu } from './setup';
import { expectClose, randomInputs, releaseInputs, runPoisoned, uploadInputs } from './harness';
import type { Gpu } from '../../src/gpu/gpu';
import { runForward } from '../../src/gpu/timing';
import { nystromVariant } from '../../src/attention/nystrom/variant';
import { planNystrom } from '../../src/attention/nystrom/plan';
import { nystromReference, pinvResidual, segmentMeans, segmentOfToken } from '../../src/attention/nystrom/reference';
import { exactReference } from '../../src/attention/exact/reference';
import type { Inputs64, Shape } from '../../src/attention/types';
import { asAttentionTensor } from '../../src/workloads/npy';
import { Rng } from '../../src/workloads/rng';
import { loadVectorCases } from '../vectors';

let gpu: Gpu;
beforeAll(async () => {
  gpu = await testGpu();
});

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

let seed = 3000;

/** GPU output vs the float64 reference with the same iterations: |Δ| ≤ 1e-4·max|y| (issue 3). */
async function check(shape: Shape, m: number, iters: number, qScale = 1) {
  const x = randomInputs(shape, seed++, qScale);
  const ref = nystromReference(x, { m, iters, withMap: false });
  const inputs = uploadInputs(gpu, x);
  try {
    const { out, plan } = await runPoisoned(gpu, nystromVariant, shape, { m, iters }, inputs);
    expectClose(out, ref.out, 1e-4 * maxAbs(ref.out), 0, `nystrom N=${shape.n} d=${shape.d} dv=${shape.dv} H=${shape.heads} m=${m} iters=${iters}`);
    plan.destroy();
  } finally {
    releaseInputs(gpu, inputs);
  }
}

describe('GPU vs float64 Nyström, same iterations (≤ 1e-4·max|y|)', () => {
  it('N = 1, m = 1, d = 1', () => check({ n: 1, d: 1, dv: 1, heads: 1, causal: false }, 1, 6));
  it('N = 7, m = 3 (uneven segments), d = 3, three heads', () => check({ n: 7, d: 3, dv: 3, heads: 3, causal: false }, 3, 6));
  for (const iters of [1, 3, 6]) {
    it(`N = 100, m = 7, d = 64, two heads, iters = ${iters}`, () => check({ n: 100, d: 64, dv: 64, heads: 2, causal: false }, 7, iters));
  }
  it('N = 257, m = 64, d = 128, dv = 5 (tile edges everywhere)', () => check({ n: 257, d: 128, dv: 5, heads: 1, causal: false }, 64, 6));
  it('N = 1100, m = 64, d = 64 (split-K B·V)', () => check({ n: 1100, d: 64, dv: 64, heads: 1, causal: false }, 64, 6));
  it('m = N = 50, iters = 6', () => check({ n: 50, d: 8, dv: 8, heads: 2, causal: false }, 50, 6));
  it('large logits (Q × 10) stay finite and close', () => check({ n: 120, d: 16, dv: 16, heads: 1, causal: false }, 12, 6, 10));
});

describe('independent reference vectors', () => {
  const cases = loadVectorCases().filter((c) => c.variant === 'nystrom');
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const q = asAttentionTensor(c.tensors.q, 'q.npy');
    const k = asAttentionTensor(c.tensors.k, 'k.npy');
    const v = asAttentionTensor(c.tensors.v, 'v.npy');
    const want = asAttentionTensor(c.tensors.out, 'out.npy');
    // the GPU sees f32 inputs: compare with the float64 reference on those, then with the vector
    const x: Inputs64 = {
      shape: { n: q.n, d: q.d, dv: v.d, heads: q.heads, causal: false },
      q: Float64Array.from(Float32Array.from(q.data)),
      k: Float64Array.from(Float32Array.from(k.data)),
      v: Float64Array.from(Float32Array.from(v.data)),
    };
    const p = { m: Number(c.params.m), iters: Number(c.params.iters) };
    const inputs = uploadInputs(gpu, x);
    const { out, plan } = await runPoisoned(gpu, nystromVariant, x.shape, p, inputs);
    expectClose(out, nystromReference(x, p).out, 1e-4 * maxAbs(want.data), 0, `${c.name} vs f64 on f32 inputs`);
    expectClose(out, want.data, 1e-4 * maxAbs(want.data), 0, `${c.name} vs vector`);
    plan.destroy();
    releaseInputs(gpu, inputs);
  });
});

/** Self-attention-like inputs (keys near the queries), whose landmark matrix is well-conditioned. */
function selfInputs(shape: Shape, s: number, scale: number): Inputs64 {
  const rng = new Rng(s);
  const len = shape.heads * shape.n * shape.d;
  const q = Float64Array.from(Float32Array.from({ length: len }, () => rng.normal() * scale));
  const k = Float64Array.from(Float32Array.from(q, (x) => x + 0.1 * scale * rng.normal()));
  const v = Float64Array.from(Float32Array.from({ length: shape.heads * shape.n * shape.dv }, () => rng.normal()));
  return { shape, q, k, v };
}

describe('oracles on the GPU', () => {
  it('m = N with ≥ 25 iterations matches exact attention to 1e-4 relative (N ≤ 128)', async () => {
    for (const [n, iters, heads] of [[48, 25, 2], [96, 25, 1]] as const) {
      const shape = { n, d: 16, dv: 16, heads, causal: false };
      const x = selfInputs(shape, seed++, 1);
      const exact = exactReference(x, { withMap: false }).out;
      const inputs = uploadInputs(gpu, x);
      const { out, plan } = await runPoisoned(gpu, nystromVariant, shape, { m: n, iters }, inputs);
      expectClose(out, exact, 1e-4 * maxAbs(exact), 0, `m = N = ${n}, iters ${iters} vs exact`);
      // and the residual the UI shows is small
      const extras = await plan.extras!();
      const res = extras.find((e) => e.kind === 'metric' && e.id === 'pinv-residual');
      expect(res && res.kind === 'metric' && res.value!).toBeLessThan(1e-3);
      plan.destroy();
      releaseInputs(gpu, inputs);
    }
  });

  it('m = 1 gives identical rows', async () => {
    const shape = { n: 333, d: 8, dv: 5, heads: 2, causal: false };
    const x = randomInputs(shape, seed++);
    const inputs = uploadInputs(gpu, x);
    const { out, plan } = await runPoisoned(gpu, nystromVariant, shape, { m: 1, iters: 6 }, inputs);
    for (let h = 0; h < 2; h++) {
      const row0 = out.subarray(h * 333 * 5, h * 333 * 5 + 5);
      for (let i = 1; i < 333; i++) expect(Array.from(out.subarray((h * 333 + i) * 5, (h * 333 + i) * 5 + 5))).toEqual(Array.from(row0));
    }
    expectClose(out, nystromReference(x, { m: 1, iters: 6, withMap: false }).out, 1e-4 * maxAbs(out), 0, 'm = 1 vs f64');
    plan.destroy();
    releaseInputs(gpu, inputs);
  });

  it('permuting the landmarks leaves the output unchanged', async () => {
    const shape = { n: 90, d: 12, dv: 12, heads: 2, causal: false };
    const m = 6;
    const x = randomInputs(shape, seed++);
    const s4 = 12 ** -0.25;
    const ql = new Float32Array(2 * m * 12);
    const kl = new Float32Array(2 * m * 12);
    for (let h = 0; h < 2; h++) {
      ql.set(segmentMeans(x.q.subarray(h * 90 * 12), 90, 12, m, s4), h * m * 12);
      kl.set(segmentMeans(x.k.subarray(h * 90 * 12), 90, 12, m, s4), h * m * 12);
    }
    const perm = [4, 2, 0, 5, 1, 3];
    const permute = (a: Float32Array) => {
      const p = new Float32Array(a.length);
      for (let h = 0; h < 2; h++) perm.forEach((from, to) => p.set(a.subarray((h * m + from) * 12, (h * m + from + 1) * 12), (h * m + to) * 12));
      return p;
    };
    const inputs = uploadInputs(gpu, x);
    const outs: Float32Array[] = [];
    for (const [q, k] of [[ql, kl], [permute(ql), permute(kl)]]) {
      const lq = gpu.upload('test.ql', q);
      const lk = gpu.upload('test.kl', k);
      const plan = await planNystrom(gpu, shape, m, 6, inputs, { landmarks: { q: lq, k: lk } });
      gpu.fill(plan.output, NaN);
      await runForward(gpu, plan);
      outs.push(await gpu.read(plan.output, 0, 2 * 90 * 12 * 4));
      plan.destroy();
      gpu.release(lq);
      gpu.release(lk);
    }
    // same landmarks in another order: equal up to the rounding of the reordered sums
    expectClose(outs[1], outs[0], 1e-5 * maxAbs(outs[0]), 0, 'permuted landmarks');
    const ref = nystromReference(x, { m, iters: 6, withMap: false }).out;
    expectClose(outs[0], ref, 1e-4 * maxAbs(ref), 0, 'given landmarks vs f64 segment means');
    releaseInputs(gpu, inputs);
  });
});

describe('map, extras, parts', () => {
  it('map window and pooled overview match F·Z·B in float64 (signed), extras report the residual and the segments', async () => {
    const shape = { n: 130, d: 8, dv: 8, heads: 2, causal: false };
    const m = 9;
    const x = randomInputs(shape, seed++);
    const ref = nystromReference(x, { m, iters: 6 });
    const inputs = uploadInputs(gpu, x);
    const plan = await nystromVariant.plan(gpu, shape, { m, iters: 6 }, inputs);
    const w = await plan.readMap!({ kind: 'rows', head: 1, row0: 17, rows: 113 });
    expect([w.rows, w.cols, w.row0, w.signed]).toEqual([113, 130, 17, true]);
    const want = ref.map!.subarray((130 + 17) * 130, (130 + 130) * 130);
    expect(Math.min(...want)).toBeLessThan(0); // the window has negative entries: the comparison covers them
    expectClose(w.data, want, 1e-4 * maxAbs(want), 0, 'map rows');
    const pooled = await plan.readMap!({ kind: 'pooled', head: 0, pool: 16 });
    const pc = Math.ceil(130 / 16);
    expect([pooled.rows, pooled.cols]).toEqual([pc, pc]);
    const wantPooled: number[] = [];
    for (let a = 0; a < pc; a++) for (let b = 0; b < pc; b++) {
      let s = 0;
      let c = 0;
      for (let i = a * 16; i < Math.min(130, a * 16 + 16); i++) for (let j = b * 16; j < Math.min(130, b * 16 + 16); j++) {
        s += ref.map![i * 130 + j];
        c++;
      }
      wantPooled.push(s / c);
    }
    expectClose(pooled.data, wantPooled, 1e-4 * maxAbs(wantPooled), 0, 'pooled map');
    const extras = await plan.extras!();
    const metric = (id: string) => {
      const e = extras.find((x) => x.id === id);
      return e && e.kind === 'metric' ? e.value! : NaN;
    };
    const refRes = Math.max(...ref.heads.map((h) => pinvResidual(h.a, h.z, m)));
    expect(Math.abs(metric('pinv-residual') - refRes)).toBeLessThan(1e-3 * Math.max(1, refRes));
    let dev = 0;
    for (let h = 0; h < 2; h++) for (let i = 0; i < 130; i++) {
      let s = 0;
      for (let j = 0; j < 130; j++) s += ref.map![(h * 130 + i) * 130 + j];
      dev = Math.max(dev, Math.abs(s - 1));
    }
    expect(Math.abs(metric('row-sum-dev') - dev)).toBeLessThan(1e-4);
    const strip = extras.find((e) => e.kind === 'strip');
    expect(strip && strip.kind === 'strip' && Array.from(strip.values)).toEqual(Array.from(segmentOfToken(130, m)));
    plan.destroy();
    releaseInputs(gpu, inputs);
  });

  it('a forward split into many parts gives the same output', async () => {
    const saved = gpu.maxFlopsPerSubmit;
    gpu.maxFlopsPerSubmit = 3e5;
    try {
      const shape = { n: 600, d: 16, dv: 16, heads: 2, causal: false };
      const x = randomInputs(shape, seed++);
      const inputs = uploadInputs(gpu, x);
      const { out, plan } = await runPoisoned(gpu, nystromVariant, shape, { m: 16, iters: 3 }, inputs);
      expect(plan.parts).toBeGreaterThan(3);
      const ref = nystromReference(x, { m: 16, iters: 3, withMap: false }).out;
      expectClose(out, ref, 1e-4 * maxAbs(ref), 0, 'split forward');
      plan.destroy();
      releaseInputs(gpu, inputs);
    } finally {
      gpu.maxFlopsPerSubmit = saved;
    }
  });
});
