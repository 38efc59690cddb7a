// The benchmark runner (docs/spec/benchmarks.md "Method") — the one implementation behind the
// UI's runs and sweeps and the CLI's `run` and `bench`.
//
// One run: validate → inputs (seeded workload or the user's tensors, rounded to f32 once)
// → upload → plan (pipelines compiled first, compile time reported apart) → warm-up and
// timed repetitions → read the output (+ a map window) → error against exact attention
// (float64 CPU reference up to N = 1024, the GPU exact flash output above) → result row.
// A run that fails becomes a result with status skipped-oom / skipped-limit / error.
import type { AttentionVariant, Cost, Extra, FileMap, MapRequest, MapWindow, Plan, Shape } from '../attention/types';
import { baseline, baselineTimedParams, getVariant, isBaselineTimed, validateRun, variantParams } from '../attention/registry';
import type { ParamValues } from '../params/schema';
import type { AdapterSummary, Gpu, GpuHost } from '../gpu/gpu';
import { GpuError, limitError } from '../gpu/errors';
import { runForward, timePlan, type Timing } from '../gpu/timing';
import type { OutputErrors, MapErrors } from '../metrics/errors';
import { makeInputs, measureOnCpu, type CpuWork, type Measured, type RunInputs, type UserInputs } from './cpu-work';
import { shapeOf } from './run-params';

export { makeInputs, type CpuWork, type UserInputs };

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
  /** bytes of the files that file-type parameters name (keyed by the parameter's value) */
  files?: FileMap;
}

export interface RunOptions {
  /** time the forward (default true) */
  timing?: boolean;
  trials?: number;
  /** warm-up forwards before timing (default 2, docs/spec/benchmarks.md step 3) */
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
  /**
   * Where the CPU work runs (inputs, float64 reference, error metrics). Default: on this
   * thread (`localCpuWork`); the browser passes a Web Worker so that its page never blocks.
   */
  cpu?: CpuWork;
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

/** The CPU work of a run on the calling thread (Node, tests; the default). */
export const localCpuWork: CpuWork = {
  inputs: async (spec, user) => makeInputs(spec, user),
  measure: async (inputs, job) => measureOnCpu(inputs.x64, job, job.alt ? (getVariant(job.alt.variant).altReferences ?? []) : []),
};

function chooseMap(req: RunOptions['map'], shape: Shape): MapRequest | undefined {
  if (req === 'none') return undefined;
  if (req && req !== 'auto') return req;
  if (shape.n <= FULL_MAP_MAX_N) return { kind: 'rows', head: 0, row0: 0, rows: shape.n };
  return { kind: 'rows', head: 0, row0: 0, rows: Math.min(shape.n, 256) };
}

export async function runOne(host: GpuHost, spec: RunSpec, opts: RunOptions = {}): Promise<RunResult> {
  const variant = getVariant(spec.variant);
  const params = variantParams(variant, spec.params ?? {});
  const shape = opts.inputs
    ? { n: opts.inputs.n, d: opts.inputs.d, dv: opts.inputs.dv, heads: opts.inputs.heads, causal: Boolean(spec.run.causal) }
    : shapeOf(spec.run);
  const base: RunResult = { variant: variant.id, params, run: spec.run, shape, status: 'ok', message: '', reference: 'none' };
  const problems = validateRun(variant, shape, params, spec.files);
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
  const cpu = opts.cpu ?? localCpuWork;
  const refKind: ReferenceKind =
    opts.reference === 'none' ? 'none'
    : opts.reference === 'cpu' ? 'cpu-f64'
    : opts.reference === 'gpu' ? 'gpu-exact'
    : shape.n <= CPU_REFERENCE_MAX_N ? 'cpu-f64' : 'gpu-exact';
  const wantAlt = Boolean(variant.altReferences?.length) && refKind !== 'none' && shape.n <= CPU_REFERENCE_MAX_N;
  preflight(gpu, shape);
  progress('generating inputs');
  const cpuInputs: RunInputs = await cpu.inputs(spec, opts.inputs, refKind === 'cpu-f64' || wantAlt);
  const { x32 } = cpuInputs;
  const owned: GPUBuffer[] = [];
  const plans: Plan[] = [];
  try {
    check();
    return await gpu.scoped(`${variant.label}, N = ${shape.n}`, async () => {
      const inputs = { q: gpu.upload('q', x32.q), k: gpu.upload('k', x32.k), v: gpu.upload('v', x32.v) };
      owned.push(inputs.q, inputs.k, inputs.v);
      progress('compiling');
      const compile0 = gpu.pipelines.compileMs;
      const plan = await variant.plan(gpu, shape, params, inputs, spec.files);
      plans.push(plan);
      const isExactFlash = isBaselineTimed(variant, params);
      const wantExact = opts.compareExact ?? true;
      const exactPlan = (wantExact && !isExactFlash) || (refKind === 'gpu-exact' && !isExactFlash)
        ? await baseline.plan(gpu, shape, variantParams(baseline, baselineTimedParams), inputs)
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
      const alt = wantAlt ? { variant: variant.id, params, files: spec.files } : undefined;
      let measured: Measured | undefined;
      if (refKind === 'cpu-f64') {
        measured = await cpu.measure(cpuInputs, { shape, out, map: result.map, mapReq, alt });
      } else if (refKind === 'gpu-exact') {
        const ep = exactPlan ?? plan; // exact flash is its own reference
        if (exactPlan && !exactRan) await runForward(gpu, exactPlan);
        const refOut = ep === plan ? out : await gpu.read(ep.output, 0, shape.heads * shape.n * shape.dv * 4);
        const refMap = mapReq && (exactPlan ?? plan).readMap ? (ep === plan ? result.map : await ep.readMap!(mapReq)) : undefined;
        measured = await cpu.measure(cpuInputs, { shape, out, map: result.map, mapReq, refOut, refMap, alt });
      }
      check();
      if (measured) {
        result.errors = measured.errors;
        if (measured.exactMap) result.exactMap = measured.exactMap;
        if (measured.mapErrors) result.mapErrors = measured.mapErrors;
        if (measured.altErrors) result.altErrors = measured.altErrors;
      }
      result.extras = [...(variant.notes?.(shape, params) ?? []), ...((await plan.extras?.()) ?? [])];
      progress('done');
      return result;
    });
  } finally {
    for (const p of plans) p.destroy();
    for (const b of owned) gpu.release(b);
    cpu.release?.(cpuInputs);
  }
}

/**
 * The run's own buffers (inputs and output, f32) against the adapter's limits, before anything
 * is generated or allocated: a run that cannot fit is refused with the buffer, its size and the
 * limit named (CSV status skipped-limit), instead of failing deep inside with an opaque message.
 * The plan's own buffers are checked by the pool as each is made (Gpu.buffer).
 */
export function preflight(gpu: Gpu, shape: Shape): void {
  const { n, d, dv, heads } = shape;
  const buffers: [string, number][] = [
    [`Q (H×N×d = ${heads}×${n}×${d} f32)`, heads * n * d * 4],
    [`K (H×N×d = ${heads}×${n}×${d} f32)`, heads * n * d * 4],
    [`V (H×N×dv = ${heads}×${n}×${dv} f32)`, heads * n * dv * 4],
    [`the output (H×N×dv = ${heads}×${n}×${dv} f32)`, heads * n * dv * 4],
  ];
  for (const [what, bytes] of buffers) {
    for (const limit of ['maxStorageBufferBindingSize', 'maxBufferSize'] as const) {
      const max = gpu.limits[limit];
      if (max !== undefined && bytes > max) throw limitError(what, bytes, limit, max);
    }
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
