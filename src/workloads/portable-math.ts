// Bit-reproducible elementary functions for the seeded workloads.
//
// ECMAScript leaves Math.log, Math.sin and Math.cos "implementation-approximated": engines
// may differ in the last bit (V8 and SpiderMonkey use fdlibm ports, JavaScriptCore uses the
// platform libm). The workloads promise that the same seed gives the same Q, K, V in every
// browser and in Node, so the few transcendental functions they need are computed here from
// +, −, ×, ÷ and comparisons only. Those are correctly rounded IEEE-754 double operations in
// every engine (JavaScript never contracts a·b + c into a fused multiply-add), so the results
// below are identical everywhere. They are accurate to a few ulp, which is plenty for inputs
// that only need to be random-looking and reproducible; they are not a general libm.

const SQRT2 = 1.4142135623730951;
const SQRT_HALF = 0.7071067811865476;
/** ln 2 split so that e·LN2_HI is exact for |e| < 2^11 (the fdlibm constants) */
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const TWO_PI = 6.283185307179586;

// 2·atanh(s) = 2s·(1 + s²/3 + s⁴/5 + …); |s| ≤ 3 − 2√2 ≈ 0.1716 after the reduction below,
// so s² ≤ 0.0295 and twelve terms reach a truncation error below 1e-18 (relative).
const LOG_COEFFS: readonly number[] = Array.from({ length: 12 }, (_, k) => 1 / (2 * k + 1));

/**
 * Natural logarithm of a positive finite x, reproducible across engines.
 * Returns NaN for x ≤ 0 or NaN, Infinity for Infinity.
 */
export function portableLog(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return Infinity;
  // x = m·2^e with m ∈ [√½, √2]. Scaling by powers of two is exact; the loops run about
  // |log2 x| times, which is a couple of iterations for the (0, 1) arguments of the RNG.
  let m = x;
  let e = 0;
  while (m < SQRT_HALF) {
    // big steps first so that subnormal / tiny inputs do not need a thousand iterations
    if (m < 2 ** -60) {
      m *= 2 ** 64;
      e -= 64;
    } else {
      m *= 2;
      e -= 1;
    }
  }
  while (m > SQRT2) {
    if (m > 2 ** 60) {
      m *= 2 ** -64;
      e += 64;
    } else {
      m *= 0.5;
      e += 1;
    }
  }
  const s = (m - 1) / (m + 1);
  const z = s * s;
  let series = LOG_COEFFS[LOG_COEFFS.length - 1];
  for (let k = LOG_COEFFS.length - 2; k >= 0; k--) series = series * z + LOG_COEFFS[k];
  return e * LN2_HI + (e * LN2_LO + 2 * s * series);
}

// Taylor coefficients of sin and cos on |x| ≤ π/4 (truncation < 1e-17 at degree 17 / 16).
const SIN_COEFFS: readonly number[] = [1, -1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800,
  1 / 6227020800, -1 / 1307674368000, 1 / 355687428096000];
const COS_COEFFS: readonly number[] = [1, -1 / 2, 1 / 24, -1 / 720, 1 / 40320, -1 / 3628800,
  1 / 479001600, -1 / 87178291200, 1 / 20922789888000];

function sinPoly(x: number): number {
  const z = x * x;
  let p = SIN_COEFFS[SIN_COEFFS.length - 1];
  for (let k = SIN_COEFFS.length - 2; k >= 0; k--) p = p * z + SIN_COEFFS[k];
  return x * p;
}

function cosPoly(x: number): number {
  const z = x * x;
  let p = COS_COEFFS[COS_COEFFS.length - 1];
  for (let k = COS_COEFFS.length - 2; k >= 0; k--) p = p * z + COS_COEFFS[k];
  return p;
}

// Both functions reduce an angle in turns to a quadrant q ∈ {0, 1, 2, 3} and an angle
// x ∈ [−π/4, π/4] (radians) with 2π·t ≡ q·π/2 + x. Working in turns keeps the reduction
// exact: t − round(t) and r − k/4 are exact subtractions, and only the final ×2π rounds.
// (Written out twice rather than returning a pair, so the hot loops allocate nothing.)

/** sin(2π·t) for an angle t measured in turns, reproducible across engines. */
export function sinTurns(t: number): number {
  if (!Number.isFinite(t)) return NaN;
  const r = t - Math.round(t); // ∈ [−0.5, 0.5], exact
  const k = Math.round(4 * r); // ∈ {−2, …, 2}
  const x = (r - k / 4) * TWO_PI;
  switch ((k + 4) & 3) {
    case 0: return sinPoly(x);
    case 1: return cosPoly(x);
    case 2: return -sinPoly(x);
    default: return -cosPoly(x);
  }
}

/** cos(2π·t) for an angle t measured in turns, reproducible across engines. */
export function cosTurns(t: number): number {
  if (!Number.isFinite(t)) return NaN;
  const r = t - Math.round(t);
  const k = Math.round(4 * r);
  const x = (r - k / 4) * TWO_PI;
  switch ((k + 4) & 3) {
    case 0: return cosPoly(x);
    case 1: return -sinPoly(x);
    case 2: return -cosPoly(x);
    default: return sinPoly(x);
  }
}
