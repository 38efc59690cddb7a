// Helpers for GPU kernel tests: seeded inputs, upload, a poisoned forward, comparison with
// the spec's tolerance |Δ| ≤ atol + rtol·|ref| that reports the worst element.
import { expect } from 'vitest';
import type { Gpu } from '../../src/gpu/gpu';
import type { AttentionVariant, GpuInputs, Inputs64, Plan, Shape } from '../../src/attention/types';
import type { ParamValues } from '../../src/params/schema';
import { runForward } from '../../src/gpu/timing';
import { Rng } from '../../src/workloads/rng';

/** Fresh seeded N(0,1)·scale inputs, already rounded to f32 (so the f64 reference sees the GPU's inputs). */
export function randomInputs(shape: Shape, seed: number, qScale = 1): Inputs64 {
  const rng = new Rng(seed);
  const gen = (len: number, s: number) => Float64Array.from(Float32Array.from({ length: len }, () => rng.normal() * s));
  return {
    shape,
    q: gen(shape.heads * shape.n * shape.d, qScale),
    k: gen(shape.heads * shape.n * shape.d, 1),
    v: gen(shape.heads * shape.n * shape.dv, 1),
  };
}

export function uploadInputs(gpu: Gpu, x: Inputs64): GpuInputs {
  return {
    q: gpu.upload('test.q', Float32Array.from(x.q)),
    k: gpu.upload('test.k', Float32Array.from(x.k)),
    v: gpu.upload('test.v', Float32Array.from(x.v)),
  };
}

export function releaseInputs(gpu: Gpu, inputs: GpuInputs) {
  gpu.release(inputs.q);
  gpu.release(inputs.k);
  gpu.release(inputs.v);
}

/** Plans, poisons the output with NaN, runs one forward inside error scopes, reads the output. */
export async function runPoisoned(gpu: Gpu, variant: AttentionVariant, shape: Shape, params: ParamValues, inputs: GpuInputs): Promise<{ out: Float32Array; plan: Plan }> {
  const plan = await variant.plan(gpu, shape, params, inputs);
  gpu.fill(plan.output, NaN);
  await gpu.scoped('test forward', () => runForward(gpu, plan));
  const out = await gpu.read(plan.output, 0, shape.heads * shape.n * shape.dv * 4);
  return { out, plan };
}

/** Asserts |got − ref| ≤ atol + rtol·|ref| (+ extra[i]) element-wise; NaN/Inf fail. Names the worst element. */
export function expectClose(got: ArrayLike<number>, ref: ArrayLike<number>, atol: number, rtol: number, what: string, extra?: ArrayLike<number>) {
  expect(got.length, `${what}: length`).toBe(ref.length);
  let worst = -1;
  let worstExcess = 0;
  let bad = 0;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i];
    const r = ref[i];
    const tol = atol + rtol * Math.abs(r) + (extra ? extra[i] : 0);
    const diff = Math.abs(g - r);
    if (!Number.isFinite(g) || !(diff <= tol)) {
      bad++;
      const excess = Number.isFinite(diff) ? diff / tol : Infinity;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (bad) {
    expect.fail(`${what}: ${bad} of ${ref.length} elements out of tolerance (atol ${atol}, rtol ${rtol}); worst at ${worst}: got ${got[worst]}, want ${ref[worst]}`);
  }
}

const U32 = 2 ** -24; // unit roundoff of f32

/**
 * Per-element allowance for the f32 rounding of the logits, for tests with very large logits.
 * A dot product of length d summed in f32 is off by at most γ_d·Σ_c|q_c·k_c| (Higham,
 * "Accuracy and Stability of Numerical Algorithms", §3.1, γ_d = d·u/(1 − d·u)). A logit error
 * δ_j moves o_i = Σ_j p_ij v_j by Σ_j p_ij (δ_j − δ̄)(v_j − o_i) to first order, so
 * |Δo_ic| ≤ 2·max_j|δ_j|·Σ_j p_ij|v_jc − o_ic|. Even correctly rounded f32 logits of size ~100
 * carry ~1e-5 absolute error, which is why a fixed 1e-5 + 1e-4·|o| cannot hold at ×30 logits
 * for every row: this bound states what f32 can promise there.
 */
export function logitRoundingAllowance(x: Inputs64, out: Float64Array, map: Float64Array): Float64Array {
  const { n, d, dv, heads, causal } = x.shape;
  const gamma = (d * U32) / (1 - d * U32);
  const scale = 1 / Math.sqrt(d);
  const extra = new Float64Array(out.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < n; i++) {
      let smax = 0;
      const jEnd = causal ? i + 1 : n;
      for (let j = 0; j < jEnd; j++) {
        let a = 0;
        for (let c = 0; c < d; c++) a += Math.abs(x.q[(h * n + i) * d + c] * x.k[(h * n + j) * d + c]);
        smax = Math.max(smax, a * scale);
      }
      for (let c = 0; c < dv; c++) {
        const o = out[(h * n + i) * dv + c];
        let spread = 0;
        for (let j = 0; j < jEnd; j++) spread += map[(h * n + i) * n + j] * Math.abs(x.v[(h * n + j) * dv + c] - o);
        extra[(h * n + i) * dv + c] = 2 * gamma * smax * spread;
      }
    }
  }
  return extra;
}
