// Seeded k-means (k-means++ seeding, a fixed number of Lloyd iterations) for Continual Nyström's
// fixed landmarks (docs/spec/variants.md §2): run separately over the calibration prefix's scaled
// queries and keys. Deterministic: the same rows and seed give the same centroids in every browser
// and in Node (xoshiro128** from src/workloads/rng.ts).
import { Rng } from '../../workloads/rng';

export interface KMeansOptions {
  k: number;
  seed: number;
  /** Lloyd iterations (default 25) */
  iters?: number;
}

function dist2(x: Float64Array, i: number, c: Float64Array, j: number, d: number): number {
  let s = 0;
  for (let e = 0; e < d; e++) {
    const t = x[i * d + e] - c[j * d + e];
    s += t * t;
  }
  return s;
}

/** k centroids (k×d) of the n rows of x (n×d). Needs n ≥ k. */
export function kmeans(x: Float64Array, n: number, d: number, o: KMeansOptions): Float64Array {
  const { k } = o;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`k-means needs k ≥ 1, got ${k}`);
  if (n < k) throw new RangeError(`k-means of ${k} clusters needs at least ${k} rows, got ${n}`);
  const rng = new Rng(o.seed);
  const c = new Float64Array(k * d);
  // k-means++: the first centre uniformly, each next one with probability ∝ D(x)²
  const first = Math.min(n - 1, Math.floor(rng.next() * n));
  c.set(x.subarray(first * d, first * d + d), 0);
  const best = new Float64Array(n).fill(Infinity);
  for (let j = 1; j < k; j++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      best[i] = Math.min(best[i], dist2(x, i, c, j - 1, d));
      total += best[i];
    }
    let pick = n - 1;
    if (total > 0) {
      let u = rng.next() * total;
      for (let i = 0; i < n; i++) {
        u -= best[i];
        if (u < 0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = j % n; // all rows coincide with the centres so far
    }
    c.set(x.subarray(pick * d, pick * d + d), j * d);
  }
  const assign = new Int32Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  for (let it = 0; it < (o.iters ?? 25); it++) {
    for (let i = 0; i < n; i++) {
      let bj = 0;
      let bd = Infinity;
      for (let j = 0; j < k; j++) {
        const dd = dist2(x, i, c, j, d);
        if (dd < bd) {
          bd = dd;
          bj = j;
        }
      }
      assign[i] = bj;
    }
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      counts[assign[i]]++;
      for (let e = 0; e < d; e++) sums[assign[i] * d + e] += x[i * d + e];
    }
    for (let j = 0; j < k; j++) {
      if (counts[j] > 0) {
        for (let e = 0; e < d; e++) c[j * d + e] = sums[j * d + e] / counts[j];
      } else {
        // an empty cluster takes the row farthest from its centre (lowest index on ties)
        let far = 0;
        let fd = -1;
        for (let i = 0; i < n; i++) {
          const dd = dist2(x, i, c, assign[i], d);
          if (dd > fd) {
            fd = dd;
            far = i;
          }
        }
        c.set(x.subarray(far * d, far * d + d), j * d);
        assign[far] = j;
      }
    }
  }
  return c;
}

/**
 * Fixed landmarks from the first `calib` tokens of one head's stream (T×d, unscaled): k-means
 * of q̂ = q·d^(−1/4) and of k̂ separately. Returned unscaled (divided back by d^(−1/4)), in the
 * space of the user's own landmark files.
 */
export function calibrationLandmarks(q: Float64Array, k: Float64Array, calib: number, d: number, m: number, seed: number): { q: Float64Array; k: Float64Array } {
  const s = d ** -0.25;
  const scaled = (x: Float64Array) => Float64Array.from(x.subarray(0, calib * d), (v) => v * s);
  const unscale = (c: Float64Array) => c.map((v) => v / s);
  return {
    q: unscale(kmeans(scaled(q), calib, d, { k: m, seed })),
    k: unscale(kmeans(scaled(k), calib, d, { k: m, seed: seed + 1 })),
  };
}
