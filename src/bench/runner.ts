// The benchmark runner (spec/benchmarks.md "Method") — the one implementation behind the
// UI's runs and sweeps and the CLI's `run` and `bench`.
//
// One run: validate → inputs (seeded workload or the user's tensors, rounded to f32 once)
// → upload → plan (pipelines compiled first, compile time reported apart) → warm-up and
// timed repetitions → read the output (+ a map window) → error against exact attention
// (float64 CPU reference up to N = 1024, the GPU exact flash output above) → result row.
// A run that fails becomes a result with status skipped-oom / skipped-limit / error.
import type { AttentionVariant, Cost, Extra, Inputs64, MapRequest, MapWindow, Plan, Shape } from '../attention/types';
import { getVariant, validateRun, variantParams } from '../attention/registry';
import { exactReference } from '../attention/exact/reference';
import type { ParamValues } from '../params/schema';
import type { AdapterSummary, Gpu, GpuHost } from '../gpu/gpu';
import { GpuError } from '../gpu/errors';
import { runForward, timePlan, type Timing } from '../gpu/timing';
import { generateInputs, type WorkloadOptions } from '../workloads/generate';
import { outputErrors, mapErrors, type OutputErrors, type MapErrors } from '../metrics/errors';
import { shapeOf, type WorkloadId } from './run-params';

/** Largest N whose error is measured against the float64 CPU reference (spec §6). */
export const CPU_REFERENCE_MAX_N = 1024;
/** Largest N whose full map is read back by default. */
export const FULL_MAP_MAX_N = 1024;

export type Status = 'ok' | 'skipped-oom' | 'skipped-limit' | 'error' | 'invalid';
export type ReferenceKind = 'cpu-f64' | 'gpu-exact' | 'none';

export interface RunSpec {
  variant: string;
  /** the variant's own parameters (missing ones take their defaults) */
  params?: ParamValues;
  /** n, d, heads, causal, workload, seed, logitScale (see run-params.ts) */
  run: ParamValues;
}

/** The user's own tensors (H×N×d float64, e.g. from .npy files) instead of a seeded workload. */
export interface UserInputs {
  name: string;
  heads: number;
  n: number;
  d: number;
  dv: number;
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
}

export interface RunOptions {
  /** time the forward (default true) */
  timing?: boolean;
  trials?: number;
  /** warm-up forwards before timing (default 2, spec/benchmarks.md step 3) */
  warmup?: number;
  /** which reference to measure error against (default auto: cpu ≤ 1024 < gpu) */
  reference?: 'auto' | 'cpu' | 'gpu' | 'none';
  /** map to read back: 'auto' (full map up to N = 1024, else the first 256 rows), none, or a request */
  map?: 'auto' | 'none' | MapRequest;
  /** further map windows to read back from the same plan (e.g. the CLI's full H×N×N map) */
  extraMaps?: MapRequest[];
  /** keep the output (Float32Array) in the result */
  keepOutput?: boolean;
  /** time exact flash on the same shape and report the ratio (default true) */
  compareExact?: boolean;
  inputs?: UserInputs;
  /**
   * Exact-flash timings already measured, by shape (runSweep shares one across its points so
   * exact attention is timed once per shape, not once per point).
   */
  exactTimings?: Map<string, Timing>;
  signal?: AbortSignal;
  onProgress?: (stage: string) => void;
}

export interface RunResult {
  variant: string;
  params: ParamValues;
  run: ParamValues;
  shape: Shape;
  status: Status;
  message: string;
  cost?: Cost;
  compileMs?: number;
  timing?: Timing;
  exactTiming?: Timing;
  speedupVsExact?: number;
  reference: ReferenceKind;
  errors?: OutputErrors;
  mapErrors?: MapErrors;
  /** errors against the variant's alternative references (cpu-f64, N ≤ 1024), by reference id */
  altErrors?: Record<string, { label: string; errors: OutputErrors }>;
  /** the variant's notes for this configuration and its extras after the run */
  extras?: Extra[];
  /** the variant's map window and exact attention's map over the same window */
  map?: MapWindow;
  exactMap?: MapWindow;
  /** the windows of RunOptions.extraMaps, in order */
  extraMaps?: MapWindow[];
  output?: Float32Array;
  bytesAllocated?: number;
  adapter?: AdapterSummary;
}

const abortError = () => new DOMException('cancelled', 'AbortError');

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

/** Inputs of a run: the user's tensors, or the seeded workload — rounded to f32 once, so the
 * float64 reference sees exactly what the GPU sees. */
export function makeInputs(spec: RunSpec, user?: UserInputs): { x64: Inputs64; x32: { q: Float32Array; k: Float32Array; v: Float32Array } } {
  const shape = user ? { n: user.n, d: user.d, dv: user.dv, heads: user.heads, causal: Boolean(spec.run.causal) } : shapeOf(spec.run);
  const raw = user ?? generateInputs({
    workload: String(spec.run.workload) as WorkloadId,
    n: shape.n,
    d: shape.d,
    dv: shape.dv,
    heads: shape.heads,
    seed: Number(spec.run.seed),
    logitScale: Number(spec.run.logitScale),
  } satisfies WorkloadOptions);
  const q = Float32Array.from(raw.q);
  const k = Float32Array.from(raw.k);
  const v = Float32Array.from(raw.v);
  return { x32: { q, k, v }, x64: { shape, q: Float64Array.from(q), k: Float64Array.from(k), v: Float64Array.from(v) } };
}

function chooseMap(req: RunOptions['map'], shape: Shape): MapRequest | undefined {
  if (req === 'none') return undefined;
  if (req && req !== 'auto') return req;
  if (shape.n <= FULL_MAP_MAX_N) return { kind: 'rows', head: 0, row0: 0, rows: shape.n };
  return { kind: 'rows', head: 0, row0: 0, rows: Math.min(shape.n, 256) };
}

/** Slices the H×N×N reference map down to a window like `w`. */
function refWindow(map: Float64Array, shape: Shape, w: MapRequest): Float64Array | undefined {
  if (w.kind !== 'rows') return undefined;
  const n = shape.n;
  const start = (w.head * n + w.row0) * n;
  return map.subarray(start, start + w.rows * n);
}

export async function runOne(host: GpuHost, spec: RunSpec, opts: RunOptions = {}): Promise<RunResult> {
  const variant = getVariant(spec.variant);
  const params = variantParams(variant, spec.params ?? {});
  const shape = opts.inputs
    ? { n: opts.inputs.n, d: opts.inputs.d, dv: opts.inputs.dv, heads: opts.inputs.heads, causal: Boolean(spec.run.causal) }
    : shapeOf(spec.run);
  const base: RunResult = { variant: variant.id, params, run: spec.run, shape, status: 'ok', message: '', reference: 'none' };
  const problems = validateRun(variant, shape, params);
  if (problems.length) return { ...base, status: 'invalid', message: problems.join('; ') };
  base.cost = variant.cost(shape, params);
  try {
    return await host.run(`${variant.id} N=${shape.n}`, (gpu) => runOnGpu(gpu, variant, params, shape, spec, opts, { ...base }));
  } catch (e) {
    if (isAbort(e)) throw e;
    if (e instanceof GpuError) return { ...base, status: e.status, message: e.message };
    return { ...base, status: 'error', message: (e as Error).message ?? String(e) };
  }
}

async function runOnGpu(
  gpu: Gpu,
  variant: AttentionVariant,
  params: ParamValues,
  shape: Shape,
  spec: RunSpec,
  opts: RunOptions,
  result: RunResult,
): Promise<RunResult> {
  const progress = opts.onProgress ?? (() => {});
  const check = () => {
    if (opts.signal?.aborted) throw abortError();
  };
  result.adapter = gpu.adapter;
  progress('generating inputs');
  const { x32, x64 } = makeInputs(spec, opts.inputs);
  check();
  const owned: GPUBuffer[] = [];
  const plans: Plan[] = [];
  try {
    return await gpu.scoped(`${variant.label}, N = ${shape.n}`, async () => {
      const inputs = { q: gpu.upload('q', x32.q), k: gpu.upload('k', x32.k), v: gpu.upload('v', x32.v) };
      owned.push(inputs.q, inputs.k, inputs.v);
      progress('compiling');
      const compile0 = gpu.pipelines.compileMs;
      const plan = await variant.plan(gpu, shape, params, inputs);
      plans.push(plan);
      const isExactFlash = variant.id === 'exact' && params.impl === 'flash';
      const wantExact = opts.compareExact ?? true;
      const refKind: ReferenceKind =
        opts.reference === 'none' ? 'none'
        : opts.reference === 'cpu' ? 'cpu-f64'
        : opts.reference === 'gpu' ? 'gpu-exact'
        : shape.n <= CPU_REFERENCE_MAX_N ? 'cpu-f64' : 'gpu-exact';
      const exactVariant = getVariant('exact');
      const exactPlan = (wantExact && !isExactFlash) || (refKind === 'gpu-exact' && !isExactFlash)
        ? await exactVariant.plan(gpu, shape, variantParams(exactVariant, { impl: 'flash' }), inputs)
        : undefined;
      if (exactPlan) plans.push(exactPlan);
      result.compileMs = gpu.pipelines.compileMs - compile0;
      result.bytesAllocated = plan.bytesAllocated;
      check();

      let exactRan = false; // has exactPlan's output been computed?
      const shapeKey = `${shape.n}|${shape.d}|${shape.dv}|${shape.heads}|${shape.causal}`;
      if (opts.timing ?? true) {
        progress('timing');
        const timingOpts = {
          trials: opts.trials,
          warmup: opts.warmup,
          signal: opts.signal,
          onPart: (done: number, total: number, phase: string) => progress(`${phase === 'warmup' ? 'warming up' : 'timing'}: part ${done}/${total}`),
        };
        result.timing = await timePlan(gpu, plan, timingOpts);
        if (isExactFlash) {
          result.exactTiming = result.timing;
          opts.exactTimings?.set(shapeKey, result.timing);
        } else if (exactPlan && wantExact) {
          result.exactTiming = opts.exactTimings?.get(shapeKey);
          if (!result.exactTiming) {
            progress('timing exact flash');
            result.exactTiming = await timePlan(gpu, exactPlan, timingOpts);
            opts.exactTimings?.set(shapeKey, result.exactTiming);
            exactRan = true;
          }
        }
        if (result.exactTiming) result.speedupVsExact = result.exactTiming.medianMs / result.timing.medianMs;
      } else {
        await runForward(gpu, plan, 'forward', (done, total) => progress(`running: part ${done}/${total}`));
      }
      check();

      progress('reading output');
      const out = await gpu.read(plan.output, 0, shape.heads * shape.n * shape.dv * 4);
      if (opts.keepOutput) result.output = out;
      const mapReq = variant.supports.map ? chooseMap(opts.map, shape) : undefined;
      if (mapReq && plan.readMap) {
        progress('reading the map');
        result.map = await plan.readMap(mapReq);
      }
      if (opts.extraMaps?.length) {
        if (!plan.readMap) throw new GpuError('unsupported', `${variant.label} has no attention map`);
        result.extraMaps = [];
        for (const req of opts.extraMaps) {
          check();
          result.extraMaps.push(await plan.readMap(req));
        }
      }

      progress('measuring error');
      result.reference = refKind;
      if (refKind === 'cpu-f64') {
        const ref = exactReference(x64, { withMap: Boolean(mapReq) });
        result.errors = outputErrors(out, ref.out, shape.heads * shape.n, shape.dv);
        const win = mapReq && ref.map ? refWindow(ref.map, shape, mapReq) : undefined;
        if (mapReq && win && mapReq.kind === 'rows') {
          result.exactMap = { kind: 'rows', head: mapReq.head, data: Float32Array.from(win), rows: mapReq.rows, cols: shape.n, row0: mapReq.row0, pool: 1, signed: false };
        }
      } else if (refKind === 'gpu-exact') {
        const ep = exactPlan ?? plan; // exact flash is its own reference
        if (exactPlan && !exactRan) await runForward(gpu, exactPlan);
        const refOut = ep === plan ? out : await gpu.read(ep.output, 0, shape.heads * shape.n * shape.dv * 4);
        result.errors = outputErrors(out, refOut, shape.heads * shape.n, shape.dv);
        if (mapReq && (exactPlan ?? plan).readMap) result.exactMap = ep === plan ? result.map : await ep.readMap!(mapReq);
      }
      if (result.map && result.exactMap) {
        result.mapErrors = mapErrors(result.map.data, result.exactMap.data, result.map.rows, result.map.cols);
      }
      if (variant.altReferences?.length && refKind !== 'none' && shape.n <= CPU_REFERENCE_MAX_N) {
        result.altErrors = {};
        for (const alt of variant.altReferences) {
          result.altErrors[alt.id] = { label: alt.label, errors: outputErrors(out, alt.out(x64, params), shape.heads * shape.n, shape.dv) };
        }
      }
      result.extras = [...(variant.notes?.(shape, params) ?? []), ...((await plan.extras?.()) ?? [])];
      progress('done');
      return result;
    });
  } finally {
    for (const p of plans) p.destroy();
    for (const b of owned) gpu.release(b);
  }
}

export interface SweepOptions extends RunOptions {
  /** called after each point with its result and the count done / total */
  onResult?: (r: RunResult, done: number, total: number) => void;
}

/** Runs specs one after another; a failed point is a result row, and the sweep goes on. */
export async function runSweep(host: GpuHost, specs: RunSpec[], opts: SweepOptions = {}): Promise<RunResult[]> {
  const results: RunResult[] = [];
  const shared = { ...opts, exactTimings: opts.exactTimings ?? new Map<string, Timing>() };
  for (const spec of specs) {
    if (opts.signal?.aborted) throw abortError();
    const r = await runOne(host, spec, shared);
    results.push(r);
    opts.onResult?.(r, results.length, specs.length);
  }
  return results;
}
