// The parameters of the streaming variants (their controls, URL keys, CSV columns and `--set`
// names) and how they resolve: shared by the variants, their batch plan, the stream panel and
// `cli stream`, without the kernels.
import type { ParamSpec, ParamValues } from '../../params/schema';
import { STREAM_MAX_M } from './config';

export const refreshParam: ParamSpec = {
  name: 'refresh', label: 'Refresh every R steps', type: 'int', default: -1, min: -1, max: 1_000_000,
  urlKey: 'rf', csvColumn: 'refresh',
  help: 'Recompute the running sums from the ring buffers every R steps (float32 drift): −1 = every N steps, the window (default); 0 = never, to watch the drift; R > 0 = every R steps.',
};
export const guardParam: ParamSpec = {
  name: 'guard', label: 'Cancellation guard', type: 'bool', default: true, urlKey: 'gd', csvColumn: 'guard',
  help: 'Recompute a running sum on the spot when removing the oldest key would cancel more than half of it (where float32 subtraction loses its digits). Off: only refreshes fight the drift.',
};
export const outputParam: ParamSpec = {
  name: 'output', label: 'Output', type: 'enum', default: 'single', urlKey: 'out', csvColumn: 'stream_output',
  options: [
    { value: 'single', label: 'Single output (the newest token)' },
    { value: 'retroactive', label: 'Retroactive (the whole window, every step)' },
  ],
  help: 'Single output emits the newest token’s row per step (8dm + m² + 6m multiplications); retroactive re-emits all N rows (+ Ndm).',
};
export const landmarksParam: ParamSpec = {
  name: 'landmarks', label: 'Landmarks', type: 'enum', default: 'fixed', urlKey: 'lm', csvColumn: 'stream_landmarks',
  options: [
    { value: 'fixed', label: 'Fixed (k-means of a calibration prefix, or files)' },
    { value: 'continual', label: 'Continual (means of blocks of N/m tokens; m must divide N)' },
  ],
  help: 'Fixed landmarks never change, so Z is computed once; continual ones follow the stream, replacing the oldest landmark every N/m steps.',
};
// m and iters as Nyström declares them (the same names, URL keys and CSV columns), with the
// stream kernels' limit on m
export const conysM: ParamSpec = {
  name: 'm', label: 'Landmarks m', type: 'int', default: 8, min: 1, max: STREAM_MAX_M, scale: 'log',
  urlKey: 'm', csvColumn: 'rank_m',
  help: 'Number of landmarks. Continual landmarks need m to divide the window N.',
};
export const itersParam: ParamSpec = {
  name: 'iters', label: 'Pseudo-inverse iterations', type: 'int', default: 6, min: 1, max: 30,
  urlKey: 'it', csvColumn: 'pinv_iters',
  help: 'Steps of the iterative Moore–Penrose pseudo-inverse of the m×m landmark matrix (6 in the paper). More steps: Z closer to A⁻¹.',
};
export const calibParam: ParamSpec = {
  name: 'calib', label: 'Calibration tokens', type: 'int', default: 0, min: 0, max: 1_000_000, urlKey: 'cal', csvColumn: 'calib',
  help: 'Fixed landmarks are k-means centroids of the first `calib` tokens’ scaled queries and keys (0 = N, one window).',
};
export const kseedParam: ParamSpec = {
  name: 'kseed', label: 'k-means seed', type: 'int', default: 1, min: 0, max: 2 ** 31 - 1, urlKey: 'ks', csvColumn: 'kmeans_seed',
  help: 'Seed of the k-means++ initialisation of the fixed landmarks (keys use seed + 1).',
};
export const qlandParam: ParamSpec = {
  name: 'qland', label: 'Query landmarks (.npy)', type: 'file', default: '', urlKey: 'ql', csvColumn: 'qland',
  help: 'Your own fixed query landmarks (.npy), m×d (or H×m×d) in the unscaled space of Q, with kland; empty: k-means landmarks. A picked file is not part of a shared link.',
};
export const klandParam: ParamSpec = {
  name: 'kland', label: 'Key landmarks (.npy)', type: 'file', default: '', urlKey: 'kl', csvColumn: 'kland',
  help: 'Your own fixed key landmarks (.npy), m×d (or H×m×d) in the unscaled space of K, with qland; empty: k-means landmarks. A picked file is not part of a shared link.',
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

/** The running sums' stabilization of CoRe and Continual Nyström: refresh period and guard. */
export function stabilization(p: ParamValues, n: number): { refresh: number; guard: boolean } {
  return { refresh: resolveRefresh(p, n), guard: p.guard !== false };
}
