// The CPU side of a run: the seeded inputs (rounded to f32 once) and the error measurement
// (float64 exact reference, output and map errors, alternative references). These are pure
// computations, kept apart from the runner so that the very same code can run on the calling
// thread (Node: the CLI and the tests) or in a Web Worker (the browser, whose main thread
// must never block: a float64 reference at N = 1024 takes about a second).
//
// This module imports no variant and no kernel, so a worker bundling it stays small; the
// alternative references a variant declares are looked up by the caller (see `measureOnCpu`).
import { baselineReference } from '../attention/baseline-reference';
import type { AltReference, FileMap, Inputs64, MapRequest, MapWindow, Shape } from '../attention/types';
import { mapErrors, outputErrors, type MapErrors, type OutputErrors } from '../metrics/errors';
import type { ParamValues } from '../params/schema';
import { generateInputs, type WorkloadOptions } from '../workloads/generate';
import { shapeOf, type WorkloadId } from './run-params';

/** A run specification as far as the inputs go (RunSpec is one; only `run` is read). */
export interface InputSpec {
  variant?: string;
  params?: ParamValues;
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

export interface Inputs32 {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
}

/** Inputs of a run: the seeded workload or the user's tensors — rounded to f32 once, so the
 * float64 reference sees exactly what the GPU sees. */
export function makeInputs(spec: InputSpec, user?: UserInputs): { x64: Inputs64; x32: Inputs32 } {
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

/** The inputs of one run as the runner holds them. */
export interface RunInputs {
  x32: Inputs32;
  /** the float64 copy the CPU references read; absent where it lives elsewhere (in a worker) */
  x64?: Inputs64;
}

/** What to measure once the GPU work of a run is done. */
export interface MeasureJob {
  shape: Shape;
  /** the variant's H×N×dv output */
  out: Float32Array;
  /** the variant's map window, when one was read */
  map?: MapWindow;
  /**
   * The reference output (gpu-exact) and its map over the same window. Absent: the float64
   * CPU reference of the inputs (cpu-f64), with its map over `mapReq`.
   */
  refOut?: Float32Array;
  refMap?: MapWindow;
  /** the window the variant's map was read over (cpu-f64: the reference map is sliced to it) */
  mapReq?: MapRequest;
  /** the variant whose alternative references to measure against, with its params (needs x64) */
  alt?: { variant: string; params: ParamValues; files?: FileMap };
}

export interface Measured {
  errors: OutputErrors;
  /** exact attention's map over the variant's window */
  exactMap?: MapWindow;
  mapErrors?: MapErrors;
  altErrors?: Record<string, { label: string; errors: OutputErrors }>;
}

/**
 * Where the CPU work of a run happens. The default (the runner's `localCpuWork`) computes on
 * the calling thread; the browser passes one that posts the same calls to a Web Worker.
 */
export interface CpuWork {
  /**
   * The run's inputs rounded to f32. `keep64`: the float64 copy will be needed by `measure`
   * (CPU reference or alternative references); without it an implementation may drop it.
   */
  inputs(spec: InputSpec, user: UserInputs | undefined, keep64: boolean): Promise<RunInputs>;
  /** Errors of the run against its reference (see MeasureJob). */
  measure(inputs: RunInputs, job: MeasureJob): Promise<Measured>;
  /** The run is over: anything held for `inputs` may be freed. */
  release?(inputs: RunInputs): void;
}

/** Slices the H×N×N reference map down to a window like `w`. */
function refWindow(map: Float64Array, shape: Shape, w: MapRequest): Float64Array | undefined {
  if (w.kind !== 'rows') return undefined;
  const n = shape.n;
  const start = (w.head * n + w.row0) * n;
  return map.subarray(start, start + w.rows * n);
}

/**
 * The measurement itself (pure): `x64` is needed for the CPU reference and for `altRefs`, the
 * alternative references of `job.alt.variant` (looked up by the caller).
 */
export function measureOnCpu(x64: Inputs64 | undefined, job: MeasureJob, altRefs: readonly AltReference[] = []): Measured {
  const { shape, out, map, mapReq } = job;
  const rows = shape.heads * shape.n;
  let measured: Measured;
  if (job.refOut) {
    measured = { errors: outputErrors(out, job.refOut, rows, shape.dv), exactMap: job.refMap };
  } else {
    if (!x64) throw new Error('measure: the float64 inputs are needed for the CPU reference but were not kept');
    const ref = baselineReference(x64, { withMap: Boolean(mapReq) });
    measured = { errors: outputErrors(out, ref.out, rows, shape.dv) };
    const win = mapReq && ref.map ? refWindow(ref.map, shape, mapReq) : undefined;
    if (mapReq && win && mapReq.kind === 'rows') {
      measured.exactMap = { kind: 'rows', head: mapReq.head, data: Float32Array.from(win), rows: mapReq.rows, cols: shape.n, row0: mapReq.row0, pool: 1, signed: false };
    }
  }
  const exactMap = measured.exactMap;
  if (map && exactMap) {
    measured.mapErrors = mapErrors(map.data, exactMap.data, map.rows, map.cols);
  }
  if (job.alt && altRefs.length) {
    if (!x64) throw new Error('measure: the float64 inputs are needed for the alternative references but were not kept');
    measured.altErrors = {};
    for (const alt of altRefs) {
      measured.altErrors[alt.id] = { label: alt.label, errors: outputErrors(out, alt.out(x64, job.alt.params, job.alt.files), rows, shape.dv) };
    }
  }
  return measured;
}
