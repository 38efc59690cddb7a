// The page's side of the CPU worker (src/state/cpu-worker.ts): a CpuWork for the runner
// (RunOptions.cpu) whose inputs, float64 reference and error metrics are computed off the
// main thread, and the .npy reader for the user's own files.
//
// Cancelling: a CpuWork bound to an AbortSignal (`forRun(signal)`) rejects its pending calls
// with an AbortError the moment the signal fires and terminates the worker, so a cancelled
// run never waits for a float64 reference it no longer needs; the next call starts a fresh
// worker.
import type { CpuWork, InputSpec, MeasureJob, Measured, RunInputs, UserInputs } from '../bench/cpu-work';
import type { ParamValues } from '../params/schema';
import type { MapImages, MapImagesRequest } from './map-images';
import type { MapWindow } from '../attention/types';
import type { AltReferenceMap, NpyTensor, WorkerRequest, WorkerResponse } from './cpu-worker';

export type { AltReferenceMap, NpyTensor };

/** RunInputs as the worker hands them out: the f64 copy stays in the worker under `key`. */
interface WorkerInputs extends RunInputs {
  key: number;
}

type Pending = { resolve(value: unknown): void; reject(e: unknown): void };

const abortError = () => new DOMException('cancelled', 'AbortError');

/** Distributes a request without its id over the union (TypeScript's Omit would collapse it). */
type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class CpuWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** keys of runs' inputs, unique across workers (a fresh worker after a cancel never reuses one) */
  private nextKey = 1;

  constructor(private readonly name = 'attention-cpu') {}

  private get(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./cpu-worker.ts', import.meta.url), { type: 'module', name: this.name });
    worker.onmessage = (e: MessageEvent<WorkerResponse>) => {
      const r = e.data;
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.value);
      else p.reject(new Error(r.message));
    };
    worker.onerror = (e) => {
      e.preventDefault();
      this.fail(new Error(`the CPU worker failed: ${e.message || 'it could not be loaded'}`));
    };
    this.worker = worker;
    return worker;
  }

  /** Rejects every pending call with `error` and drops the worker (the next call starts another). */
  private fail(error: unknown): void {
    this.worker?.terminate();
    this.worker = undefined;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
  }

  call<T>(request: Request, transfer: Transferable[] = [], signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError());
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => this.fail(abortError());
      this.pending.set(id, {
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v as T);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.get().postMessage({ ...request, id }, transfer);
    });
  }

  /** The CpuWork of one run: its calls end (AbortError) when `signal` fires. */
  forRun(signal?: AbortSignal): CpuWork {
    return {
      inputs: async (spec: InputSpec, user: UserInputs | undefined, keep64: boolean): Promise<RunInputs> => {
        // only what makeInputs reads: the run's values (plain data, cheap to copy)
        const plain: InputSpec = { run: spec.run };
        return this.call<WorkerInputs>({ op: 'inputs', key: this.nextKey++, spec: plain, user, keep64 }, [], signal);
      },
      measure: (inputs: RunInputs, job: MeasureJob): Promise<Measured> =>
        this.call<Measured>({ op: 'measure', key: (inputs as WorkerInputs).key, job }, [], signal),
      release: (inputs: RunInputs) => {
        const key = (inputs as WorkerInputs).key;
        // a terminated worker has dropped its inputs already
        if (key !== undefined && this.worker) void this.call({ op: 'release', key }).catch(() => {});
      },
    };
  }

  /** Reads one .npy file as an attention tensor (N×d or H×N×d); errors name the file and the problem. */
  readNpy(name: string, bytes: ArrayBuffer): Promise<NpyTensor> {
    return this.call<NpyTensor>({ op: 'npy', name, bytes }, [bytes]);
  }

  /** The map panels' grids, colour scales and PNG images (block means of up to 1024² cells per map). */
  mapImages(req: MapImagesRequest): Promise<MapImages> {
    // the windows are copied (the page keeps them for zooming); the grids come back transferred
    return this.call<MapImages>({ op: 'mapImages', req });
  }

  /**
   * The alternative reference `refId` of variant `variantId` (its `altReferences` entry's map,
   * float64, returned as f32) over the rows of `map`, a window of a run whose seeded inputs are
   * regenerated from `spec`, and the map errors of `map` against it.
   */
  altReference(variantId: string, refId: string, spec: InputSpec, params: ParamValues, map: MapWindow): Promise<AltReferenceMap> {
    return this.call<AltReferenceMap>({ op: 'altReference', variant: variantId, ref: refId, spec: { run: spec.run }, params, map });
  }

  dispose(): void {
    this.fail(abortError());
  }
}

let shared: CpuWorker | undefined;

/** The page's CPU worker of runs (started on first use). */
export function cpuWorker(): CpuWorker {
  shared ??= new CpuWorker();
  return shared;
}

let views: CpuWorker | undefined;

/**
 * A second instance of the same worker for the views' own work (the map panels' images, a
 * variant panel's alternative reference map): a cancelled run terminates the runs' worker, and a run's
 * float64 reference keeps it busy for a second — neither should hold up drawing a map.
 */
export function viewWorker(): CpuWorker {
  views ??= new CpuWorker('attention-views');
  return views;
}
