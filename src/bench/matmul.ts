// The device's own tiled-matmul throughput: the yardstick for every kernel's GFLOP/s.
import matmulWgsl from '../../shaders/bench/matmul.wgsl';
import type { Gpu } from '../gpu/gpu';
import { Allocations } from '../gpu/plan-kit';
import type { Plan } from '../attention/types';
import { timePlan, type Timing, type TimingOptions } from '../gpu/timing';

const MATMUL = matmulWgsl;
/** edge of the output tile one workgroup computes (TM in shaders/common/matmul-tile.wgsl) */
const TILE = 64;

/** A plan computing C = A·B (A: m×k, B: k×n) with the tiled kernel. */
export async function planMatmul(gpu: Gpu, m: number, n: number, k: number, a: GPUBuffer, b: GPUBuffer): Promise<Plan> {
  const pipe = await gpu.pipelines.get({ shader: MATMUL, entryPoint: 'main' });
  const tilesN = Math.ceil(n / TILE);
  const groups = Math.ceil(m / TILE) * tilesN;
  const own = new Allocations(gpu);
  const output = own.buffer('matmul.c', m * n);
  const uni = own.params(MATMUL, 'matmul.params', { m, n, k, tilesN, groups });
  const bg = gpu.bindGroup(pipe, 'matmul', [uni, a, b, output]);
  return {
    parts: 1,
    encode: (pass) => gpu.dispatch(pass, pipe, bg, groups),
    output,
    bytesAllocated: own.bytes,
    destroy: () => own.releaseAll(),
  };
}

export interface MatmulMeasurement {
  n: number;
  timing: Timing;
  gflopsPerS: number;
}

/** Times an n×n×n product of random matrices: 2n³ FLOPs. */
export async function measureMatmul(gpu: Gpu, n: number, opts: TimingOptions = {}): Promise<MatmulMeasurement> {
  const data = Float32Array.from({ length: n * n }, (_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
  const a = gpu.upload('matmul.a', data);
  const b = gpu.upload('matmul.b', data);
  const plan = await planMatmul(gpu, n, n, n, a, b);
  try {
    const timing = await gpu.scoped('matmul benchmark', () => timePlan(gpu, plan, opts));
    return { n, timing, gflopsPerS: (2 * n ** 3) / (timing.medianMs * 1e6) };
  } finally {
    plan.destroy();
    gpu.release(a);
    gpu.release(b);
  }
}
