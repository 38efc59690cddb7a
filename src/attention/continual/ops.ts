// Per-step operation counts of the streaming methods (docs/spec/variants.md §2): multiplications
// per head and per step, as the papers count them.
//
// - exact recomputed and CoSi/CoRe: Hedegaard & Iosifidis, "Continual Transformers" (ICLR 2023),
//   the counts of their reference code's `flops()`: exact 2N²d + 2Nd, CoSi 2Nd + 2d,
//   CoRe 7Nd + 2N − 3d.
// - Continual Nyström and Nyström recomputed: Carreto Picón et al., arXiv 2412.03214, whose
//   continual-landmark counts average a landmark-update step (once every L = N/m steps) with
//   the fixed-landmark count: r·update + (1 − r)·fixed, r = m/N.
//
// The per-step *counter* of the engine (`opsAtStep`) charges the update count on the steps where
// a block of L tokens completes and the fixed count on the others, so that its mean over any
// L consecutive steps is exactly the paper's averaged formula. Work the engine does for float32
// stability (refreshes, guard recomputations) is not in these counts: see `stabilityOps`.

export type StreamMethod = 'exact' | 'nystrom' | 'cosi' | 'core' | 'conys';
export type StreamOutput = 'single' | 'retroactive';
export type StreamLandmarks = 'fixed' | 'continual';

export interface OpsShape {
  /** window N */
  n: number;
  d: number;
  m?: number;
  output?: StreamOutput;
  landmarks?: StreamLandmarks;
}

export const opsExact = (n: number, d: number) => 2 * n * n * d + 2 * n * d;
export const opsCoSi = (n: number, d: number) => 2 * n * d + 2 * d;
export const opsCoRe = (n: number, d: number) => 7 * n * d + 2 * n - 3 * d;
export const opsNystromRecomputed = (n: number, d: number, m: number) =>
  4 * n * d * m + 2 * n * d + n * m * m + 2 * n * m + d * m * m + 24 * m ** 3 + 23 * m * m;
export const opsConysSingleFixed = (_n: number, d: number, m: number) => 8 * d * m + m * m + 6 * m;
export const opsConysRetroFixed = (n: number, d: number, m: number) => n * d * m + 8 * d * m + m * m + 8 * m;
/** a single-output step on which a continual landmark is replaced */
export const opsConysSingleUpdate = (n: number, d: number, m: number) =>
  n * d * m + 3 * n * d + n + 14 * d * m + 24 * m ** 3 + 23 * m * m + 20 * m;
/** a retroactive step on which a continual landmark is replaced */
export const opsConysRetroUpdate = (n: number, d: number, m: number) =>
  n * d * m + 6 * n * d + 9 * n + n * m * m + n * m + 13 * d * m + 24 * m ** 3 + 22 * m * m + 17 * m;

function need(m: number | undefined, what: string): number {
  if (m === undefined) throw new Error(`${what} needs m`);
  return m;
}

/** The paper's per-step count (continual landmarks: averaged over a landmark period). */
export function opsPerStep(method: StreamMethod, s: OpsShape): number {
  const { n, d } = s;
  switch (method) {
    case 'exact':
      return opsExact(n, d);
    case 'cosi':
      return opsCoSi(n, d);
    case 'core':
      return opsCoRe(n, d);
    case 'nystrom':
      return opsNystromRecomputed(n, d, need(s.m, 'Nyström'));
    case 'conys': {
      const m = need(s.m, 'Continual Nyström');
      const retro = s.output === 'retroactive';
      const fixed = retro ? opsConysRetroFixed(n, d, m) : opsConysSingleFixed(n, d, m);
      if (s.landmarks !== 'continual') return fixed;
      const update = retro ? opsConysRetroUpdate(n, d, m) : opsConysSingleUpdate(n, d, m);
      const r = m / n;
      return r * update + (1 - r) * fixed;
    }
  }
}

/** True when step t completes a block of L = N/m tokens (a continual landmark is replaced). */
export function isLandmarkStep(t: number, n: number, m: number): boolean {
  return (t + 1) % (n / m) === 0;
}

/** The engine's counter: the count charged to step t (the update count on landmark steps). */
export function opsAtStep(method: StreamMethod, s: OpsShape, t: number): number {
  if (method !== 'conys' || s.landmarks !== 'continual') return opsPerStep(method, s);
  const m = need(s.m, 'Continual Nyström');
  const retro = s.output === 'retroactive';
  if (isLandmarkStep(t, s.n, m)) return retro ? opsConysRetroUpdate(s.n, s.d, m) : opsConysSingleUpdate(s.n, s.d, m);
  return retro ? opsConysRetroFixed(s.n, s.d, m) : opsConysSingleFixed(s.n, s.d, m);
}

/**
 * Multiplications of the float32-stability work, outside the papers' counts: one refresh
 * recomputes every running sum from the ring buffers (CoRe: N rows × 2Nd; Continual Nyström:
 * m landmarks × 2Nd), one guard recomputation one of them (2Nd).
 */
export function stabilityOps(method: StreamMethod, s: OpsShape, refreshes: number, guardRecomputes: number): number {
  const row = 2 * s.n * s.d;
  const perRefresh = method === 'core' ? s.n * row : method === 'conys' ? need(s.m, 'Continual Nyström') * row : 0;
  return refreshes * perRefresh + guardRecomputes * row;
}

/** How many times fewer multiplications than recomputing exact attention over the window. */
export function ratioVsExact(method: StreamMethod, s: OpsShape): number {
  return opsExact(s.n, s.d) / opsPerStep(method, s);
}
