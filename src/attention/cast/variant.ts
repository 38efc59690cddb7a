// CAST: clustering self-attention with surrogate tokens (arXiv 2402.04239; the contract is
// docs/spec/variants.md §3). Parameters, validation, notes, the cost model and the panel.
import type { AttentionVariant, Cost, Extra, FileMap, Shape } from '../types';
import type { ParamSpec, ParamValues } from '../../params/schema';
import { castReference, effectiveKappa, type CastMode } from './reference';
import { INTRA_ROWS, LOGIT_TOKENS, MIX_TOKENS } from './sizes';
import { checkSurrogateShape, surrogatesNpy, kmeansSampleSize, KMEANS_ITERS } from './surrogates';

/** Largest head dimension the intra-cluster kernel's private arrays take (as exact attention). */
export const CAST_MAX_HEAD_DIM = 256;
export const CAST_MAX_CLUSTERS = 4096;

export const castParams: ParamSpec[] = [
  {
    name: 'clusters', label: 'Clusters N_c', type: 'int', default: 16, min: 1, max: CAST_MAX_CLUSTERS, scale: 'log',
    urlKey: 'nc', csvColumn: 'clusters',
    help: 'Number of surrogate tokens (clusters), 1 ≤ N_c ≤ N. Cost ~ N·N_c·d + N_c·κ²·d: with κ = N/N_c, N_c ≈ √N is the sweet spot.',
  },
  {
    name: 'kappa', label: 'Cluster size κ (0 = ⌈N/N_c⌉)', type: 'int', default: 0, min: 0, max: 1_048_576, scale: 'linear',
    urlKey: 'kap', csvColumn: 'kappa',
    help: 'Tokens per cluster, 1 ≤ κ ≤ N; 0 picks ⌈N/N_c⌉ (every token can be covered). The CSV column holds the κ actually used.',
  },
  {
    name: 'mode', label: 'Cluster assignment', type: 'enum', default: 'topk', urlKey: 'cm', csvColumn: 'cast_mode',
    options: [
      { value: 'topk', label: 'Top-K (a token may join several clusters, or none)' },
      { value: 'sa-topk', label: 'SA Top-K (single assignment, greedy by affinity)' },
    ],
    help: 'Top-K: each cluster takes its κ tokens of highest affinity. SA Top-K: each token joins at most one cluster, greedily in descending affinity, clusters capped at κ. Ties: lower token index.',
  },
  {
    name: 'affinity', label: 'Cluster affinity A_g', type: 'enum', default: 'sum', urlKey: 'aff', csvColumn: 'cast_affinity',
    options: [
      { value: 'sum', label: 'softmax(A_q) + softmax(A_k)' },
      { value: 'product', label: 'softmax(A_q) · softmax(A_k)' },
      { value: 'query', label: 'softmax(A_q) only' },
    ],
    help: 'How a token\'s affinity to a cluster combines its query and key affinities to the surrogate (softmaxes over clusters).',
  },
  {
    name: 'surrogates', label: 'Surrogate tokens S', type: 'enum', default: 'kmeans-k', urlKey: 'sur', csvColumn: 'cast_surrogates',
    options: [
      { value: 'kmeans-k', label: 'k-means of K' },
      { value: 'kmeans-qk', label: 'k-means of [Q; K]' },
      { value: 'random', label: 'Random N(0, 1/d)' },
      { value: 'file', label: 'From a file (N_c×d .npy)' },
    ],
    help: `k-means (k-means++ seeding, ${KMEANS_ITERS} Lloyd steps, on a strided sample of ≤ max(2048, 4·N_c) rows), random, or your own N_c×d (or H×N_c×d) surrogates: CLI --set surrogates=file --set surrogatesFile=S.npy; in the browser, load or fit them in the CAST panel.`,
  },
  {
    name: 'surrogatesFile', label: 'Surrogates file', type: 'file', default: '', urlKey: 'sf', csvColumn: 'cast_surrogates_file',
    help: 'With surrogates = file: path of an N_c×d or H×N_c×d float32/float64 .npy (CLI). In the browser: the file loaded or fitted in the CAST panel (the panel sets this).',
  },
  {
    name: 'surrogateSeed', label: 'Surrogate seed', type: 'int', default: 1, min: 0, max: 2 ** 31 - 1, urlKey: 'ss', csvColumn: 'cast_surrogate_seed',
    help: 'Seed of the k-means++ seeding and of random surrogates (each head draws its own stream).',
  },
];

/** FLOPs, bytes and memory of one CAST forward (see docs/benchmarks-cast.md). */
export function castCost(shape: Shape, p: ParamValues): Cost {
  const { n, d, dv, heads } = shape;
  const nc = Number(p.clusters);
  const kappa = Math.min(n, effectiveKappa(n, nc, Number(p.kappa)));
  const sa = (p.mode as CastMode) === 'sa-topk';
  // member pairs of the intra-cluster attention: N_c·κ² for Top-K; SA Top-K clusters hold
  // ≤ κ of the N tokens, so ≤ min(N, N_c·κ)·κ
  const pairs = sa ? Math.min(n, nc * kappa) * kappa : nc * kappa * kappa;
  const members = sa ? Math.min(n, nc * kappa) : nc * kappa;
  const flops =
    heads *
    (4 * n * nc * d + // A_q, A_k
      12 * n * nc + // softmaxes over clusters and A_g
      n * nc * Math.ceil(Math.log2(kappa + 1)) + // selection (docs/spec/benchmarks.md)
      pairs * (2 * d + 2 * dv + 5) + // intra-cluster attention
      members * (2 * dv + 6) + // summaries
      2 * n * nc * dv); // mixing
  const tilesI = Math.ceil(n / LOGIT_TOKENS);
  const bytes =
    heads *
    4 *
    (2 * n * d + tilesI * nc * d + 2 * n * nc + // logits: Q, K once, S per token tile; write A_q, A_k
      4 * n * nc + // softmax: read A_q, A_k; write W, A_g
      (sa ? 20 : 9) * n * nc + // selection passes over A_g (+ choices, rounds) and the member slots
      nc * Math.ceil(kappa / INTRA_ROWS) * kappa * (d + dv) + members * (d + dv) + // intra: gathered K/V tiles, Q and Y rows
      members * (dv + 2) + nc * dv + // summaries
      2 * n * nc + Math.ceil(n / MIX_TOKENS) * nc * dv + members * dv + n * dv); // mixing: W, slots, R tiles, Y; write O
  const memory = heads * 4 * (n * dv + nc * d + 4 * n * nc + nc * kappa * (1 + 4 * Math.ceil(dv / 4)) + nc * (4 + 4 * Math.ceil(dv / 4)) + n) + 48;
  return { flops, bytes, memory };
}

function num(p: ParamValues, k: string) {
  return Number(p[k]);
}

export const castVariant: AttentionVariant = {
  id: 'cast',
  label: 'CAST (clustering with surrogate tokens)',
  summary: 'Tokens join clusters by their affinity to N_c surrogate tokens; exact attention inside each cluster, cluster summaries outside, mixed by softmax(Q·Sᵀ/√d).',
  params: castParams,
  supports: { causal: false, map: true },
  tolerance: { abs: 1e-5, rel: 1e-4, absScale: 'one' },
  validate(shape: Shape, p: ParamValues, files?: FileMap) {
    const errs: string[] = [];
    const nc = num(p, 'clusters');
    const kappa = num(p, 'kappa');
    if (nc > shape.n) errs.push(`clusters N_c = ${nc} exceeds N = ${shape.n}: every cluster needs a token (use N_c ≤ N)`);
    if (kappa > shape.n) errs.push(`cluster size κ = ${kappa} exceeds N = ${shape.n} (use κ ≤ N, or 0 for ⌈N/N_c⌉)`);
    if (shape.d > CAST_MAX_HEAD_DIM || shape.dv > CAST_MAX_HEAD_DIM) {
      errs.push(`CAST supports head dimensions up to ${CAST_MAX_HEAD_DIM}; got d = ${shape.d}, dv = ${shape.dv}`);
    }
    if (p.surrogates === 'file') {
      try {
        const name = String(p.surrogatesFile ?? '');
        errs.push(...checkSurrogateShape(surrogatesNpy(name, files), name, nc, shape.d, shape.heads));
      } catch (e) {
        errs.push((e as Error).message);
      }
    } else if (p.surrogatesFile) {
      errs.push(`surrogatesFile is set ("${String(p.surrogatesFile)}") but surrogates = ${String(p.surrogates)}: set surrogates = file to use it, or clear it`);
    }
    return errs;
  },
  notes(shape: Shape, p: ParamValues): Extra[] {
    const n = shape.n;
    const nc = num(p, 'clusters');
    const kappa = effectiveKappa(n, nc, num(p, 'kappa'));
    const notes: Extra[] = [
      {
        kind: 'metric', id: 'kappa', label: 'Cluster size κ', value: kappa, csvColumn: 'kappa',
        help: num(p, 'kappa') > 0 ? 'as set' : `⌈N/N_c⌉ = ⌈${n}/${nc}⌉`,
      },
    ];
    if (nc * kappa < n) {
      notes.push({
        kind: 'note', id: 'uncovered', tone: 'info',
        text: `N_c·κ = ${nc * kappa} < N = ${n}: at least ${n - nc * kappa} tokens join no cluster and get only cluster summaries.`,
      });
    }
    if ((p.surrogates === 'kmeans-k' || p.surrogates === 'kmeans-qk') && nc <= n) {
      const rows = p.surrogates === 'kmeans-k' ? n : 2 * n;
      const m = kmeansSampleSize(rows, nc);
      if (m < rows) notes.push({ kind: 'note', id: 'kmeansSample', tone: 'info', text: `k-means of S runs on a strided sample of ${m} of the ${rows} rows (CPU, float64, once per plan; not timed).` });
    }
    return notes;
  },
  reference: (x, p, files) => castReference(x, p, { files }),
  // the kernels (WGSL) load with the first plan, not with the registry
  plan: async (gpu, shape, p, inputs, files) => (await import('./plan')).planCast(gpu, shape, p, inputs, {}, files),
  cost: castCost,
  panels: [{ title: 'CAST: surrogate tokens (load or fit S)', load: () => import('./panel') }],
};
