// The float64 gradient of the CAST surrogate fitting (src/attention/cast/fit.ts) against
// central finite differences of the loss, with the clusters held fixed (the spec: gradients
// flow through A_q and A_k, not through the selection).
import { describe, it, expect } from 'vitest';
import { castFitGrad64 } from '../../src/attention/cast/fit';
import { castReference, type CastConfig } from '../../src/attention/cast/reference';
import { exactReference } from '../../src/attention/exact/reference';
import type { Inputs64, Shape } from '../../src/attention/types';
import { Rng } from '../../src/workloads/rng';

function randomX(shape: Shape, seed: number): Inputs64 {
  const rng = new Rng(seed);
  const gen = (len: number) => Float64Array.from({ length: len }, () => rng.normal());
  return { shape, q: gen(shape.heads * shape.n * shape.d), k: gen(shape.heads * shape.n * shape.d), v: gen(shape.heads * shape.n * shape.dv) };
}

describe('castFitGrad64', () => {
  for (const mode of ['topk', 'sa-topk'] as const) {
    for (const affinity of ['sum', 'product', 'query'] as const) {
      it(`${mode}, ${affinity}: matches central differences (uncovered tokens, an empty cluster possible, 2 heads)`, () => {
        const shape = { n: 23, d: 5, dv: 3, heads: 2, causal: false };
        const x = randomX(shape, 11);
        const nc = 4;
        const cfg: CastConfig = { clusters: nc, kappa: 5, mode, affinity };
        const rng = new Rng(5);
        const s = Float64Array.from({ length: 2 * nc * 5 }, () => rng.normal() * 0.7);
        const ostar = exactReference(x, { withMap: false }).out;
        const p = { clusters: nc, kappa: 5, mode, affinity, surrogates: 'file', surrogatesFile: '', surrogateSeed: 1 };
        const members = castReference(x, p, { surrogates: s, withMap: false }).heads.map((h) => h.members);
        const g = castFitGrad64(x, s, cfg, ostar, members);
        expect(g.loss).toBeGreaterThan(0);
        const eps = 1e-6;
        let worst = 0;
        let norm = 0;
        for (let e = 0; e < s.length; e++) {
          const sp = Float64Array.from(s);
          const sm = Float64Array.from(s);
          sp[e] += eps;
          sm[e] -= eps;
          const fd = (castFitGrad64(x, sp, cfg, ostar, members).loss - castFitGrad64(x, sm, cfg, ostar, members).loss) / (2 * eps);
          worst = Math.max(worst, Math.abs(fd - g.grad[e]));
          norm = Math.max(norm, Math.abs(g.grad[e]));
        }
        expect(norm).toBeGreaterThan(1e-4); // the gradient is not trivially zero
        expect(worst).toBeLessThan(1e-7 * Math.max(1, norm) + 1e-9);
      });
    }
  }

  it('the loss is the mean squared error of the CAST output against exact attention', () => {
    const shape = { n: 30, d: 4, dv: 4, heads: 1, causal: false };
    const x = randomX(shape, 3);
    const s = Float64Array.from({ length: 12 }, (_, i) => Math.cos(i));
    const ostar = exactReference(x, { withMap: false }).out;
    const p = { clusters: 3, kappa: 0, mode: 'topk', affinity: 'sum', surrogates: 'file', surrogatesFile: '', surrogateSeed: 1 };
    const out = castReference(x, p, { surrogates: s, withMap: false }).out;
    let mse = 0;
    for (let i = 0; i < out.length; i++) mse += (out[i] - ostar[i]) ** 2;
    const g = castFitGrad64(x, s, { clusters: 3, kappa: 10, mode: 'topk', affinity: 'sum' }, ostar);
    expect(g.loss).toBeCloseTo(mse / out.length, 14);
  });
});
