// Seeded pseudo-random numbers for the workloads: the same seed gives the same stream in
// every browser and in Node.
//
// - Generator: xoshiro128** (Blackman & Vigna, 2018), 128 bits of state, period 2^128 − 1,
//   32-bit output. It needs only 32-bit integer arithmetic (Math.imul, shifts, xor), which
//   JavaScript defines exactly, so the stream is bit-identical everywhere.
// - Seeding: the uint32 seed is expanded into the four state words with SplitMix32 (a Weyl
//   sequence with step 0x9e3779b9 passed through MurmurHash3's 32-bit finalizer). The
//   finalizer is a bijection with fmix32(0) = 0 only, so the state is never all zero.
// - Uniforms: next() = (32-bit output) / 2^32 ∈ [0, 1), a resolution of 2^-32.
// - Normals: Marsaglia's polar form of Box–Muller, which yields two independent N(0,1)
//   values per accepted pair; the second is cached and returned by the next call. Its
//   logarithm is portableLog (src/workloads/portable-math.ts), not Math.log, so normals are
//   bit-identical across engines too.

import { portableLog } from './portable-math';

const TWO_POW_32 = 4294967296;

/** MurmurHash3's 32-bit finalizer (a bijection on uint32). */
function fmix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** the second value of the last polar-method pair, or NaN when none is cached */
  private spare = NaN;

  /**
   * @param seed any integer; it is reduced modulo 2^32 (ECMAScript ToUint32), so −1 and
   *   2^32 − 1 name the same stream. Non-integers and non-finite values throw.
   */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`Rng seed must be an integer, got ${seed}`);
    // SplitMix32: state words are fmix32 of successive Weyl-sequence values.
    let w = seed >>> 0;
    const step = () => {
      w = (w + 0x9e3779b9) >>> 0;
      return fmix32(w);
    };
    this.s0 = step();
    this.s1 = step();
    this.s2 = step();
    this.s3 = step();
  }

  /** The next 32-bit output of xoshiro128** as an unsigned integer. */
  private nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2 ^ s0;
    const s3 = this.s3 ^ s1;
    // result = rotl(s1 * 5, 7) * 9
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s0 = s0 ^ s3;
    this.s1 = s1 ^ s2;
    this.s2 = s2 ^ t;
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** Uniform on [0, 1) with a resolution of 2^-32. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Standard normal N(0, 1) (Marsaglia polar method; every second call is the cached spare). */
  normal(): number {
    const cached = this.spare;
    if (cached === cached) {
      // not NaN: hand out the spare of the previous pair
      this.spare = NaN;
      return cached;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * portableLog(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /**
   * Uniform integer in 0 … n − 1, without modulo bias (rejection of the top partial block).
   * @param n an integer in 1 … 2^32
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RangeError(`Rng.int(n) needs an integer n in 1 … 2^32, got ${n}`);
    }
    // Accept u < limit, the largest multiple of n not above 2^32; then u mod n is uniform.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let u = this.nextUint32();
    while (u >= limit) u = this.nextUint32();
    return u % n;
  }
}
