// The benchmark's yardstick kernel (tiled matmul) against a float64 product on awkward shapes.
import { describe, it, beforeAll } from 'vitest';
import { testGpu } from './setup';
import { expectClose } from './harness';
import type { Gpu } from '../../src/gpu/gpu';
import { planMatmul } from '../../src/bench/matmul';
import { runForward } from '../../src/gpu/timing';
import { Rng } from '../../src/workloads/rng';

let gpu: Gpu;
beforeAll(async () => {
  gpu = await testGpu();
});

describe('tiled matmul', () => {
  for (const [m, k, n] of [[1, 1, 1], [65, 17, 130], [64, 64, 64], [200, 3, 71]]) {
    it(`${m}×${k} · ${k}×${n}`, async () => {
      const rng = new Rng(m * 1000 + k * 10 + n);
      const a = Float32Array.from({ length: m * k }, () => rng.normal());
      const b = Float32Array.from({ length: k * n }, () => rng.normal());
      const want = new Float64Array(m * n);
      let scale = 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let c = 0; c < k; c++) s += a[i * k + c] * b[c * n + j];
        want[i * n + j] = s;
      }
      for (let i = 0; i < m; i++) for (let c = 0; c < k; c++) scale = Math.max(scale, Math.abs(a[i * k + c]));
      const ab = gpu.upload('a', a);
      const bb = gpu.upload('b', b);
      const plan = await planMatmul(gpu, m, n, k, ab, bb);
      gpu.fill(plan.output, NaN);
      await gpu.scoped('matmul', () => runForward(gpu, plan));
      const got = await gpu.read(plan.output, 0, m * n * 4);
      // f32 sums of k products: |Δ| ≤ γ_k Σ|a·b| (Higham); bounded generously by k·u·k·max|a|·max|b| ≤ 1e-5 here
      expectClose(got, want, 1e-5, 1e-5, `matmul ${m}×${k}×${n}`);
      plan.destroy();
      gpu.release(ab);
      gpu.release(bb);
    });
  }
});
