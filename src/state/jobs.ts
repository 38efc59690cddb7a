// Batches of runs besides the auto-run: a comparison of several variants, a sweep over N or a
// knob, and a window of the attention map computed on demand for a large N. Each goes through
// the auto-runner's chain (`exclusive`), so it never shares the device with another run; its
// progress (done / total, ETA) is in the store's `job`, and `cancelJob()` stops it.
import { findVariant } from '../attention/registry';
import type { MapRequest } from '../attention/types';
import { FULL_MAP_MAX_N, isAbort, runSweep, type RunOptions, type RunResult, type RunSpec } from '../bench/runner';
import { runParams, shapeOf } from '../bench/run-params';
import { configFor, deriveConfig, type Config } from './config';
import { paramFiles } from './param-files';
import type { AutoRunner } from './auto-run';
import type { Job, PlaygroundStore } from './store';
import { logGrid } from './sweep';
import { DEFAULT_MAP_VIEW, formatMapView, type MapView, type SweepSettings } from './view-state';

let runner: AutoRunner | undefined;
let store: PlaygroundStore | undefined;
let current: AbortController | undefined;

/** Connects the jobs to the page's store and auto-runner (src/ui/shell/main.tsx). */
export function initJobs(s: PlaygroundStore, r: AutoRunner): void {
  store = s;
  runner = r;
  watchMapWindow(s);
}

/** Cancels the running batch (comparison, sweep or map window), if any. */
export function cancelJob(): void {
  current?.abort();
}

/** A result row for a point that could not even be configured (a knob that does not parse). */
function invalidResult(config: Config, id: string): RunResult {
  const shape = shapeOf(config.run);
  const message = [...Object.values(config.fieldErrors), ...config.runErrors].join('; ') || `${id} cannot run this configuration`;
  return { variant: id, params: config.params, run: config.run, shape, status: 'invalid', message, reference: 'none' };
}

interface Point {
  spec?: RunSpec;
  invalid?: RunResult;
  label: string;
  /** run options of this point (e.g. the map window to read) */
  options?: RunOptions;
}

/** Runs `points` one after another with progress; returns the results (a cancel ends it early). */
async function runBatch(kind: Job['kind'], label: string, points: Point[], onResult: (r: RunResult) => void): Promise<'done' | 'cancelled'> {
  if (!store || !runner) throw new Error('jobs are not initialised (initJobs)');
  const s = store;
  current?.abort();
  const ctl = new AbortController();
  current = ctl;
  const startedAt = performance.now();
  let done = 0;
  const total = points.length;
  s.getState().setJob({ kind, label, done, total, startedAt, stage: 'waiting for the device' });
  const progress = (stage: string) => {
    if (current === ctl) s.getState().setJob({ kind, label, done, total, startedAt, stage });
  };
  try {
    await runner.exclusive(async (ctx) => {
      // one runSweep per run of valid points so exact flash is timed once per shape
      const shared = { ...ctx.runOptions(), exactTimings: new Map() };
      for (const p of points) {
        if (ctl.signal.aborted) throw new DOMException('cancelled', 'AbortError');
        progress(`${p.label}: starting`);
        const r = p.invalid ?? (await runSweep(ctx.host, [p.spec!], { ...shared, ...p.options, onProgress: (stage) => progress(`${p.label}: ${stage}`) }))[0];
        done++;
        onResult(r);
        progress(done < total ? 'next point' : 'done');
      }
    }, ctl.signal);
    return 'done';
  } catch (e) {
    if (isAbort(e)) return 'cancelled';
    s.getState().addNotice(`${label} failed: ${(e as Error)?.message ?? String(e)}`);
    return 'cancelled';
  } finally {
    if (current === ctl) {
      current = undefined;
      s.getState().setJob(undefined);
    }
  }
}

/** Runs every compared variant at the current problem settings, each with its own knobs. */
export async function runComparison(): Promise<void> {
  if (!store) return;
  const s = store.getState();
  const points: Point[] = s.ui.compareIds.flatMap((id) => {
    const v = findVariant(id);
    if (!v) return [];
    const config = configFor(s, id);
    return [config.spec ? { spec: config.spec, label: v.label } : { invalid: invalidResult(config, id), label: v.label }];
  });
  if (points.length === 0) return;
  await runBatch('compare', `Comparing ${points.length} variant${points.length > 1 ? 's' : ''}`, points, (r) => store!.getState().addBatchResult(r));
}

export interface SweepPlan {
  points: Point[];
  /** the swept values, in order */
  values: number[];
  error?: string;
}

/** The points of a sweep with `settings` from the current state (or why there are none). */
export function planSweep(settings: SweepSettings): SweepPlan {
  if (!store) return { points: [], values: [], error: 'not initialised' };
  const s = store.getState();
  const variant = findVariant(s.variantId)!;
  if (settings.target === 'n') {
    if (s.userData) return { points: [], values: [], error: 'Your own files fix N: load generated data to sweep N (or sweep a knob).' };
    const spec = runParams.find((p) => p.name === 'n')!;
    if (spec.type !== 'int') return { points: [], values: [], error: 'N is not numeric' };
    const grid = logGrid(spec, settings.from, settings.to, settings.steps);
    if ('error' in grid) return { points: [], values: [], error: grid.error };
    const ids = settings.variants.filter((id) => findVariant(id));
    if (ids.length === 0) return { points: [], values: [], error: 'Pick at least one variant to sweep.' };
    const points: Point[] = [];
    for (const n of grid.values) {
      for (const id of ids) {
        const config = deriveConfig(id, { ...s.runRaw, n: String(n) }, s.paramRaw[id], s.userData, s.files);
        const label = `${findVariant(id)!.label}, N = ${n}`;
        points.push(config.spec ? { spec: config.spec, label } : { invalid: invalidResult(config, id), label });
      }
    }
    return { points, values: grid.values };
  }
  const spec = variant.params.find((p) => p.name === settings.target);
  if (!spec || (spec.type !== 'int' && spec.type !== 'float')) return { points: [], values: [], error: `${variant.label} has no numeric knob "${settings.target}"` };
  const grid = logGrid(spec, settings.from, settings.to, settings.steps);
  if ('error' in grid) return { points: [], values: [], error: grid.error };
  const points = grid.values.map((value): Point => {
    const config = deriveConfig(variant.id, s.runRaw, { ...s.paramRaw[variant.id], [spec.name]: String(value) }, s.userData, s.files);
    const label = `${spec.label} = ${value}`;
    return config.spec ? { spec: config.spec, label } : { invalid: invalidResult(config, variant.id), label };
  });
  return { points, values: grid.values };
}

let sweepIds = 1;

/** Runs the sweep set up in the store (ui.sweep); its points land in `lastSweep` as they finish. */
export async function startSweep(): Promise<void> {
  if (!store) return;
  const s = store.getState();
  const settings = s.ui.sweep;
  const plan = planSweep(settings);
  if (plan.error) {
    s.addNotice(plan.error);
    return;
  }
  const id = sweepIds++;
  const variantId = s.variantId;
  const label = settings.target === 'n' ? `Sweeping N over ${plan.values.length} values` : `Sweeping ${settings.target} over ${plan.values.length} values`;
  s.setLastSweep({ id, settings, variantId, results: [], total: plan.points.length, state: 'running' });
  const update = (patch: Partial<NonNullable<ReturnType<PlaygroundStore['getState']>['lastSweep']>>) => {
    const last = store!.getState().lastSweep;
    if (last?.id === id) store!.getState().setLastSweep({ ...last, ...patch });
  };
  const outcome = await runBatch('sweep', label, plan.points, (r) => {
    store!.getState().addBatchResult(r);
    const last = store!.getState().lastSweep;
    if (last?.id === id) update({ results: [...last.results, r] });
  });
  update({ state: outcome });
}

// ------------------------------------------------------------------ map window on demand

/** Pool edge of the overview of an N×N map (about 512 cells a side). */
export function overviewPool(n: number): number {
  return Math.max(1, Math.ceil(n / 512));
}

/** The map request of a window computed on demand (not for kind 'run': the run's own window). */
export function mapRequestOf(view: Exclude<MapView, { kind: 'run' }>, n: number): MapRequest {
  if (view.kind === 'pooled') return { kind: 'pooled', head: 0, pool: overviewPool(n) };
  const row0 = Math.min(Math.max(0, view.row0), n - 1);
  return { kind: 'rows', head: 0, row0, rows: Math.max(1, Math.min(view.rows, n - row0)) };
}

const windowKey = (key: string, view: MapView) => `${key}|${formatMapView(view)}`;

/**
 * For N above the full-map limit, computes the window asked for (ui.mapView, by default the
 * pooled overview) — of the variant and of exact attention — after each run.
 */
function watchMapWindow(s: PlaygroundStore): void {
  let pending: string | undefined;
  s.subscribe((state) => {
    const { lastResult, lastKey, ui, windowResult } = state;
    const view = ui.mapView ?? DEFAULT_MAP_VIEW;
    if (view.kind === 'run' || state.job?.kind === 'compare' || state.job?.kind === 'sweep') return;
    if (!lastResult || !lastKey || lastResult.status !== 'ok' || lastResult.shape.n <= FULL_MAP_MAX_N) return;
    if (!findVariant(lastResult.variant)?.supports.map) return;
    const key = windowKey(lastKey, view);
    if (windowResult && windowKey(windowResult.key, windowResult.view) === key) return;
    if (pending === key) return;
    pending = key;
    void computeWindow(lastResult, lastKey, view).finally(() => {
      if (pending === key) pending = undefined;
    });
  });
}

async function computeWindow(last: RunResult, key: string, view: Exclude<MapView, { kind: 'run' }>): Promise<void> {
  if (!store || !runner) return;
  const req = mapRequestOf(view, last.shape.n);
  const variant = findVariant(last.variant);
  const files = variant ? paramFiles(variant, last.params, store.getState().files) : undefined;
  const spec: RunSpec = { variant: last.variant, params: last.params, run: last.run, ...(files?.size ? { files } : {}) };
  const label = req.kind === 'pooled' ? `Pooled overview of the map (${req.pool}×${req.pool} blocks)` : `Map rows ${req.row0}–${req.row0 + req.rows - 1}`;
  // no timing: one forward of the variant and of exact flash (the reference), then both windows
  const options: RunOptions = { timing: false, compareExact: false, reference: 'gpu', map: req };
  let result: RunResult | undefined;
  await runBatch('window', label, [{ label, spec, options }], (r) => {
    result = r;
  });
  if (result && store.getState().lastKey === key) store.getState().setWindowResult({ key, view, result });
}
