// Fixed landmarks for Continual Nyström: seeded k-means over a calibration prefix of the stream,
// or the user's own files (`--set qland=QL.npy --set kland=KL.npy`, m×d or H×m×d, in the same
// unscaled space as Q and K). Their bytes come from the host (the contract's FileMap: read by
// the CLI, picked in the page); nothing here reads a file.
import type { FileMap } from '../types';
import { parseNpy, formatShape } from '../../workloads/npy';
import { calibrationLandmarks } from './kmeans';

/** The message for a landmark file whose bytes the host did not hand over. */
export function missingLandmarkFile(param: string, path: string): string {
  return `${param}: the landmark file ${path} was not given (the command line reads it from --set ${param}=PATH; the page needs it picked)`;
}

/** One landmark file's bytes as H×m×d float32 (an m×d file is used for every head). Throws a one-line message. */
export function readLandmarkFile(bytes: Uint8Array, path: string, param: string, heads: number, m: number, d: number): Float32Array {
  const npy = parseNpy(bytes, path);
  const shape = npy.shape;
  const ok2 = shape.length === 2 && shape[0] === m && shape[1] === d;
  const ok3 = shape.length === 3 && shape[0] === heads && shape[1] === m && shape[2] === d;
  if (!ok2 && !ok3) {
    throw new Error(`${param}: ${path} must hold m×d = ${m}×${d} landmarks${heads > 1 ? ` (or H×m×d = ${heads}×${m}×${d})` : ''}, got shape ${formatShape(shape)}`);
  }
  for (let i = 0; i < npy.data.length; i++) {
    if (!Number.isFinite(npy.data[i])) throw new Error(`${param}: ${path} holds a non-finite value at flat index ${i}`);
  }
  const out = new Float32Array(heads * m * d);
  for (let h = 0; h < heads; h++) out.set(ok3 ? npy.data.subarray(h * m * d, (h + 1) * m * d) : npy.data, h * m * d);
  return out;
}

function landmarkFile(files: FileMap | undefined, path: string, param: string, heads: number, m: number, d: number): Float32Array {
  const bytes = files?.get(path);
  if (!bytes) throw new Error(missingLandmarkFile(param, path));
  return readLandmarkFile(bytes, path, param, heads, m, d);
}

/**
 * Fixed landmarks of every head (H×m×d each, unscaled): from the files when both are given
 * (their bytes in `files`, keyed by the parameter's value), else k-means (seed, seed + 1 for
 * keys) over the first `calib` tokens of each head's stream (q, k: H×T×d).
 */
export function fixedLandmarks(
  o: { qland?: string; kland?: string; calib: number; seed: number; heads: number; m: number; d: number; steps: number },
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  files?: FileMap,
): { q: Float32Array; k: Float32Array; source: string } {
  const { heads: H, m, d, steps } = o;
  if (o.qland || o.kland) {
    if (!o.qland || !o.kland) throw new Error('give both qland and kland (query and key landmarks), or neither for k-means landmarks');
    return { q: landmarkFile(files, o.qland, 'qland', H, m, d), k: landmarkFile(files, o.kland, 'kland', H, m, d), source: `files ${o.qland}, ${o.kland}` };
  }
  const calib = Math.min(o.calib, steps);
  if (calib < m) throw new Error(`k-means of ${m} landmarks needs a calibration prefix of at least ${m} tokens; it has ${calib}`);
  const outQ = new Float32Array(H * m * d);
  const outK = new Float32Array(H * m * d);
  for (let h = 0; h < H; h++) {
    const hq = Float64Array.from({ length: calib * d }, (_, i) => q[h * steps * d + i]);
    const hk = Float64Array.from({ length: calib * d }, (_, i) => k[h * steps * d + i]);
    const c = calibrationLandmarks(hq, hk, calib, d, m, o.seed);
    outQ.set(c.q, h * m * d);
    outK.set(c.k, h * m * d);
  }
  return { q: outQ, k: outK, source: `k-means (seed ${o.seed}) of the first ${calib} tokens` };
}
