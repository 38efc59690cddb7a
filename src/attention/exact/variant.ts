// Exact softmax attention — the baseline every approximation is measured against.
import type { AttentionVariant, Cost, Shape } from '../types';
import type { ParamValues } from '../../params/schema';
import { exactReference } from './reference';
// the plan (and its WGSL) is loaded on first use: kernels stay out of the page's entry chunk
const FLASH_ROWS = 64; // rows per flash workgroup (BR in shaders/exact/flash.wgsl; plan.ts checks it)

export type ExactImpl = 'flash' | 'materialized';

export const MAX_HEAD_DIM = 256;

export function exactCost(shape: Shape, impl: ExactImpl): Cost {
  const { n, d, dv, heads, causal } = shape;
  // pairs (i, j) that are computed: all, or the lower triangle with the diagonal
  const pairs = causal ? (n * (n + 1)) / 2 : n * n;
  const flops = heads * pairs * (2 * d + 2 * dv + 5);
  const io = heads * n * (2 * d + 2 * dv) * 4; // read Q, K, V once, write O
  if (impl === 'flash') {
    // every row block streams all (visible) keys and values through workgroup memory
    const blocks = Math.ceil(n / FLASH_ROWS);
    const kvStream = heads * blocks * (causal ? (n + FLASH_ROWS) / 2 : n) * (d + dv) * 4;
    return { flops, bytes: io + kvStream, memory: heads * n * dv * 4 };
  }
  // write S, read+write it in the softmax, read it in P·V: 16 bytes per entry
  return { flops, bytes: io + heads * n * n * 16, memory: heads * n * dv * 4 + heads * n * n * 4 };
}

export const exactVariant: AttentionVariant = {
  id: 'exact',
  label: 'Exact softmax attention',
  summary: 'softmax(QKᵀ/√d)·V computed exactly: the flash kernel (online softmax, O(N·d) memory) or the materialized N×N path.',
  params: [
    {
      name: 'impl',
      label: 'Implementation',
      type: 'enum',
      default: 'flash',
      options: [
        { value: 'flash', label: 'Flash (online softmax, tiles in workgroup memory)' },
        { value: 'materialized', label: 'Materialized (QKᵀ → softmax → ·V, N×N in memory)' },
      ],
      urlKey: 'impl',
      csvColumn: 'impl',
      help: 'Flash never stores the N×N matrix; the materialized path writes it to GPU memory (16·N² bytes of traffic per head).',
    },
  ],
  supports: { causal: true, map: true },
  tolerance: { abs: 1e-5, rel: 1e-4, absScale: 'one' },
  validate(shape: Shape, p: ParamValues) {
    const errs: string[] = [];
    if (shape.d > MAX_HEAD_DIM || shape.dv > MAX_HEAD_DIM) {
      errs.push(`exact attention supports head dimensions up to ${MAX_HEAD_DIM}; got d = ${shape.d}, dv = ${shape.dv}`);
    }
    if (p.impl !== 'flash' && p.impl !== 'materialized') errs.push(`impl must be flash or materialized, got ${String(p.impl)}`);
    return errs;
  },
  reference: (x) => exactReference(x),
  plan: async (gpu, shape, p, inputs) => (await import('./plan')).planExact(gpu, shape, p.impl as ExactImpl, inputs),
  cost: (shape, p) => exactCost(shape, p.impl as ExactImpl),
};
