// The streaming variants in the registry: CoSi, CoRe (Hedegaard & Iosifidis 2023) and Continual
// Nyström (Carreto Picón et al., arXiv 2412.03214). Their natural mode is the stream
// (src/stream: the `stream` CLI command and the UI's stream panel).
//
// A *batch* run of one of them (the playground's main view, `cli run`, `cli bench`) computes one
// window: the N tokens are stored in the ring buffers, the method's state is computed from them
// as a refresh would, and the whole window is emitted, every row computed the way the method
// computes its newest row. For CoSi and CoRe that is exact (non-causal) attention, for Continual
// Nyström batch Nyström with its landmarks (k-means of the first `calib` tokens or the user's
// files; continual landmarks: the segment means). Its time is that of a from-scratch window,
// not of a step: per-step costs are measured by the stream engine.
import type { AttentionVariant, Cost, Extra, Inputs64, Shape } from '../types';
import type { ParamSpec, ParamValues } from '../../params/schema';
import { exactReference } from '../exact/reference';
import { nystromReference } from '../nystrom/reference';
import { itersParam, landmarkParam } from '../nystrom/variant';
import { STREAM_MAX_D, STREAM_MAX_M, validateStreamConfig, type StreamConfig } from './config';
import { opsExact, opsPerStep, type StreamMethod } from './ops';
import { fixedLandmarks, isNode } from './landmarks';
import { scaleLandmarks } from './reference';

export const refreshParam: ParamSpec = {
  name: 'refresh', label: 'Refresh every R steps', type: 'int', default: -1, min: -1, max: 1_000_000,
  urlKey: 'rf', csvColumn: 'refresh',
  help: 'Recompute the running sums from the ring buffers every R steps (float32 drift): −1 = every N steps, the window (default); 0 = never, to watch the drift; R > 0 = every R steps.',
};
export const guardParam: ParamSpec = {
  name: 'guard', label: 'Cancellation guard', type: 'bool', default: true, urlKey: 'gd', csvColumn: 'guard',
  help: 'Recompute a running sum on the spot when removing the oldest key would cancel more than half of it (where float32 subtraction loses its digits). Off: only refreshes fight the drift.',
};
const outputParam: ParamSpec = {
  name: 'output', label: 'Output', type: 'enum', default: 'single', urlKey: 'out', csvColumn: 'stream_output',
  options: [
    { value: 'single', label: 'Single output (the newest token)' },
    { value: 'retroactive', label: 'Retroactive (the whole window, every step)' },
  ],
  help: 'Single output emits the newest token’s row per step (8dm + m² + 6m multiplications); retroactive re-emits all N rows (+ Ndm).',
};
const landmarksParam: ParamSpec = {
  name: 'landmarks', label: 'Landmarks', type: 'enum', default: 'fixed', urlKey: 'lm', csvColumn: 'stream_landmarks',
  options: [
    { value: 'fixed', label: 'Fixed (k-means of a calibration prefix, or files)' },
    { value: 'continual', label: 'Continual (means of blocks of N/m tokens; m must divide N)' },
  ],
  help: 'Fixed landmarks never change, so Z is computed once; continual ones follow the stream, replacing the oldest landmark every N/m steps.',
};
const conysM: ParamSpec = {
  ...landmarkParam, default: 8, max: STREAM_MAX_M,
  help: 'Number of landmarks. Continual landmarks need m to divide the window N.',
} as ParamSpec;
const calibParam: ParamSpec = {
  name: 'calib', label: 'Calibration tokens', type: 'int', default: 0, min: 0, max: 1_000_000, urlKey: 'cal', csvColumn: 'calib',
  help: 'Fixed landmarks are k-means centroids of the first `calib` tokens’ scaled queries and keys (0 = N, one window).',
};
const kseedParam: ParamSpec = {
  name: 'kseed', label: 'k-means seed', type: 'int', default: 1, min: 0, max: 2 ** 31 - 1, urlKey: 'ks', csvColumn: 'kmeans_seed',
  help: 'Seed of the k-means++ initialisation of the fixed landmarks (keys use seed + 1).',
};
const qlandParam: ParamSpec = {
  name: 'qland', label: 'Query landmarks (.npy)', type: 'file', default: '', urlKey: 'ql', csvColumn: 'qland',
  help: 'Your own fixed query landmarks, m×d (or H×m×d) in the unscaled space of Q. Command line only (with kland); in the browser the k-means landmarks are used.',
};
const klandParam: ParamSpec = {
  name: 'kland', label: 'Key landmarks (.npy)', type: 'file', default: '', urlKey: 'kl', csvColumn: 'kland',
  help: 'Your own fixed key landmarks, m×d (or H×m×d) in the unscaled space of K. Command line only (with qland); in the browser the k-means landmarks are used.',
};

/** refresh −1 means "every N steps". */
export function resolveRefresh(p: ParamValues, n: number): number {
  const r = Number(p.refresh ?? -1);
  return r < 0 ? n : r;
}

export function resolveCalib(p: ParamValues, n: number): number {
  const c = Number(p.calib ?? 0);
  return c > 0 ? c : n;
}

/** The engine configuration of a variant's parameters (fixed landmarks to be filled in by the caller). */
export function streamConfigOf(method: 'cosi' | 'core' | 'conys', shape: Shape, p: ParamValues): StreamConfig {
  const base: StreamConfig = { method, n: shape.n, d: shape.d, dv: shape.dv, heads: shape.heads };
  if (method === 'cosi') return base;
  const common = { ...base, refresh: resolveRefresh(p, shape.n), guard: p.guard !== false };
  if (method === 'core') return common;
  return {
    ...common,
    m: Number(p.m),
    iters: Number(p.iters),
    output: p.output === 'retroactive' ? 'retroactive' : 'single',
    landmarks: p.landmarks === 'continual' ? 'continual' : 'fixed',
  };
}

function opsNote(method: StreamMethod, shape: Shape, p: ParamValues): Extra {
  const s = { n: shape.n, d: shape.d, m: Number(p.m), output: p.output as 'single' | 'retroactive', landmarks: p.landmarks as 'fixed' | 'continual' };
  const ops = opsPerStep(method, s);
  const ratio = opsExact(shape.n, shape.d) / ops;
  return {
    kind: 'note', id: 'stream-ops',
    text: `As a stream with window N = ${shape.n}: ${Math.round(ops).toLocaleString('en-US')} multiplications per step and head, ${ratio >= 10 ? Math.round(ratio).toLocaleString('en-US') : ratio.toPrecision(3)}× fewer than recomputing exact attention over the window (${opsExact(shape.n, shape.d).toLocaleString('en-US')}). The stream panel and \`cli stream\` run it step by step.`,
  };
}

const batchNote: Extra = {
  kind: 'note', id: 'stream-batch',
  text: 'This run computes one full window from scratch with the streaming kernels (every row the way the method computes its newest one); its time is not a per-step time.',
};

function commonValidate(shape: Shape): string[] {
  const errs: string[] = [];
  if (shape.d > STREAM_MAX_D || shape.dv > STREAM_MAX_D) errs.push(`the stream kernels support head dimensions up to ${STREAM_MAX_D}; got d = ${shape.d}, dv = ${shape.dv}`);
  return errs;
}

/** A rough cost of the batch (window) run: the from-scratch window. */
function windowCost(method: 'cosi' | 'core' | 'conys', shape: Shape, p: ParamValues): Cost {
  const { n, d, dv, heads: H } = shape;
  const m = Number(p.m ?? 1);
  const ring = 4 * H * (2 * n * d + n * dv + d + dv);
  if (method === 'conys') {
    const flops = H * (2 * m * n * (d + dv) + 2 * n * m * d + 2 * n * m * m + 2 * n * m * dv + 8 * Number(p.iters) * m ** 3);
    return { flops, bytes: 4 * H * n * (2 * d + dv) * 3, memory: ring + 4 * H * (2 * m + 2 * m * dv + 2 * n * m + 2 * n + n * dv) };
  }
  const flops = H * n * n * (2 * d + 2 * dv + 5);
  const memory = ring + 4 * H * n * dv + (method === 'core' ? 4 * H * n * (2 + dv) : 0);
  return { flops, bytes: 4 * H * n * (2 * d + dv) + 4 * H * n * n * (d + dv) / 64, memory };
}

/** Fixed landmarks of a batch run (scaled, f64) for the reference: the same k-means (or files) the plan uses. */
function referenceLandmarks(x: Inputs64, p: ParamValues): { q: Float64Array; k: Float64Array } {
  const { n, d, heads } = x.shape;
  const m = Number(p.m);
  const lm = fixedLandmarks(
    { qland: String(p.qland ?? ''), kland: String(p.kland ?? ''), calib: resolveCalib(p, n), seed: Number(p.kseed ?? 1), heads, m, d, steps: n },
    x.q, x.k,
  );
  return scaleLandmarks(lm, d);
}

function conysReference(x: Inputs64, p: ParamValues): Float64Array {
  const m = Number(p.m);
  const iters = Number(p.iters);
  if (p.landmarks === 'continual') return nystromReference(x, { m, iters, withMap: false }).out;
  return nystromReference(x, { m, iters, landmarks: referenceLandmarks(x, p), withMap: false }).out;
}

export const cosiVariant: AttentionVariant = {
  id: 'cosi',
  label: 'CoSi (continual single-output attention)',
  summary: 'Streaming exact attention for the newest token: ring buffers of K and V, y_t = softmax(q̂_t·K_Wᵀ)·V_W; 2Nd + 2d multiplications per step.',
  params: [],
  supports: { causal: false, map: false },
  tolerance: { abs: 1e-4, rel: 0, absScale: 'max-abs' },
  validate: (shape) => commonValidate(shape),
  notes: (shape, p) => [opsNote('cosi', shape, p), batchNote],
  reference: (x) => ({ out: exactReference(x, { withMap: false }).out }),
  plan: async (gpu, shape, p, inputs) => (await import('./plan')).planContinual(gpu, shape, 'cosi', p, inputs),
  cost: (shape, p) => windowCost('cosi', shape, p),
};

export const coreVariant: AttentionVariant = {
  id: 'core',
  label: 'CoRe (continual retroactive attention)',
  summary: 'Streaming exact attention for the whole window: running row sums and A·V rows updated by the leaving and the arriving key; 7Nd + 2N − 3d multiplications per step.',
  params: [refreshParam, guardParam],
  supports: { causal: false, map: false },
  tolerance: { abs: 1e-4, rel: 0, absScale: 'max-abs' },
  validate: (shape) => commonValidate(shape),
  notes: (shape, p) => [opsNote('core', shape, p), batchNote],
  reference: (x) => ({ out: exactReference(x, { withMap: false }).out }),
  plan: async (gpu, shape, p, inputs) => (await import('./plan')).planContinual(gpu, shape, 'core', p, inputs),
  cost: (shape, p) => windowCost('core', shape, p),
};

export const conysVariant: AttentionVariant = {
  id: 'conys',
  label: 'Continual Nyström attention',
  summary: 'Streaming Nyström attention: U = Δ·V and δ updated by the leaving and arriving key, landmarks fixed (k-means) or continual (block means); 8dm + m² + 6m multiplications per step (single output, fixed).',
  params: [outputParam, landmarksParam, conysM, itersParam, refreshParam, guardParam, calibParam, kseedParam, qlandParam, klandParam],
  supports: { causal: false, map: false },
  tolerance: { abs: 1e-4, rel: 0, absScale: 'max-abs' },
  validate(shape, p) {
    const errs = commonValidate(shape);
    const cfg = streamConfigOf('conys', shape, p);
    const fake = new Float32Array(shape.heads * Number(p.m) * shape.d);
    errs.push(...validateStreamConfig({ ...cfg, fixedLandmarks: { q: fake, k: fake } }));
    const files = Boolean(p.qland) || Boolean(p.kland);
    if (files && p.landmarks === 'continual') errs.push('landmark files give fixed landmarks: set landmarks=fixed, or leave qland and kland empty');
    if (Boolean(p.qland) !== Boolean(p.kland)) errs.push('give both qland and kland (query and key landmarks), or neither for k-means landmarks');
    if (!files && p.landmarks !== 'continual' && resolveCalib(p, shape.n) < Number(p.m)) {
      errs.push(`k-means of m = ${p.m} landmarks needs at least ${p.m} calibration tokens; calib = ${resolveCalib(p, shape.n)}`);
    }
    return errs;
  },
  notes(shape, p) {
    const notes: Extra[] = [opsNote('conys', shape, p), batchNote];
    if ((p.qland || p.kland) && !isNode()) {
      notes.push({ kind: 'note', id: 'conys-files', tone: 'warning', text: 'Landmark files are read by the command-line tool only: this run uses k-means landmarks.' });
    }
    if (p.landmarks !== 'continual') {
      notes.push({ kind: 'note', id: 'conys-calib', text: `Fixed landmarks: k-means of the first ${Math.min(resolveCalib(p, shape.n), shape.n)} tokens (a calibration prefix: in a stream it is seen before the stream starts).` });
    }
    return notes;
  },
  altReferences: [
    { id: 'nystrom_same_landmarks', label: 'Nyström with the same landmarks (float64)', out: (x, p) => conysReference(x, p) },
  ],
  reference: (x, p) => ({ out: conysReference(x, p) }),
  plan: async (gpu, shape, p, inputs) => (await import('./plan')).planContinual(gpu, shape, 'conys', p, inputs),
  cost: (shape, p) => windowCost('conys', shape, p),
};
