// Sweep plans: a log grid over N or over a numeric knob of a variant, checked against the
// knob's schema, and the analysis of a sweep's results (log–log slope, crossover N against
// exact attention). Pure functions: the unit tests exercise them without a browser.
import type { ParamSpec } from '../params/schema';

export interface GridOk {
  values: number[];
}
export interface GridError {
  error: string;
}

/** Most points a sweep may have (each is a full timed run). */
export const MAX_SWEEP_POINTS = 24;

/**
 * `steps` points from `from` to `to` spaced evenly on a log scale (rounded to integers for an
 * int knob, duplicates dropped). Powers of two in, powers of two out: 64…512 in 4 steps is
 * 64, 128, 256, 512.
 */
export function logGrid(spec: Pick<ParamSpec, 'name'> & { type: 'int' | 'float'; min: number; max: number }, fromText: string, toText: string, stepsText: string): GridOk | GridError {
  const from = Number(fromText.trim());
  const to = Number(toText.trim());
  const steps = Number(stepsText.trim());
  const name = spec.name;
  if (fromText.trim() === '' || !Number.isFinite(from)) return { error: `the sweep's start must be a number, got "${fromText}"` };
  if (toText.trim() === '' || !Number.isFinite(to)) return { error: `the sweep's end must be a number, got "${toText}"` };
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_SWEEP_POINTS) return { error: `the number of points must be a whole number from 1 to ${MAX_SWEEP_POINTS}, got "${stepsText}"` };
  if (from <= 0 || to <= 0) return { error: `a log grid needs positive ends; ${name} from ${from} to ${to}` };
  for (const [what, v] of [['start', from], ['end', to]] as const) {
    if (v < spec.min || v > spec.max) return { error: `the sweep's ${what} ${v} is outside ${name}'s range ${spec.min} … ${spec.max}` };
  }
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  const raw = steps === 1 ? [lo] : Array.from({ length: steps }, (_, i) => lo * (hi / lo) ** (i / (steps - 1)));
  const rounded = raw.map((v) => (spec.type === 'int' ? Math.round(v) : Number(v.toPrecision(6))));
  const values = [...new Set(rounded)].filter((v) => v >= spec.min && v <= spec.max);
  return { values };
}

/** Least-squares slope of log(y) against log(x) (the exponent of a power law); undefined with < 2 usable points. */
export function logLogSlope(points: readonly { x: number; y: number }[]): number | undefined {
  const usable = points.filter((p) => p.x > 0 && p.y > 0 && Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = new Set(usable.map((p) => p.x));
  if (xs.size < 2) return undefined;
  const lx = usable.map((p) => Math.log(p.x));
  const ly = usable.map((p) => Math.log(p.y));
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i] - mx) * (ly[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return den === 0 ? undefined : num / den;
}

export type Crossover =
  | { kind: 'at'; n: number }
  | { kind: 'always-faster' }
  | { kind: 'never-faster' }
  | { kind: 'unknown' };

/**
 * Where a variant overtakes exact attention along N: the first N at which its time drops
 * below exact's, interpolated on log–log axes between the two sweep points around the
 * change. Points: N with the variant's and exact's median times.
 */
export function crossoverN(points: readonly { n: number; time: number; exactTime: number }[]): Crossover {
  const pts = points
    .filter((p) => p.n > 0 && p.time > 0 && p.exactTime > 0 && Number.isFinite(p.time) && Number.isFinite(p.exactTime))
    .slice()
    .sort((a, b) => a.n - b.n);
  if (pts.length === 0) return { kind: 'unknown' };
  // log of the speed-up: > 0 where the variant is faster
  const s = pts.map((p) => Math.log(p.exactTime / p.time));
  if (s.every((v) => v > 0)) return { kind: 'always-faster' };
  // slower at the largest N swept: it does not overtake within the range
  if (s[s.length - 1] <= 0) return { kind: 'never-faster' };
  // the last point where it is not faster; from the next one on it stays ahead
  let j = s.length - 1;
  while (s[j] > 0) j--;
  const l0 = Math.log(pts[j].n);
  const l1 = Math.log(pts[j + 1].n);
  const t = -s[j] / (s[j + 1] - s[j]); // s[j] ≤ 0 < s[j+1]
  return { kind: 'at', n: Math.round(Math.exp(l0 + t * (l1 - l0))) };
}

/** Rough seconds left: the mean time per finished point times the points left. */
export function etaSeconds(elapsedMs: number, done: number, total: number): number | undefined {
  if (done <= 0 || done >= total) return undefined;
  return ((elapsedMs / done) * (total - done)) / 1000;
}

/** "about 12 s", "about 3 min" */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return 'estimating…';
  if (seconds < 1) return 'under a second';
  if (seconds < 90) return `about ${Math.round(seconds)} s`;
  return `about ${Math.round(seconds / 60)} min`;
}
