// The stream's methods, one description each, free of kernels: what the ring-buffer core, the
// stream panel and `cli stream` need to know of a method without branching on its id. CoSi,
// CoRe and Continual Nyström are the variants; exact and Nyström attention recomputed over the
// window at every step are the baselines they are measured against. The GPU side of each method
// is its strategy (steps-*.ts), looked up by the same id in ring.ts.
import type { Shape } from '../types';
import type { ParamValues } from '../../params/schema';
import { nystromHead } from '../nystrom/reference';
import type { StreamConfig } from './config';
import type { StreamMethod } from './ops';
import { stabilization } from './params';
import { continualLandmarksAt, exactNewest, nystromWindow, windowOf, type Stream64 } from './reference';

export interface StreamMethodInfo {
  id: StreamMethod;
  /** short name (status lines, track names) */
  name: string;
  /** the name with its configuration (plot legends) */
  label(cfg: StreamConfig): string;
  /** the name with its output mode (messages) */
  outputName(cfg: StreamConfig): string;
  /** recomputed over the window (a baseline), not continual */
  baseline: boolean;
  /** keeps running sums that refreshes and the cancellation guard stabilize */
  stabilized: boolean;
  /** the variant's parameters configure it (the exact baseline has none that do) */
  reportsParams: boolean;
  /** the engine configuration of the variant's parameters (fixed landmarks filled in by the caller) */
  config(shape: Shape, p: ParamValues): StreamConfig;
  /** needs cfg.fixedLandmarks (from the user's files or k-means) */
  usesFixedLandmarks(cfg: StreamConfig): boolean;
  /** emits its whole window at every step */
  retroactive(cfg: StreamConfig): boolean;
  /** the first step whose output is defined (before it the window is not full, for some) */
  firstValidStep(cfg: StreamConfig): number;
  /** the scales of q and k in the ring buffers, so that a logit is a plain dot product */
  scales(d: number): [number, number];
  /** the float64 oracle of the newest output at step t (dv values); `fixed`: the head's scaled fixed landmarks */
  newest(s: Stream64, t: number, cfg: StreamConfig, fixed?: { q: Float64Array; k: Float64Array }): Float64Array;
  /** what `newest` is */
  against: string;
}

const base = (method: StreamMethod, shape: Shape): StreamConfig => ({ method, n: shape.n, d: shape.d, dv: shape.dv, heads: shape.heads });
const never = () => false;
const fromStart = () => 0;
const fullWindow = (cfg: StreamConfig) => cfg.n - 1;
const softmaxScales = (d: number): [number, number] => [1 / Math.sqrt(d), 1];
const exactOracle = (s: Stream64, t: number, cfg: StreamConfig) => exactNewest(s, t, cfg.n);
const EXACT_AGAINST = 'exact window attention (f64)';

const cosi: StreamMethodInfo = {
  id: 'cosi',
  name: 'CoSi',
  label: () => 'CoSi',
  outputName: () => 'CoSi',
  baseline: false,
  stabilized: false,
  reportsParams: true,
  config: (shape) => base('cosi', shape),
  usesFixedLandmarks: never,
  retroactive: never,
  firstValidStep: fromStart,
  scales: softmaxScales,
  newest: exactOracle,
  against: EXACT_AGAINST,
};

const core: StreamMethodInfo = {
  id: 'core',
  name: 'CoRe',
  label: () => 'CoRe',
  outputName: () => 'CoRe',
  baseline: false,
  stabilized: true,
  reportsParams: true,
  config: (shape, p) => ({ ...base('core', shape), ...stabilization(p, shape.n) }),
  usesFixedLandmarks: never,
  retroactive: () => true,
  firstValidStep: fromStart,
  scales: softmaxScales,
  newest: exactOracle,
  against: EXACT_AGAINST,
};

const conys: StreamMethodInfo = {
  id: 'conys',
  name: 'Continual Nyström',
  label: (cfg) => `Continual Nyström (${cfg.output}, ${cfg.landmarks}, m = ${cfg.m})`,
  outputName: (cfg) => `${cfg.output === 'retroactive' ? 'retroactive' : 'single-output'} Continual Nyström`,
  baseline: false,
  stabilized: true,
  reportsParams: true,
  config: (shape, p) => ({
    ...base('conys', shape),
    ...stabilization(p, shape.n),
    m: Number(p.m),
    iters: Number(p.iters),
    output: p.output === 'retroactive' ? 'retroactive' : 'single',
    landmarks: p.landmarks === 'continual' ? 'continual' : 'fixed',
  }),
  usesFixedLandmarks: (cfg) => cfg.landmarks !== 'continual',
  retroactive: (cfg) => cfg.output === 'retroactive',
  // continual landmarks need a full window (m blocks of N/m tokens); fixed ones attend to the tokens so far
  firstValidStep: (cfg) => (cfg.landmarks === 'continual' ? cfg.n - 1 : 0),
  scales: (d) => [d ** -0.25, d ** -0.25],
  newest(s, t, cfg, fixed) {
    const m = cfg.m!;
    const w = nystromWindow(s, t, cfg.n, fixed ?? continualLandmarksAt(s, t, cfg.n, m)!, m, cfg.iters ?? 6);
    return w.subarray((cfg.n - 1) * s.dv);
  },
  against: 'batch Nyström with the same landmarks (f64)',
};

const exact: StreamMethodInfo = {
  id: 'exact',
  name: 'exact',
  label: () => 'exact attention recomputed',
  outputName: () => 'exact attention recomputed',
  baseline: true,
  stabilized: false,
  reportsParams: false,
  config: (shape) => base('exact', shape),
  usesFixedLandmarks: never,
  retroactive: () => true,
  firstValidStep: fullWindow,
  scales: () => [1, 1],
  newest: exactOracle,
  against: EXACT_AGAINST,
};

const nystrom: StreamMethodInfo = {
  id: 'nystrom',
  name: 'Nyström',
  label: (cfg) => `Nyström recomputed (m = ${cfg.m})`,
  outputName: () => 'Nyström recomputed',
  baseline: true,
  stabilized: false,
  reportsParams: true,
  config: (shape, p) => ({ ...base('nystrom', shape), m: Number(p.m), iters: Number(p.iters) }),
  usesFixedLandmarks: never,
  retroactive: () => true,
  firstValidStep: fullWindow,
  scales: () => [1, 1],
  newest(s, t, cfg) {
    const { n } = cfg;
    const { d, dv } = s;
    const { start } = windowOf(t, n);
    const w = nystromHead(s.q.subarray(start * d, (start + n) * d), s.k.subarray(start * d, (start + n) * d), s.v.subarray(start * dv, (start + n) * dv), n, d, dv, { m: cfg.m!, iters: cfg.iters ?? 6 }).out;
    return w.subarray((n - 1) * dv);
  },
  against: 'batch Nyström (f64)',
};

/** Every method, in the order `cli stream` lists them. */
export const STREAM_METHODS: Readonly<Record<StreamMethod, StreamMethodInfo>> = { cosi, core, conys, exact, nystrom };

export function isStreamMethod(id: string): id is StreamMethod {
  return Object.hasOwn(STREAM_METHODS, id);
}

/** The description of a method; throws for an id that is not one. */
export function streamMethod(id: string): StreamMethodInfo {
  if (!isStreamMethod(id)) throw new Error(`"${id}" is not a stream method (${Object.keys(STREAM_METHODS).join(', ')})`);
  return STREAM_METHODS[id];
}
