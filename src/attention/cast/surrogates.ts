// CAST surrogate tokens S (N_c×d per head), docs/spec/variants.md §3 step 1.
//
// Sources:
// - kmeans-k (default): k-means of the keys; kmeans-qk: k-means of the stacked [Q; K];
// - random: i.i.d. N(0, 1/d), seeded;
// - file: an N_c×d (shared by every head) or H×N_c×d .npy the user trained elsewhere, named
//   by the file-type parameter surrogatesFile; its bytes come with the run (FileMap): the CLI
//   reads the path (`--set surrogates=file --set surrogatesFile=S.npy`), the page takes the
//   file loaded or fitted in the CAST panel (or picked with the file picker).
//
// S is a parameter of the model, not part of the forward: it is computed once, on the CPU,
// in float64, and rounded to float32. The f64 reference and the GPU plan call the very same
// code on the very same f32-rounded inputs, so both use bit-identical surrogates (the plan
// reads the sampled rows back from the GPU before it encodes anything). k-means runs on a
// strided sample of at most max(2048, 4·N_c) rows — rows ⌊j·R/M⌋, j < M, of the R candidate
// rows — so initializing S stays well under a second even at N = 65 536.
import { Rng } from '../../workloads/rng';
import { parseNpy, formatShape, type NpyArray } from '../../workloads/npy';
import type { FileMap } from '../types';

export type SurrogateSource = 'kmeans-k' | 'kmeans-qk' | 'random' | 'file';

/** Lloyd iterations of the k-means initialization (after k-means++ seeding). */
export const KMEANS_ITERS = 10;
/** Rows k-means sees at least (when there are that many). */
export const KMEANS_MIN_SAMPLE = 2048;

/** Sample size of the k-means: min(R, max(2048, 4·N_c)) of R candidate rows. */
export function kmeansSampleSize(rows: number, clusters: number): number {
  return Math.min(rows, Math.max(KMEANS_MIN_SAMPLE, 4 * clusters));
}

/** Row j of the strided sample of M rows out of R: ⌊j·R/M⌋ (exact in double for R·M < 2⁵³). */
export function sampleRow(j: number, rows: number, m: number): number {
  return Math.floor((j * rows) / m);
}

/** Seed of head h's generator: distinct heads, distinct streams. */
function headRng(seed: number, head: number): Rng {
  return new Rng(((seed >>> 0) ^ Math.imul(head + 1, 0x9e3779b9)) >>> 0);
}

/**
 * k-means (k-means++ seeding, then KMEANS_ITERS Lloyd steps) of `m` points of dimension d,
 * in float64; ties go to the lower centre index; an empty cluster keeps its centre.
 * Returns k×d centres.
 */
export function kmeans(points: Float64Array, m: number, d: number, k: number, rng: Rng, iters = KMEANS_ITERS): Float64Array {
  if (k > m) throw new RangeError(`k-means: ${k} centres need at least ${k} points, got ${m}`);
  const centres = new Float64Array(k * d);
  const dist = new Float64Array(m).fill(Infinity);
  const sq = (a: Float64Array, ao: number, b: Float64Array, bo: number) => {
    let s = 0;
    for (let c = 0; c < d; c++) {
      const t = a[ao + c] - b[bo + c];
      s += t * t;
    }
    return s;
  };
  // k-means++: first centre uniform, then proportional to the squared distance to the nearest
  let pick = rng.int(m);
  for (let j = 0; j < k; j++) {
    centres.set(points.subarray(pick * d, pick * d + d), j * d);
    if (j === k - 1) break;
    let total = 0;
    for (let i = 0; i < m; i++) {
      const s = sq(points, i * d, centres, j * d);
      if (s < dist[i]) dist[i] = s;
      total += dist[i];
    }
    if (total > 0) {
      let u = rng.next() * total;
      pick = m - 1;
      for (let i = 0; i < m; i++) {
        u -= dist[i];
        if (u < 0 && dist[i] > 0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = rng.int(m); // every point sits on a centre: duplicates are all that is left
    }
  }
  const assign = new Int32Array(m);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let it = 0; it < iters; it++) {
    for (let i = 0; i < m; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let j = 0; j < k; j++) {
        const s = sq(points, i * d, centres, j * d);
        if (s < bestD) {
          bestD = s;
          best = j;
        }
      }
      assign[i] = best;
    }
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < m; i++) {
      const j = assign[i];
      counts[j]++;
      for (let c = 0; c < d; c++) sums[j * d + c] += points[i * d + c];
    }
    for (let j = 0; j < k; j++) {
      if (counts[j] === 0) continue;
      for (let c = 0; c < d; c++) centres[j * d + c] = sums[j * d + c] / counts[j];
    }
  }
  return centres;
}

/** Rows (as token/row indices into the candidate matrix) k-means samples for a source. */
export function sampleRows(source: 'kmeans-k' | 'kmeans-qk', n: number, clusters: number): { rows: number; picks: number[] } {
  const rows = source === 'kmeans-k' ? n : 2 * n;
  const m = kmeansSampleSize(rows, clusters);
  return { rows, picks: Array.from({ length: m }, (_, j) => sampleRow(j, rows, m)) };
}

/**
 * Surrogates of one head computed from sampled rows: `sample` holds the picked rows of K
 * (kmeans-k) or of [Q; K] (kmeans-qk), in sampleRows order. Returns N_c×d, rounded to f32.
 */
export function surrogatesFromSample(sample: Float64Array, m: number, d: number, clusters: number, seed: number, head: number): Float32Array {
  return Float32Array.from(kmeans(sample, m, d, clusters, headRng(seed, head)));
}

/** Random surrogates of one head: i.i.d. N(0, 1/d), rounded to f32. */
export function randomSurrogates(clusters: number, d: number, seed: number, head: number): Float32Array {
  const rng = headRng(seed, head);
  const s = 1 / Math.sqrt(d);
  return Float32Array.from({ length: clusters * d }, () => rng.normal() * s);
}

// ----------------------------------------------------------------------------- files

/**
 * The array of the surrogate file `name` (the value of surrogatesFile), parsed from its bytes
 * in `files`. Throws, naming the parameter, when no file is named or its bytes are missing.
 */
export function surrogatesNpy(name: string, files?: FileMap): NpyArray {
  if (!name) {
    throw new Error('surrogates = file needs surrogatesFile: an N_c×d .npy (CLI: --set surrogatesFile=S.npy; in the page: load or fit S in the CAST panel)');
  }
  const bytes = files?.get(name);
  if (!bytes) {
    throw new Error(`surrogatesFile "${name}": the file's bytes were not provided (CLI: the path of an .npy; in the page: load it, or fit S, in the CAST panel)`);
  }
  return parseNpy(bytes, name);
}

/** Problems with a surrogate array for `clusters` surrogates of dimension d over `heads` heads. */
export function checkSurrogateShape(npy: NpyArray, name: string, clusters: number, d: number, heads: number): string[] {
  const s = npy.shape;
  const ok2 = s.length === 2 && s[0] === clusters && s[1] === d;
  const ok3 = s.length === 3 && s[0] === heads && s[1] === clusters && s[2] === d;
  if (ok2 || ok3) return [];
  return [
    `surrogate file ${name} has shape ${formatShape(s)}; CAST needs N_c×d = (${clusters}, ${d})` +
      (heads > 1 ? ` or H×N_c×d = (${heads}, ${clusters}, ${d})` : '') +
      ` (set clusters to the file's N_c; d is the head dimension)`,
  ];
}

/** H×N_c×d f32 surrogates from a checked file array (an N_c×d array serves every head). */
export function surrogatesFromFile(npy: NpyArray, clusters: number, d: number, heads: number): Float32Array {
  const per = clusters * d;
  const out = new Float32Array(heads * per);
  for (let h = 0; h < heads; h++) {
    const src = npy.shape.length === 2 ? npy.data.subarray(0, per) : npy.data.subarray(h * per, (h + 1) * per);
    out.set(src, h * per);
  }
  return out;
}

/** H×N_c×d f32 surrogates from the file surrogatesFile = `name` (bytes in `files`), shape-checked. */
export function surrogatesFromFiles(name: string, files: FileMap | undefined, clusters: number, d: number, heads: number): Float32Array {
  const npy = surrogatesNpy(name, files);
  const errs = checkSurrogateShape(npy, name, clusters, d, heads);
  if (errs.length) throw new Error(errs.join('; '));
  return surrogatesFromFile(npy, clusters, d, heads);
}

export interface SurrogateParams {
  clusters: number;
  source: SurrogateSource;
  file: string;
  seed: number;
  /** the bytes of the file `file` names (surrogates = file) */
  files?: FileMap;
}

/**
 * H×N_c×d f32 surrogates from float64 inputs (H×N×d q and k holding f32-representable
 * values): the reference's path. The plan gets the same result from rows read back from the GPU.
 */
export function resolveSurrogates(q: Float64Array, k: Float64Array, n: number, d: number, heads: number, sp: SurrogateParams): Float32Array {
  const nc = sp.clusters;
  if (sp.source === 'file') return surrogatesFromFiles(sp.file, sp.files, nc, d, heads);
  const out = new Float32Array(heads * nc * d);
  for (let h = 0; h < heads; h++) {
    if (sp.source === 'random') {
      out.set(randomSurrogates(nc, d, sp.seed, h), h * nc * d);
      continue;
    }
    const { picks } = sampleRows(sp.source, n, nc);
    const sample = new Float64Array(picks.length * d);
    picks.forEach((r, j) => {
      const src = r < n && sp.source === 'kmeans-qk' ? q : k;
      const row = sp.source === 'kmeans-qk' && r >= n ? r - n : r;
      sample.set(src.subarray((h * n + row) * d, (h * n + row) * d + d), j * d);
    });
    out.set(surrogatesFromSample(sample, picks.length, d, nc, sp.seed, h), h * nc * d);
  }
  return out;
}
