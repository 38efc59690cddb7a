// Stream configuration and its validation, free of kernels (the registry and the UI import it
// without pulling the WGSL into the first page load).
import type { StreamLandmarks, StreamMethod, StreamOutput } from './ops';

/** Largest head dimensions and landmark count the stream kernels hold in workgroup memory. */
export const STREAM_MAX_D = 256;
export const STREAM_MAX_M = 256;

export interface StreamConfig {
  method: StreamMethod;
  /** window N */
  n: number;
  d: number;
  dv: number;
  heads: number;
  /** Continual Nyström */
  output?: StreamOutput;
  landmarks?: StreamLandmarks;
  /** landmarks (Continual Nyström, and the Nyström baseline) */
  m?: number;
  /** pseudo-inverse iterations (default 6) */
  iters?: number;
  /** refresh the running sums every this many steps (default N; 0 = never) */
  refresh?: number;
  /** recompute a running sum when removing the oldest key would cancel over half of it (default on) */
  guard?: boolean;
  /** fixed landmarks, H×m×d each, in the unscaled space of q and k */
  fixedLandmarks?: { q: Float32Array; k: Float32Array };
}

export interface StreamEngineOptions {
  /** steps per batch (default 64) */
  batch?: number;
  /** also return every step's whole window (retroactive methods) */
  keepWindows?: boolean;
}

export interface StreamTokens {
  /** H×steps×d, H×steps×d, H×steps×dv (head-major) */
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  steps: number;
}

export interface StreamBatchResult {
  /** step index of the first step of the batch */
  t0: number;
  steps: number;
  /** H×steps×dv: the newest token's output at every step */
  newest: Float32Array;
  /** H×steps×N×dv: the whole window (rows in token order) at every step, when kept */
  windows?: Float32Array;
  /** GPU time of the batch (timestamp queries), ms; undefined without timestamp-query */
  gpuMs?: number;
  /** wall-clock time of the batch (submit to done, including the readback), ms */
  wallMs: number;
  /** the papers' multiplication counts of this batch's steps that had a full window */
  ops: number;
  fullSteps: number;
  refreshes: number;
  guardRecomputes: number;
}

/** Problems with a stream configuration, as messages for the user ([] = fine). */
export function validateStreamConfig(cfg: StreamConfig): string[] {
  const errs: string[] = [];
  const { n, d, dv, heads, method } = cfg;
  if (!(Number.isInteger(n) && n >= 1)) errs.push(`the window N must be a positive integer, got ${n}`);
  if (!(Number.isInteger(heads) && heads >= 1)) errs.push(`heads must be a positive integer, got ${heads}`);
  if (d > STREAM_MAX_D || dv > STREAM_MAX_D) errs.push(`the stream kernels support head dimensions up to ${STREAM_MAX_D}; got d = ${d}, dv = ${dv}`);
  if (cfg.refresh !== undefined && !(Number.isInteger(cfg.refresh) && cfg.refresh >= 0)) errs.push(`refresh must be an integer ≥ 0 (0 = never), got ${cfg.refresh}`);
  if (method === 'conys' || method === 'nystrom') {
    const m = cfg.m;
    if (m === undefined || !(Number.isInteger(m) && m >= 1)) errs.push(`${method === 'conys' ? 'Continual Nyström' : 'Nyström'} needs a landmark count m ≥ 1`);
    else {
      if (m > n) errs.push(`m = ${m} landmarks need a window of at least ${m} tokens; N = ${n}`);
      if (method === 'conys' && m > STREAM_MAX_M) errs.push(`Continual Nyström supports up to ${STREAM_MAX_M} landmarks, got m = ${m}`);
      if (method === 'conys' && cfg.landmarks === 'continual' && n % m !== 0) {
        const divisors = [];
        for (let x = 1; x <= Math.min(n, STREAM_MAX_M); x++) if (n % x === 0) divisors.push(x);
        errs.push(`continual landmarks average blocks of N/m tokens, so m must divide N: N = ${n}, m = ${m} does not (m could be ${divisors.join(', ')})`);
      }
      if (method === 'conys' && cfg.landmarks !== 'continual') {
        const want = heads * m * d;
        if (!cfg.fixedLandmarks) errs.push('fixed landmarks need the landmarks (k-means of a calibration prefix, or the user’s files)');
        else if (cfg.fixedLandmarks.q.length !== want || cfg.fixedLandmarks.k.length !== want) {
          errs.push(`fixed landmarks must be H×m×d = ${heads}×${m}×${d} each; got ${cfg.fixedLandmarks.q.length} and ${cfg.fixedLandmarks.k.length} values`);
        }
      }
    }
    const iters = cfg.iters ?? 6;
    if (!(Number.isInteger(iters) && iters >= 1 && iters <= 30)) errs.push(`iters must be an integer in 1…30, got ${iters}`);
  }
  return errs;
}

