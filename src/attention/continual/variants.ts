// The streaming variants in the registry: CoSi, CoRe (Hedegaard & Iosifidis 2023) and Continual
// Nyström (Carreto Picón et al., arXiv 2412.03214). Their natural mode is the stream (ring.ts:
// the `stream` CLI command, cli-stream.ts, and the stream panel, panel-stream.tsx).
//
// A *batch* run of one of them (the playground's main view, `cli run`, `cli bench`) computes one
// window: the N tokens are stored in the ring buffers, the method's state is computed from them
// as a refresh would, and the whole window is emitted, every row computed the way the method
// computes its newest row. For CoSi and CoRe that is exact (non-causal) attention, for Continual
// Nyström batch Nyström with its landmarks (k-means of the first `calib` tokens or the user's
// files; continual landmarks: the segment means). Its time is that of a from-scratch window,
// not of a step: per-step costs are measured by the stream engine.
import type { AttentionVariant, Cost, Extra, FileMap, Inputs64, Shape, VariantCommand, VariantPanel } from '../types';
import type { ParamValues } from '../../params/schema';
import { exactReference } from '../exact/reference';
import { nystromReference } from '../nystrom/reference';
import { STREAM_MAX_D, validateStreamConfig } from './config';
import { opsExact, opsPerStep, type StreamMethod } from './ops';
import { fixedLandmarks, missingLandmarkFile } from './landmarks';
import { scaleLandmarks } from './reference';
import { STREAM_METHODS } from './methods';
import {
  calibParam, conysM, guardParam, itersParam, klandParam, kseedParam, landmarksParam, outputParam, qlandParam, refreshParam, resolveCalib,
} from './params';

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

const ringBytes = ({ n, d, dv, heads }: Shape) => 4 * heads * (2 * n * d + n * dv + d + dv);

/** A rough cost of the batch (window) run of CoSi and CoRe, each row over the whole window; `state`: bytes of running sums. */
function rowsCost(shape: Shape, state: number): Cost {
  const { n, d, dv, heads: H } = shape;
  const flops = H * n * n * (2 * d + 2 * dv + 5);
  return { flops, bytes: 4 * H * n * (2 * d + dv) + 4 * H * n * n * (d + dv) / 64, memory: ringBytes(shape) + 4 * H * n * dv + state };
}

/** A rough cost of Continual Nyström's batch (window) run. */
function conysCost(shape: Shape, p: ParamValues): Cost {
  const { n, d, dv, heads: H } = shape;
  const m = Number(p.m ?? 1);
  const flops = H * (2 * m * n * (d + dv) + 2 * n * m * d + 2 * n * m * m + 2 * n * m * dv + 8 * Number(p.iters) * m ** 3);
  return { flops, bytes: 4 * H * n * (2 * d + dv) * 3, memory: ringBytes(shape) + 4 * H * (2 * m + 2 * m * dv + 2 * n * m + 2 * n + n * dv) };
}

/** Fixed landmarks of a batch run (scaled, f64) for the reference: the same k-means (or files) the plan uses. */
function referenceLandmarks(x: Inputs64, p: ParamValues, files?: FileMap): { q: Float64Array; k: Float64Array } {
  const { n, d, heads } = x.shape;
  const m = Number(p.m);
  const lm = fixedLandmarks(
    { qland: String(p.qland ?? ''), kland: String(p.kland ?? ''), calib: resolveCalib(p, n), seed: Number(p.kseed ?? 1), heads, m, d, steps: n },
    x.q, x.k, files,
  );
  return scaleLandmarks(lm, d);
}

function conysReference(x: Inputs64, p: ParamValues, files?: FileMap): Float64Array {
  const m = Number(p.m);
  const iters = Number(p.iters);
  if (p.landmarks === 'continual') return nystromReference(x, { m, iters, withMap: false }).out;
  return nystromReference(x, { m, iters, landmarks: referenceLandmarks(x, p, files), withMap: false }).out;
}

/** The stream player, one panel per variant (it plays the selected one). */
const streamPanel = (title: string): VariantPanel => ({ title, load: () => import('./panel-stream') });

/** `cli stream`: one command for the three variants (and the baselines they are measured against). */
const streamCommand: VariantCommand = {
  name: 'stream',
  help: `  stream --variant cosi|core|conys|exact|nystrom --window N
      (--q Q.npy --k K.npy --v V.npy | --steps T --d D [--heads H] [--workload W] [--seed S] [--logit-scale X])
      [--set NAME=VALUE]... [--out Y.npy] [--out-window W.npy] [--batch B] [--check] [--json]
      streams the tokens one per step through a window of N on the GPU: CoSi, CoRe, Continual
      Nyström (--set output=single|retroactive, landmarks=fixed|continual, m=…, refresh=…,
      qland=QL.npy kland=KL.npy …), or exact / Nyström recomputed at every step (baselines).
      Q/K/V are the whole stream (T×d or H×T×d). --out writes the newest token's output of
      every step t ≥ N−1 ((T−N+1)×dv); --out-window the whole window per step
      ((T−N+1)×N×dv; retroactive methods and the baselines). --check compares the newest
      outputs with float64 oracles; --json prints a summary line (time and operations per
      step) on stdout. Progress on stderr.`,
  load: () => import('./cli-stream'),
};

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
  plan: async (gpu, shape, p, inputs, files) => (await import('./plan')).planContinual(gpu, shape, 'cosi', p, inputs, files),
  cost: (shape) => rowsCost(shape, 0),
  panels: [streamPanel('Stream: CoSi step by step')],
  commands: [streamCommand],
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
  plan: async (gpu, shape, p, inputs, files) => (await import('./plan')).planContinual(gpu, shape, 'core', p, inputs, files),
  cost: (shape) => rowsCost(shape, 4 * shape.heads * shape.n * (2 + shape.dv)),
  panels: [streamPanel('Stream: CoRe step by step')],
  commands: [streamCommand],
};

export const conysVariant: AttentionVariant = {
  id: 'conys',
  label: 'Continual Nyström attention',
  summary: 'Streaming Nyström attention: U = Δ·V and δ updated by the leaving and arriving key, landmarks fixed (k-means) or continual (block means); 8dm + m² + 6m multiplications per step (single output, fixed).',
  params: [outputParam, landmarksParam, conysM, itersParam, refreshParam, guardParam, calibParam, kseedParam, qlandParam, klandParam],
  supports: { causal: false, map: false },
  tolerance: { abs: 1e-4, rel: 0, absScale: 'max-abs' },
  validate(shape, p, files) {
    const errs = commonValidate(shape);
    const cfg = STREAM_METHODS.conys.config(shape, p);
    const fake = new Float32Array(shape.heads * Number(p.m) * shape.d);
    errs.push(...validateStreamConfig({ ...cfg, fixedLandmarks: { q: fake, k: fake } }));
    const given = Boolean(p.qland) || Boolean(p.kland);
    if (given && p.landmarks === 'continual') errs.push('landmark files give fixed landmarks: set landmarks=fixed, or leave qland and kland empty');
    if (Boolean(p.qland) !== Boolean(p.kland)) errs.push('give both qland and kland (query and key landmarks), or neither for k-means landmarks');
    for (const name of ['qland', 'kland']) {
      const path = String(p[name] ?? '');
      if (path && !files?.has(path)) errs.push(missingLandmarkFile(name, path));
    }
    if (!given && p.landmarks !== 'continual' && resolveCalib(p, shape.n) < Number(p.m)) {
      errs.push(`k-means of m = ${p.m} landmarks needs at least ${p.m} calibration tokens; calib = ${resolveCalib(p, shape.n)}`);
    }
    return errs;
  },
  notes(shape, p) {
    const notes: Extra[] = [opsNote('conys', shape, p), batchNote];
    if (p.landmarks !== 'continual' && !p.qland && !p.kland) {
      notes.push({ kind: 'note', id: 'conys-calib', text: `Fixed landmarks: k-means of the first ${Math.min(resolveCalib(p, shape.n), shape.n)} tokens (a calibration prefix: in a stream it is seen before the stream starts).` });
    }
    return notes;
  },
  altReferences: [
    { id: 'nystrom_same_landmarks', label: 'Nyström with the same landmarks (float64)', out: (x: Inputs64, p: ParamValues, files?: FileMap) => conysReference(x, p, files) },
  ],
  reference: (x, p, files) => ({ out: conysReference(x, p, files) }),
  plan: async (gpu, shape, p, inputs, files) => (await import('./plan')).planContinual(gpu, shape, 'conys', p, inputs, files),
  cost: (shape, p) => conysCost(shape, p),
  panels: [streamPanel('Stream: Continual Nyström step by step')],
  commands: [streamCommand],
};
