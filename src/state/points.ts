// One flat record per run — from this session's results or from a loaded CSV — so that the
// comparison table, the bar charts, the error-versus-time chart, the sweep plots and the
// recorded example results all read the same thing. Everything goes through the CSV row
// (src/bench/rows.ts), so a run and the same run loaded back from its CSV give equal points.
import { baseline, baselineTimedParams, findVariant } from '../attention/registry';
import type { CsvValue } from '../bench/csv';
import { resultToRow } from '../bench/rows';
import type { RunResult } from '../bench/runner';
import { formatValue, parseValue } from '../params/schema';

export interface Point {
  /** where it came from: 'session', a CSV file's name, 'recorded' */
  source: string;
  variant: string;
  /** the variant's label (the id when the variant is unknown to this build) */
  label: string;
  /** the variant's knobs as text, by param name (the CSV's cells) */
  knobs: Record<string, string>;
  /** the knobs off their defaults, "m = 32, iters = 3" ('' when all are at their defaults) */
  knobText: string;
  /** every knob, "m = 32, iters = 6" */
  knobAll: string;
  n: number;
  d: number;
  heads: number;
  causal: boolean;
  workload: string;
  seed: string;
  logitScale: string;
  status: string;
  message: string;
  timeMs?: number;
  timeMinMs?: number;
  timeP90Ms?: number;
  gflops?: number;
  flops?: number;
  /** GPU memory the plan allocated (bytes_allocated), else the model's (memory_bytes) */
  memoryBytes?: number;
  errRelFro?: number;
  errMaxAbs?: number;
  errMapL1?: number;
  exactTimeMs?: number;
  speedup?: number;
  reference: string;
  timingSource: string;
  adapter: string;
  fallback: boolean;
}

type Row = Record<string, CsvValue>;

const text = (v: CsvValue): string => (v === undefined || v === null ? '' : typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v));

function num(v: CsvValue): number | undefined {
  const t = text(v).trim();
  if (t === '') return undefined;
  const x = Number(t);
  return Number.isFinite(x) ? x : undefined;
}

function bool(v: CsvValue): boolean {
  return ['true', '1', 'yes', 'on'].includes(text(v).trim().toLowerCase());
}

/** A CSV row (strings, or the writer's typed cells) as a point. */
export function rowToPoint(row: Row, source: string): Point {
  const id = text(row.variant);
  const variant = findVariant(id);
  const knobs: Record<string, string> = {};
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const spec of variant?.params ?? []) {
    if (spec.type === 'file') continue;
    const cell = text(row[spec.csvColumn ?? spec.name]);
    if (cell === '') continue;
    // normalise (a CSV says "true", the schema writes 1)
    const parsed = parseValue(spec, cell);
    const value = 'error' in parsed ? cell : parsed.value;
    knobs[spec.name] = typeof value === 'boolean' ? (value ? 'on' : 'off') : formatValue(value);
    const item = `${spec.name} = ${knobs[spec.name]}`;
    if (!('error' in parsed) && formatValue(parsed.value) === formatValue(spec.default)) unchanged.push(item);
    else changed.push(item);
  }
  const memory = num(row.bytes_allocated) ?? num(row.memory_bytes);
  return {
    source,
    variant: id,
    label: variant?.label ?? id,
    knobs,
    knobText: changed.join(', '),
    knobAll: [...changed, ...unchanged].join(', '),
    n: num(row.n) ?? 0,
    d: num(row.d) ?? 0,
    heads: num(row.heads) ?? 1,
    causal: bool(row.causal),
    workload: text(row.workload),
    seed: text(row.seed),
    logitScale: text(row.logit_scale),
    status: text(row.status) || 'ok',
    message: text(row.message),
    timeMs: num(row.time_ms_median),
    timeMinMs: num(row.time_ms_min),
    timeP90Ms: num(row.time_ms_p90),
    gflops: num(row.gflops_per_s),
    flops: num(row.flops),
    memoryBytes: memory,
    errRelFro: num(row.err_rel_fro),
    errMaxAbs: num(row.err_max_abs),
    errMapL1: num(row.err_map_l1),
    exactTimeMs: num(row.exact_time_ms_median),
    speedup: num(row.speedup_vs_exact),
    reference: text(row.reference),
    timingSource: text(row.timing_source),
    adapter: [text(row.adapter_vendor), text(row.adapter_architecture)].filter(Boolean).join(' · ') || text(row.adapter_description),
    fallback: bool(row.is_fallback_adapter),
  };
}

/** Is the point the baseline's timed kernel (its knobs absent from a CSV count as their defaults)? */
export function isBaselineTimedPoint(p: Point): boolean {
  if (p.variant !== baseline.id) return false;
  return Object.entries(baselineTimedParams).every(([name, value]) => {
    const spec = baseline.params.find((s) => s.name === name);
    return (p.knobs[name] ?? (spec ? formatValue(spec.default) : undefined)) === formatValue(value);
  });
}

export function resultToPoint(r: RunResult, source = 'session'): Point {
  return rowToPoint(resultToRow(r), source);
}

/** The problem a point solved (everything but the variant and its knobs). */
export function problemKey(p: Pick<Point, 'n' | 'd' | 'heads' | 'causal' | 'workload' | 'seed' | 'logitScale'>): string {
  return [p.n, p.d, p.heads, p.causal ? 1 : 0, p.workload, p.seed, p.logitScale].join('|');
}

/** The configuration of a point: problem, variant and knobs (two runs of it are the same point). */
export function configKey(p: Point): string {
  const knobs = Object.keys(p.knobs)
    .sort()
    .map((k) => `${k}=${p.knobs[k]}`)
    .join(',');
  return `${problemKey(p)}|${p.variant}|${knobs}`;
}

/** The latest point of each configuration, in first-seen order. */
export function latestPerConfig(points: readonly Point[]): Point[] {
  const byKey = new Map<string, Point>();
  for (const p of points) {
    const key = configKey(p);
    byKey.delete(key); // re-inserted: order of the latest run
    byKey.set(key, p);
  }
  return [...byKey.values()];
}

/**
 * The Pareto front of points by (time, error), both smaller-is-better: the points no other
 * point beats on both. Returned sorted by time. Points without both numbers are left out.
 */
export function paretoFront<T extends { timeMs?: number; errRelFro?: number }>(points: readonly T[]): T[] {
  const usable = points.filter((p) => p.timeMs !== undefined && p.errRelFro !== undefined && Number.isFinite(p.timeMs) && Number.isFinite(p.errRelFro));
  const sorted = usable.slice().sort((a, b) => a.timeMs! - b.timeMs! || a.errRelFro! - b.errRelFro!);
  const front: T[] = [];
  let best = Infinity;
  for (const p of sorted) {
    if (p.errRelFro! < best) {
      front.push(p);
      best = p.errRelFro!;
    }
  }
  return front;
}

/** Rows of two CSVs matched by configuration, with B/A ratios of time and error. */
export interface CsvPair {
  key: string;
  a?: Point;
  b?: Point;
  timeRatio?: number;
  errRatio?: number;
}

export function pairCsvs(a: readonly Point[], b: readonly Point[]): CsvPair[] {
  const la = latestPerConfig(a);
  const lb = latestPerConfig(b);
  const byKey = new Map<string, CsvPair>();
  for (const p of la) byKey.set(configKey(p), { key: configKey(p), a: p });
  for (const p of lb) {
    const key = configKey(p);
    const pair = byKey.get(key) ?? { key };
    pair.b = p;
    byKey.set(key, pair);
  }
  const ratio = (x?: number, y?: number) => (x !== undefined && y !== undefined && x > 0 ? y / x : undefined);
  for (const pair of byKey.values()) {
    pair.timeRatio = ratio(pair.a?.timeMs, pair.b?.timeMs);
    pair.errRatio = ratio(pair.a?.errRelFro, pair.b?.errRelFro);
  }
  // matched rows first, then A's alone, then B's alone (each in first-seen order)
  const rank = (p: CsvPair) => (p.a && p.b ? 0 : p.a ? 1 : 2);
  return [...byKey.values()].sort((x, y) => rank(x) - rank(y));
}
