// Seeded attention inputs (docs/spec/variants.md §7). These definitions are part of the product:
// the UI, the CLI and the benchmark CSV name a workload and a seed, and anyone must be able
// to regenerate exactly the same Q, K, V from them — in any browser or in Node. (An
// independent NumPy re-implementation of this comment, tests/data/workloads/make.py,
// checks it.)
//
// Layout: q and k are H×N×d, v is H×N×dv, row-major (head, then token, then channel).
//
// Randomness. Head h draws from four Rng streams (src/workloads/rng.ts): s = 0 for q's
// noise, 1 for k's, 2 for v's, 3 for "structure" (frequencies, centres, assignments). The
// stream's seed is, in uint32 arithmetic,
//     fmix32(fmix32(seed ⊕ 0x6a09e667) + (4h + s + 1)·0x9e3779b9)
// with fmix32 MurmurHash3's finalizer. For one seed no two streams share a seed; head h's
// tensors do not depend on how many heads there are, q and k do not depend on dv, and the
// gaussian workload's first N' rows are the same for every N ≥ N'. Within a stream, values
// are drawn in the order written below; "row-major" means token by token, channel by
// channel. All transcendental functions come from src/workloads/portable-math.ts, so the
// values are bit-identical across JavaScript engines.
//
// Workloads (t = 0 … N−1 is the token position, N(0,1) a standard normal = Rng.normal(),
// U[0,1) a uniform = Rng.next()):
// - gaussian: q, k, v are i.i.d. N(0,1), row-major from streams 0, 1, 2. The worst case for
//   low-rank approximations (the N×N logit matrix is full rank).
// - smooth: each channel c of each tensor is a sum of 3 low-frequency sinusoids over the
//   position t/N plus noise,
//       x[t,c] = Σ_{s<3} a_cs·sin(2π(f_cs·t/N + φ_cs)) + 0.1·N(0,1),
//   with f_cs = 0.5 + 3.5·U[0,1) cycles over the sequence, φ_cs = U[0,1) turns and
//   a_cs = N(0,1)/√3. q, k, v are independent: each tensor's stream (0, 1, 2) first draws
//   (f, φ, a) for c = 0…, s = 0…2, then its noise row-major. Attention is smooth along both
//   axes: the easy case for low-rank methods. (Evaluated with a rotation recurrence
//   re-anchored every 64 tokens: within ~1e-14 of the formula.)
// - clustered: C = clamp(round(√N), 2, 64) centres μ_c = σ·N(0, I_d), σ = 3·d^(−1/4), then
//   one centre a_t = Rng.int(C) per token, all from stream 3; q_t = μ_{a_t} + 0.3·N(0, I_d)
//   and k_t = μ_{a_t} + 0.3·N(0, I_d) (the same centre, noise from streams 0 and 1);
//   v = N(0,1) from stream 2. The choice of σ makes the mean logit between a query and a key
//   of its own cluster |μ|²/√d ≈ 9 for every d, against 0 ± 9/√d across clusters, so at
//   logit scale 1 each query spends almost all of its attention, spread fairly evenly, on
//   its own cluster (at d = 64 the entries have an r.m.s. of about 1.1, like gaussian's).
// - local: rotary-style position codes. P = ⌊d/2⌋ frequencies f_p = N(0,1)/(2π·ℓ) turns
//   per token (ℓ = 8 tokens) from stream 3; channels (2p, 2p+1) of token t are
//   a·(cos 2πf_p·t, sin 2πf_p·t), the same for q and k, plus 0.1·N(0,1) noise (row-major
//   from streams 0 and 1; with odd d the last channel is that noise only). Then
//       q_i·k_j ≈ a²·Σ_p cos(2πf_p·(i − j)) ≈ a²·P·exp(−(i − j)²/(2ℓ²))
//   (random Fourier features of a Gaussian kernel): the logits peak on the diagonal and
//   fall off over ~ℓ tokens. a = √(12·√d/P) puts the diagonal logit q_i·k_i/√d at 12 for
//   every d, so at logit scale 1 and d = 64 the softmax is clearly banded (a query's mass
//   within ±3ℓ tokens is ≈ 0.99 at N = 4096, ≈ 0.97 at N = 16384; the unit tests check
//   it). With d = 1 q and k are noise only (no position code fits in one channel): valid,
//   unstructured input. v = N(0,1) from stream 2.
// Finally q is multiplied by logitScale (> 1 sharpens the softmax, < 1 flattens it).

import { cosTurns, sinTurns } from './portable-math';
import { Rng } from './rng';

export interface WorkloadOptions {
  workload: 'gaussian' | 'smooth' | 'clustered' | 'local';
  /** tokens per head (queries = keys) */
  n: number;
  /** query/key dimension */
  d: number;
  /** value dimension; defaults to d */
  dv?: number;
  heads: number;
  seed: number;
  /** multiplies q after generation */
  logitScale: number;
}

/** Number of sinusoids per channel of the smooth workload. */
const SMOOTH_TERMS = 3;
/** The smooth workload re-evaluates its sinusoids exactly every this many tokens. */
const SMOOTH_ANCHOR = 64;
/** Noise level of the smooth workload. */
const SMOOTH_NOISE = 0.1;
/** Noise level of q and k around their cluster centre. */
const CLUSTER_NOISE = 0.3;
/** Most centres the clustered workload uses. */
const MAX_CLUSTERS = 64;
/** Target in-cluster logit |μ|²/√d of the clustered workload. */
const CLUSTER_LOGIT = 9;
/** Length scale ℓ (tokens) of the local workload's band. */
const LOCAL_LENGTH = 8;
/** Diagonal logit q_i·k_i/√d of the local workload at logit scale 1. */
const LOCAL_PEAK_LOGIT = 12;
/** Noise level of the local workload's q and k. */
const LOCAL_NOISE = 0.1;

// The four random streams of a head.
const STREAM_Q = 0;
const STREAM_K = 1;
const STREAM_V = 2;
const STREAM_STRUCTURE = 3;
const STREAMS_PER_HEAD = 4;

/** MurmurHash3's 32-bit finalizer (a bijection on uint32). */
function fmix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * The seed of stream `stream` of head `head`. For a fixed seed the map from
 * (head, stream) to the derived seed is injective (an odd multiple of the stream index
 * added modulo 2^32, then a bijection), so no two streams of one run share a seed.
 */
function streamRng(seed: number, head: number, stream: number): Rng {
  const index = head * STREAMS_PER_HEAD + stream;
  const base = fmix32((seed >>> 0) ^ 0x6a09e667);
  return new Rng(fmix32((base + Math.imul(index + 1, 0x9e3779b9)) >>> 0));
}

function checkInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`workload: ${name} must be an integer ≥ 1, got ${value}`);
  }
}

/** Fills dst[offset … offset+count) with i.i.d. N(0,1) draws. */
function fillNormal(rng: Rng, dst: Float64Array, offset: number, count: number): void {
  for (let i = 0; i < count; i++) dst[offset + i] = rng.normal();
}

/**
 * One N×cols block of the smooth workload. Each sinusoid is advanced from token to token by
 * a rotation (angle-addition recurrence), re-anchored to the exact formula every
 * SMOOTH_ANCHOR tokens: 64× fewer sine evaluations, and the values stay within ~1e-14 of
 * the closed form (still bit-reproducible: only +, −, × between anchors).
 */
function fillSmooth(rng: Rng, dst: Float64Array, offset: number, n: number, cols: number): void {
  const terms = cols * SMOOTH_TERMS;
  const freq = new Float64Array(terms);
  const phase = new Float64Array(terms);
  const amp = new Float64Array(terms);
  const ampScale = 1 / Math.sqrt(SMOOTH_TERMS);
  for (let j = 0; j < terms; j++) {
    freq[j] = 0.5 + 3.5 * rng.next();
    phase[j] = rng.next();
    amp[j] = rng.normal() * ampScale;
  }
  // current sin/cos of every sinusoid, and the rotation by one token (f/N turns)
  const sin = new Float64Array(terms);
  const cos = new Float64Array(terms);
  const stepCos = new Float64Array(terms);
  const stepSin = new Float64Array(terms);
  for (let j = 0; j < terms; j++) {
    stepCos[j] = cosTurns(freq[j] / n);
    stepSin[j] = sinTurns(freq[j] / n);
  }
  for (let t = 0; t < n; t++) {
    if (t % SMOOTH_ANCHOR === 0) {
      const pos = t / n;
      for (let j = 0; j < terms; j++) {
        const turns = freq[j] * pos + phase[j];
        sin[j] = sinTurns(turns);
        cos[j] = cosTurns(turns);
      }
    }
    const row = offset + t * cols;
    for (let c = 0, j = 0; c < cols; c++) {
      let x = 0;
      for (let e = 0; e < SMOOTH_TERMS; e++, j++) x += amp[j] * sin[j];
      dst[row + c] = x + SMOOTH_NOISE * rng.normal();
    }
    // advance every sinusoid by one token: angle + 2π·f/N
    for (let j = 0; j < terms; j++) {
      const s0 = sin[j];
      const c0 = cos[j];
      sin[j] = s0 * stepCos[j] + c0 * stepSin[j];
      cos[j] = c0 * stepCos[j] - s0 * stepSin[j];
    }
  }
}

/** Number of centres of the clustered workload for N tokens. */
function clusterCount(n: number): number {
  return Math.min(MAX_CLUSTERS, Math.max(2, Math.round(Math.sqrt(n))));
}

/**
 * Generates seeded q, k, v for `o.workload` (definitions at the top of this file).
 * Cost is O(H·N·(d + dv)) with no per-element allocation; N = 65 536, d = 64 takes well
 * under a second in Node.
 */
export function generateInputs(o: WorkloadOptions): { q: Float64Array; k: Float64Array; v: Float64Array } {
  const { n, d, heads, seed } = o;
  const dv = o.dv ?? d;
  checkInt('n', n);
  checkInt('d', d);
  checkInt('dv', dv);
  checkInt('heads', heads);
  if (!Number.isInteger(seed)) throw new RangeError(`workload: seed must be an integer, got ${seed}`);
  if (!Number.isFinite(o.logitScale)) {
    throw new RangeError(`workload: logitScale must be finite, got ${o.logitScale}`);
  }

  const q = new Float64Array(heads * n * d);
  const k = new Float64Array(heads * n * d);
  const v = new Float64Array(heads * n * dv);

  for (let h = 0; h < heads; h++) {
    const rq = streamRng(seed, h, STREAM_Q);
    const rk = streamRng(seed, h, STREAM_K);
    const rv = streamRng(seed, h, STREAM_V);
    const qk0 = h * n * d;
    const v0 = h * n * dv;
    switch (o.workload) {
      case 'gaussian':
        fillNormal(rq, q, qk0, n * d);
        fillNormal(rk, k, qk0, n * d);
        fillNormal(rv, v, v0, n * dv);
        break;
      case 'smooth':
        fillSmooth(rq, q, qk0, n, d);
        fillSmooth(rk, k, qk0, n, d);
        fillSmooth(rv, v, v0, n, dv);
        break;
      case 'clustered':
        fillClustered(streamRng(seed, h, STREAM_STRUCTURE), rq, rk, q, k, qk0, n, d);
        fillNormal(rv, v, v0, n * dv);
        break;
      case 'local':
        fillLocal(streamRng(seed, h, STREAM_STRUCTURE), rq, rk, q, k, qk0, n, d);
        fillNormal(rv, v, v0, n * dv);
        break;
      default: {
        const never: never = o.workload;
        throw new RangeError(`workload: unknown workload '${String(never)}'`);
      }
    }
  }

  if (o.logitScale !== 1) {
    for (let i = 0; i < q.length; i++) q[i] *= o.logitScale;
  }
  return { q, k, v };
}

function fillClustered(
  structure: Rng, rq: Rng, rk: Rng, q: Float64Array, k: Float64Array, offset: number, n: number, d: number,
): void {
  const clusters = clusterCount(n);
  // σ = 3·d^(−1/4) so that E|μ|²/√d = σ²·√d = CLUSTER_LOGIT (sqrt is exact in every engine)
  const sigma = Math.sqrt(CLUSTER_LOGIT) / Math.sqrt(Math.sqrt(d));
  const centres = new Float64Array(clusters * d);
  for (let i = 0; i < centres.length; i++) centres[i] = sigma * structure.normal();
  for (let t = 0; t < n; t++) {
    const c0 = structure.int(clusters) * d;
    const row = offset + t * d;
    for (let c = 0; c < d; c++) {
      q[row + c] = centres[c0 + c] + CLUSTER_NOISE * rq.normal();
      k[row + c] = centres[c0 + c] + CLUSTER_NOISE * rk.normal();
    }
  }
}

function fillLocal(
  structure: Rng, rq: Rng, rk: Rng, q: Float64Array, k: Float64Array, offset: number, n: number, d: number,
): void {
  const pairs = Math.floor(d / 2);
  const freq = new Float64Array(pairs);
  const perTurn = 1 / (2 * Math.PI * LOCAL_LENGTH);
  for (let p = 0; p < pairs; p++) freq[p] = structure.normal() * perTurn;
  // a² = L·√d / P puts the diagonal logit a²·P/√d at L; unused (and never 0/0) when P = 0
  const amp = pairs > 0 ? Math.sqrt((LOCAL_PEAK_LOGIT * Math.sqrt(d)) / pairs) : 0;
  for (let t = 0; t < n; t++) {
    const row = offset + t * d;
    for (let p = 0; p < pairs; p++) {
      const turns = freq[p] * t;
      const cos = amp * cosTurns(turns);
      const sin = amp * sinTurns(turns);
      q[row + 2 * p] = cos + LOCAL_NOISE * rq.normal();
      q[row + 2 * p + 1] = sin + LOCAL_NOISE * rq.normal();
      k[row + 2 * p] = cos + LOCAL_NOISE * rk.normal();
      k[row + 2 * p + 1] = sin + LOCAL_NOISE * rk.normal();
    }
    if (2 * pairs < d) {
      q[row + d - 1] = LOCAL_NOISE * rq.normal();
      k[row + d - 1] = LOCAL_NOISE * rk.normal();
    }
  }
}

/** Rounds a float64 array to float32 (nearest, ties to even), e.g. for the GPU upload. */
export function toFloat32(a: Float64Array): Float32Array {
  return new Float32Array(a);
}
