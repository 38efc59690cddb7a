// The distillation objective's float64 analytic gradient (src/attention/linear/train/reference.ts) against
// central finite differences, for both trainable kernels and both losses, causal and not.
import { describe, it, expect } from 'vitest';
import { distillLoss, finiteDifferences, type Batch, type LossKind } from '../../src/attention/linear/train/reference';
import { initParams, type TrainableArch } from '../../src/attention/linear/kernels';
import { Rng } from '../../src/workloads/rng';

function batch(heads: number, n: number, d: number, dv: number, causal: boolean, seed: number): Batch {
  const rng = new Rng(seed);
  const g = (len: number, s = 1) => Float64Array.from({ length: len }, () => s * rng.normal());
  return { heads, n, d, dv, causal, q: g(heads * n * d, 0.8), k: g(heads * n * d, 0.8), v: g(heads * n * dv) };
}

export function perturbed(arch: TrainableArch, seed: number, amount = 0.3): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from(initParams(arch, seed), (p) => p + amount * rng.normal());
}

describe('analytic gradient = finite differences (relative 1e-3)', () => {
  const archs: TrainableArch[] = [
    { kernel: 'hedgehog', d: 3, features: 3, layers: 1 },
    { kernel: 'ffk', d: 3, features: 4, layers: 2 },
    { kernel: 'ffk', d: 3, features: 4, layers: 3 },
  ];
  for (const arch of archs) {
    for (const kind of ['ce', 'mse'] as LossKind[]) {
      for (const causal of [false, true]) {
        it(`${arch.kernel} L=${arch.layers} ${kind}${causal ? ' causal' : ''}`, () => {
          const b = batch(2, 7, arch.d, 2, causal, 5);
          const p = perturbed(arch, 9);
          const an = distillLoss(arch, p, b, kind).grad!;
          const fd = finiteDifferences(arch, p, b, kind);
          const norm = Math.sqrt(fd.reduce((s, x) => s + x * x, 0));
          expect(norm).toBeGreaterThan(1e-6);
          // every component within 1e-3 of the gradient's norm, and the vectors within 1e-3 relative
          let diff = 0;
          for (let i = 0; i < fd.length; i++) {
            expect(Math.abs(an[i] - fd[i]), `component ${i}`).toBeLessThan(1e-3 * norm);
            diff += (an[i] - fd[i]) ** 2;
          }
          expect(Math.sqrt(diff) / norm).toBeLessThan(1e-3);
        });
      }
    }
  }
});
