// Nyström attention (Xiong et al., AAAI 2021): m landmarks, iterative pseudo-inverse.
import type { AttentionVariant, Cost, Extra, Shape } from '../types';
import type { ParamSpec, ParamValues } from '../../params/schema';
import { nystromReference } from './reference';
import { bvSplits } from './sizes';

export const NYSTROM_MAX_M = 1024;

/** `m` and `iters`, shared with the continual Nyström variant. */
export const landmarkParam: ParamSpec = {
  name: 'm', label: 'Landmarks m', type: 'int', default: 64, min: 1, max: NYSTROM_MAX_M, scale: 'log',
  urlKey: 'm', csvColumn: 'rank_m',
  help: 'Number of landmarks (segment means of the scaled queries and keys). Cost grows like N·m·d; 1 ≤ m ≤ N.',
};
export const itersParam: ParamSpec = {
  name: 'iters', label: 'Pseudo-inverse iterations', type: 'int', default: 6, min: 1, max: 30,
  urlKey: 'it', csvColumn: 'pinv_iters',
  help: 'Steps of the iterative Moore–Penrose pseudo-inverse of the m×m landmark matrix (6 in the paper). More steps: Z closer to A⁻¹.',
};

/** FLOPs of one forward per the kernels (multiply and add count 2; exp/max/sum about 5 per score). */
export function nystromCost(shape: Shape, m: number, iters: number): Cost {
  const { n, d, dv, heads: H } = shape;
  const scores = 2 * n * m * d + 2 * m * n * d + 2 * m * m * d;
  const softmax = 5 * (n * m + m * n + m * m);
  const pinv = iters * 4 * 2 * m ** 3 + 3 * m * m;
  const products = 2 * m * n * dv + 2 * m * m * dv + 2 * n * m * dv;
  const landmarks = 2 * n * d;
  const flops = H * (scores + softmax + pinv + products + landmarks);
  // traffic: Q, K read twice (landmarks, scores), V once, F and B written, softmaxed in place
  // (read + write) and read again by their products, the output written
  const bytes = 4 * H * (4 * n * d + n * dv + 2 * (n * m) * 4 + n * dv);
  const splits = bvSplits(n);
  const memory = 4 * H * (n * dv + 2 * m * d + 2 * n * m + 6 * m * m + 2 * m * dv + (splits > 1 ? splits * m * dv : 0));
  return { flops, bytes, memory };
}

export const nystromVariant: AttentionVariant = {
  id: 'nystrom',
  label: 'Nyström attention',
  summary: 'Softmax attention through m landmarks (segment means): F·pinv(A)·B·V with an iterative pseudo-inverse; O(N·m·d).',
  params: [landmarkParam, itersParam],
  supports: { causal: false, map: true },
  tolerance: { abs: 1e-4, rel: 0, absScale: 'max-abs' },
  validate(shape: Shape, p: ParamValues) {
    const errs: string[] = [];
    const m = Number(p.m);
    if (m > shape.n) errs.push(`Nyström needs m ≤ N: ${m} landmarks are segment means of at least one token each, and N = ${shape.n}`);
    return errs;
  },
  notes(shape: Shape, p: ParamValues): Extra[] {
    const notes: Extra[] = [
      { kind: 'note', id: 'nystrom-signed', text: 'Nyström’s implied map Ŝ = F·Z·B can be negative and its rows need not sum to 1: the map uses a diverging colour scale.' },
    ];
    if (Number(p.m) === shape.n) {
      notes.push({ kind: 'note', id: 'nystrom-m-eq-n', text: 'm = N: with an exact pseudo-inverse this is exact attention; the iteration gets there only as iters grows (≈ 20 steps at N ≤ 256).' });
    }
    return notes;
  },
  altReferences: [
    {
      id: 'nystrom_f64',
      label: 'Nyström in float64 (same iterations)',
      out: (x, p) => nystromReference(x, { m: Number(p.m), iters: Number(p.iters), withMap: false }).out,
    },
    {
      id: 'nystrom_exact_pinv',
      label: 'Nyström with the exact pseudo-inverse (float64 SVD)',
      out: (x, p) => nystromReference(x, { m: Number(p.m), iters: Number(p.iters), pinv: 'exact', withMap: false }).out,
    },
  ],
  reference: (x, p) => {
    const r = nystromReference(x, { m: Number(p.m), iters: Number(p.iters) });
    return r.map ? { out: r.out, map: r.map } : { out: r.out };
  },
  plan: async (gpu, shape, p, inputs) => (await import('./plan')).planNystrom(gpu, shape, Number(p.m), Number(p.iters), inputs),
  cost: (shape, p) => nystromCost(shape, Number(p.m), Number(p.iters)),
};
