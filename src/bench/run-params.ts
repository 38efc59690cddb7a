// The knobs every run has, whatever the variant: problem shape, workload, seed. Same schema
// machinery as the variants' own params, so the UI, URL, CSV and CLI treat them alike.
import type { ParamSpec, ParamValues } from '../params/schema';
import type { Shape } from '../attention/types';

export const WORKLOADS = ['gaussian', 'smooth', 'clustered', 'local'] as const;
export type WorkloadId = (typeof WORKLOADS)[number];

export const runParams: ParamSpec[] = [
  {
    name: 'n', label: 'Sequence length N', type: 'int', default: 256, min: 1, max: 1_048_576, scale: 'log',
    urlKey: 'n', csvColumn: 'n', help: 'Number of tokens (queries = keys). Any N ≥ 1; it need not be a multiple of a tile.',
  },
  {
    name: 'd', label: 'Head dimension d', type: 'int', default: 64, min: 1, max: 256, scale: 'log',
    urlKey: 'd', csvColumn: 'd', help: 'Dimension of each query/key/value vector.',
  },
  {
    name: 'heads', label: 'Heads H', type: 'int', default: 1, min: 1, max: 64,
    urlKey: 'h', csvColumn: 'heads', help: 'Independent attention heads computed in one dispatch.',
  },
  {
    name: 'causal', label: 'Causal mask', type: 'bool', default: false,
    urlKey: 'causal', csvColumn: 'causal', help: 'Each query attends only to keys at or before its own position.',
  },
  {
    name: 'workload', label: 'Workload', type: 'enum', default: 'smooth', urlKey: 'w', csvColumn: 'workload',
    options: [
      { value: 'gaussian', label: 'Gaussian (i.i.d. N(0,1))' },
      { value: 'smooth', label: 'Smooth (low-frequency streams)' },
      { value: 'clustered', label: 'Clustered (tokens around centres)' },
      { value: 'local', label: 'Local (attention near the diagonal)' },
    ],
    help: 'How the seeded Q, K, V are generated. Gaussian is the hardest case for low-rank methods.',
  },
  {
    name: 'seed', label: 'Seed', type: 'int', default: 1, min: 0, max: 2 ** 31 - 1,
    urlKey: 'seed', csvColumn: 'seed', help: 'Seed of the input generator: the same seed gives the same Q, K, V everywhere.',
  },
  {
    name: 'logitScale', label: 'Logit scale', type: 'float', default: 1, min: 0.01, max: 100, scale: 'log',
    urlKey: 'ls', csvColumn: 'logit_scale', help: 'Multiplies Q: above 1 sharpens attention, below 1 flattens it.',
  },
];

export function shapeOf(run: ParamValues, dv?: number): Shape {
  const d = Number(run.d);
  return { n: Number(run.n), d, dv: dv ?? d, heads: Number(run.heads), causal: Boolean(run.causal) };
}
