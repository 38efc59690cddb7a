// Float64 references of the streaming methods (docs/spec/variants.md §2), one head. They compute
// what every step of a stream *should* give, by recomputing over the window — the oracles the
// GPU engine is checked against:
// - CoRe after N warm-up steps equals exact attention over the window (all rows), CoSi its last
//   row (and before that, attention over the tokens so far);
// - Continual Nyström equals batch Nyström over the window with the same landmarks: the fixed
//   ones, or (continual landmarks) the means of the last m completed blocks of L = N/m tokens —
//   which are the window's segment means whenever t + 1 is a multiple of L.
import { nystromHead } from '../nystrom/reference';

/** One head's stream: q, k T×d; v T×dv. */
export interface Stream64 {
  steps: number;
  d: number;
  dv: number;
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
}

/** First token of the window at step t and its length: tokens max(0, t − N + 1)…t. */
export function windowOf(t: number, n: number): { start: number; count: number } {
  const start = Math.max(0, t - n + 1);
  return { start, count: t - start + 1 };
}

function slice(s: Stream64, start: number, count: number) {
  return {
    q: s.q.subarray(start * s.d, (start + count) * s.d),
    k: s.k.subarray(start * s.d, (start + count) * s.d),
    v: s.v.subarray(start * s.dv, (start + count) * s.dv),
  };
}

/** Exact attention over the window of step t: every row (count×dv), token order. */
export function exactWindow(s: Stream64, t: number, n: number): Float64Array {
  const { start, count } = windowOf(t, n);
  const w = slice(s, start, count);
  const { d, dv } = s;
  const out = new Float64Array(count * dv);
  const sc = new Float64Array(count);
  const scale = 1 / Math.sqrt(d);
  for (let i = 0; i < count; i++) {
    let max = -Infinity;
    for (let j = 0; j < count; j++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += w.q[i * d + c] * w.k[j * d + c];
      sc[j] = dot * scale;
      if (sc[j] > max) max = sc[j];
    }
    let sum = 0;
    for (let j = 0; j < count; j++) {
      sc[j] = Math.exp(sc[j] - max);
      sum += sc[j];
    }
    for (let j = 0; j < count; j++) {
      const p = sc[j] / sum;
      for (let c = 0; c < dv; c++) out[i * dv + c] += p * w.v[j * dv + c];
    }
  }
  return out;
}

/** The newest token's exact output at step t (CoSi): dv values. */
export function exactNewest(s: Stream64, t: number, n: number): Float64Array {
  const { start, count } = windowOf(t, n);
  const w = slice(s, start, count);
  const { d, dv } = s;
  const qi = (count - 1) * d;
  const sc = new Float64Array(count);
  let max = -Infinity;
  for (let j = 0; j < count; j++) {
    let dot = 0;
    for (let c = 0; c < d; c++) dot += w.q[qi + c] * w.k[j * d + c];
    sc[j] = dot / Math.sqrt(d);
    if (sc[j] > max) max = sc[j];
  }
  let sum = 0;
  for (let j = 0; j < count; j++) {
    sc[j] = Math.exp(sc[j] - max);
    sum += sc[j];
  }
  const out = new Float64Array(dv);
  for (let j = 0; j < count; j++) for (let c = 0; c < dv; c++) out[c] += (sc[j] / sum) * w.v[j * dv + c];
  return out;
}

/** Newest-token outputs for every step t ≥ N − 1: (T − N + 1)×dv (the stream-* vectors' `out`). */
export function streamNewest(s: Stream64, n: number): Float64Array {
  const rows = s.steps - n + 1;
  const out = new Float64Array(Math.max(0, rows) * s.dv);
  for (let t = n - 1; t < s.steps; t++) out.set(exactNewest(s, t, n), (t - n + 1) * s.dv);
  return out;
}

/**
 * Continual landmarks at step t: the means of q̂ = q·d^(−1/4) and k̂ over the last m completed
 * blocks (block b = tokens bL…bL + L − 1, L = N/m), in landmark-slot order (block b in slot
 * b mod m). Undefined before m blocks have completed.
 */
export function continualLandmarksAt(s: Stream64, t: number, n: number, m: number): { q: Float64Array; k: Float64Array } | undefined {
  const L = n / m;
  const last = Math.floor((t + 1) / L) - 1;
  if (last < m - 1) return undefined;
  const sc = s.d ** -0.25;
  const q = new Float64Array(m * s.d);
  const k = new Float64Array(m * s.d);
  for (let b = last - m + 1; b <= last; b++) {
    const slot = b % m;
    for (let u = 0; u < L; u++) {
      const tok = b * L + u;
      for (let c = 0; c < s.d; c++) {
        q[slot * s.d + c] += (s.q[tok * s.d + c] * sc) / L;
        k[slot * s.d + c] += (s.k[tok * s.d + c] * sc) / L;
      }
    }
  }
  return { q, k };
}

/** Batch Nyström over the window of step t with the given (scaled, m×d) landmarks: count×dv. */
export function nystromWindow(s: Stream64, t: number, n: number, landmarks: { q: Float64Array; k: Float64Array }, m: number, iters: number): Float64Array {
  const { start, count } = windowOf(t, n);
  const w = slice(s, start, count);
  return nystromHead(w.q, w.k, w.v, count, s.d, s.dv, { m, iters, qLand: landmarks.q, kLand: landmarks.k }).out;
}

/** Scales unscaled landmarks (the space of q and k, e.g. k-means centroids or a user's file) by d^(−1/4). */
export function scaleLandmarks(l: { q: ArrayLike<number>; k: ArrayLike<number> }, d: number): { q: Float64Array; k: Float64Array } {
  const s = d ** -0.25;
  return { q: Float64Array.from(l.q, (x) => x * s), k: Float64Array.from(l.k, (x) => x * s) };
}
