// The linear engine's sizes that the cost model (cost.ts) shares with the plan: the chunking
// of the sequence, whether φ(K) is written first, and the FLOPs of one feature-map row. Kept
// apart from plan.ts so that the registry loads no WGSL until a linear plan is made.
import type { Shape } from '../types';
import type { KernelSpec } from './kernels';

/** Chunking of the sequence: non-causal up to 256 chunks; causal chunks of 64·2^k tokens whose prefix states fit `budget` bytes. */
export function chunking(shape: Shape, D: number, budget: number): { chunkLen: number; chunks: number } {
  const { n, dv, heads } = shape;
  if (!shape.causal) {
    const chunks = Math.min(256, Math.max(1, Math.ceil(n / 256)));
    const chunkLen = Math.ceil(n / chunks);
    return { chunkLen, chunks: Math.ceil(n / chunkLen) };
  }
  let chunkLen = 64;
  while (heads * Math.ceil(n / chunkLen) * D * (dv + 1) * 4 > budget && chunkLen < n) chunkLen *= 2;
  return { chunkLen, chunks: Math.ceil(n / chunkLen) };
}

/** Whether the forward writes φ(K) to memory first (the feed-forward kernel: see planLinear). */
export function precomputesKeys(spec: KernelSpec): boolean {
  return spec.kernel === 'ffk';
}

/** FLOPs of φ for one token row (all D features), as the kernels evaluate it. */
export function phiFlops(spec: KernelSpec): number {
  const { d, dim: D } = spec;
  switch (spec.kernel) {
    case 'elu1':
    case 'relu':
      return 2 * D;
    case 'favor':
      return 2 * D * d + 3 * d + 4 * D;
    case 'hedgehog':
      return 2 * D * d + 4 * D;
    case 'ffk': {
      const a = spec.arch!;
      let f = 0;
      for (let l = 0; l < a.layers; l++) f += 4 * a.features * (l === 0 ? a.d : a.features) + 24 * a.features;
      return f;
    }
  }
}
