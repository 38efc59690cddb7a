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
// exact powers of two (decimal literals parse correctly rounded, and these are exact)
const TWO_64 = 18446744073709551616;
const TWO_M64 = 5.421010862427522e-20;

// 2·atanh(s) = 2s·(1 + s²/3 + s⁴/5 + …); |s| ≤ 3 − 2√2 ≈ 0.1716 after the reduction below,
// so s² ≤ 0.0295 and twelve terms reach a truncation error below 1e-18 (relative).
// The coefficients are written out (Horner form, no loops) because this sits in the
// inner loop of every normal draw. Division is correctly rounded, so 1/3 etc. are the same
// double in every engine.
const L1 = 1 / 3;
const L2 = 1 / 5;
const L3 = 1 / 7;
const L4 = 1 / 9;
const L5 = 1 / 11;
const L6 = 1 / 13;
const L7 = 1 / 15;
const L8 = 1 / 17;
const L9 = 1 / 19;
const L10 = 1 / 21;
const L11 = 1 / 23;

/**
 * Natural logarithm of a positive finite x, reproducible across engines.
 * Returns NaN for x < 0 or NaN, −Infinity for 0, Infinity for Infinity.
 */
export function portableLog(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return Infinity;
  // x = m·2^e with m ∈ [√½, √2]. Scaling by powers of two is exact. (Scaling in loops beat
  // reading the exponent bits through a typed-array view in V8.) Steps of 2^64 first bring
  // m into [2^-64, 2^64]; then single steps, one or two for the RNG's arguments in (0, 1).
  let m = x;
  let e = 0;
  while (m > TWO_64) {
    m *= TWO_M64;
    e += 64;
  }
  while (m < TWO_M64) {
    m *= TWO_64; // stays below 1
    e -= 64;
  }
  while (m > SQRT2) {
    m *= 0.5;
    e += 1;
  }
  while (m < SQRT_HALF) {
    m *= 2; // stays below √2
    e -= 1;
  }
  const s = (m - 1) / (m + 1);
  const z = s * s;
  const series =
    1 + z * (L1 + z * (L2 + z * (L3 + z * (L4 + z * (L5 + z * (L6 + z * (L7 + z * (L8 + z * (L9 + z * (L10 + z * L11))))))))));
  return e * LN2_HI + (e * LN2_LO + 2 * s * series);
}

// Taylor coefficients of sin and cos on |x| ≤ π/4 (truncation < 1e-17 at degree 17 / 16).
const S1 = -1 / 6;
const S2 = 1 / 120;
const S3 = -1 / 5040;
const S4 = 1 / 362880;
const S5 = -1 / 39916800;
const S6 = 1 / 6227020800;
const S7 = -1 / 1307674368000;
const S8 = 1 / 355687428096000;
const C1 = -1 / 2;
const C2 = 1 / 24;
const C3 = -1 / 720;
const C4 = 1 / 40320;
const C5 = -1 / 3628800;
const C6 = 1 / 479001600;
const C7 = -1 / 87178291200;
const C8 = 1 / 20922789888000;

function sinPoly(x: number): number {
  const z = x * x;
  return x * (1 + z * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * (S6 + z * (S7 + z * S8))))))));
}

function cosPoly(x: number): number {
  const z = x * x;
  return 1 + z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * (C6 + z * (C7 + z * C8)))))));
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
