// Surrogate fitting on the GPU (src/attention/cast/fit.ts, shaders/cast/fit-*.wgsl): the
// gradient kernels against the float64 gradient (itself checked against finite differences in
// tests/unit/cast-fit.test.ts) with the same clusters, and a fit that lowers the error
// against exact attention.
import { describe, it, expect, beforeAll } from 'vitest';
import { testGpu } from './setup';
import { randomInputs, releaseInputs, uploadInputs } from './harness';
import type { Gpu } from '../../src/gpu/gpu';
import { castFitGrad64, fitSurrogates, probeFitGradient } from '../../src/attention/cast/fit';
import { castConfig, castReference } from '../../src/attention/cast/reference';
import { castVariant } from '../../src/attention/cast/variant';
import { exactReference } from '../../src/attention/exact/reference';
import { variantParams } from '../../src/attention/registry';
import { generateInputs } from '../../src/workloads/generate';
import type { Inputs64 } from '../../src/attention/types';
import { outputErrors } from '../../src/metrics/errors';

let gpu: Gpu;
beforeAll(async () => {
  gpu = await testGpu();
});

const P = (over: Record<string, string | number | boolean> = {}) => ({ ...variantParams(castVariant), ...over }) as Record<string, string | number | boolean>;

describe('CAST surrogate fitting on the GPU', () => {
  for (const mode of ['topk', 'sa-topk']) {
    it(`${mode}: loss and ∂L/∂S match the float64 gradient with the same clusters (H = 2, uncovered tokens)`, async () => {
      const shape = { n: 90, d: 8, dv: 8, heads: 2, causal: false };
      const x = randomInputs(shape, 4242);
      const p = P({ clusters: 6, kappa: 11, mode, surrogates: 'random' });
      const inputs = uploadInputs(gpu, x);
      try {
        const s0 = castReference(x, p, { withMap: false }).surrogates as Float32Array;
        const probe = await probeFitGradient(gpu, shape, p, inputs, s0);
        const ref = castReference(x, p, { surrogates: s0, withMap: false });
        expect(probe.members).toEqual(ref.heads.map((h) => h.members));
        const ostar = exactReference(x, { withMap: false }).out;
        const g = castFitGrad64(x, Float64Array.from(s0), castConfig(90, p), ostar, probe.members);
        expect(Math.abs(probe.loss - g.loss)).toBeLessThan(1e-5 * g.loss);
        let gmax = 0;
        for (const v of g.grad) gmax = Math.max(gmax, Math.abs(v));
        expect(gmax).toBeGreaterThan(1e-5);
        for (let e = 0; e < g.grad.length; e++) {
          expect(Math.abs(probe.grad[e] - g.grad[e]), `∂L/∂S[${e}]: got ${probe.grad[e]}, want ${g.grad[e]}`).toBeLessThan(1e-4 * gmax + 1e-9);
        }
      } finally {
        releaseInputs(gpu, inputs);
      }
    });
  }

  it('25 Adam steps from random surrogates lower the error against exact attention (smooth workload)', async () => {
    const shape = { n: 256, d: 8, dv: 8, heads: 1, causal: false };
    const raw = generateInputs({ workload: 'smooth', n: 256, d: 8, heads: 1, seed: 5, logitScale: 1 });
    const f = (a: Float64Array) => Float64Array.from(Float32Array.from(a));
    const x: Inputs64 = { shape, q: f(raw.q), k: f(raw.k), v: f(raw.v) };
    const p = P({ clusters: 16, surrogates: 'random' });
    const inputs = uploadInputs(gpu, x);
    try {
      const steps: number[] = [];
      const r = await fitSurrogates(gpu, shape, p, inputs, { steps: 25, lr: 0.05, onStep: (t) => steps.push(t) });
      expect(steps).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(r.losses).toHaveLength(26);
      const [first, last] = [r.losses[0], r.losses[25]];
      expect(last).toBeLessThan(0.7 * first);
      // the reported loss is the MSE of the CAST output at those surrogates (f64 check at the end)
      const ostar = exactReference(x, { withMap: false }).out;
      const out = castReference(x, p, { surrogates: r.surrogates, withMap: false }).out;
      const e = outputErrors(out, ostar, 256, 8);
      let mse = 0;
      for (let i = 0; i < out.length; i++) mse += (out[i] - ostar[i]) ** 2;
      expect(Math.abs(mse / out.length - last)).toBeLessThan(1e-4 * last);
      expect(e.relFro).toBeLessThan(outputErrors(castReference(x, p, { withMap: false }).out, ostar, 256, 8).relFro);
    } finally {
      releaseInputs(gpu, inputs);
    }
  });
});
