// Runs the current configuration whenever it changes: debounced, the previous run cancelled
// through its AbortController, and runs serialized — one promise chain, so two runs never
// share the device even while a cancelled one is still releasing its buffers. Batches of
// runs (a comparison, a sweep, a map window: src/state/jobs.ts) go through the same chain
// with `exclusive`.
//
// The CPU work of every run (inputs, float64 reference, error metrics) happens in a Web
// Worker (src/state/cpu-offload.ts) when one is available, so the page stays responsive.
import { isAbort, runOne, type RunOptions, type RunSpec } from '../bench/runner';
import type { CpuWork } from '../bench/cpu-work';
import type { Gpu, GpuHost } from '../gpu/gpu';
import { hasWebGpu, NO_WEBGPU_HELP } from '../gpu/browser';
import { configOf } from './config';
import type { PlaygroundStore } from './store';

export interface AutoRunOptions {
  /** quiet time after the last change before a run starts, ms */
  debounceMs?: number;
  /** where a run's CPU work happens, per run (default: on the main thread) */
  cpuFor?: (signal: AbortSignal) => CpuWork;
}

/** What an exclusive job gets: the host, its CPU work and the options every run should carry. */
export interface JobContext {
  host: GpuHost;
  signal: AbortSignal;
  /** RunOptions for runOne / runSweep: the signal, the CPU worker and the user's files */
  runOptions(): RunOptions;
}

export interface AutoRunner {
  /** runs the current configuration now (the Run button), even if it did not change */
  runNow(): void;
  /**
   * Runs `job` on the device after whatever is running now, alone. The job ends (AbortError)
   * when `signal` fires. Resolves with the job's value.
   */
  exclusive<T>(job: (ctx: JobContext) => Promise<T>, signal: AbortSignal): Promise<T>;
  /** true once an adapter has been found (jobs can run) */
  ready(): boolean;
  dispose(): void;
}

export function startAutoRun(store: PlaygroundStore, host: GpuHost, opts: AutoRunOptions = {}): AutoRunner {
  const debounceMs = opts.debounceMs ?? 300;
  let ready = false;
  let disposed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: AbortController | undefined;
  let chain: Promise<void> = Promise.resolve();
  let lastKey: string | undefined;
  const watched = new WeakSet<Gpu>();
  const { getState } = store;

  /** forwards a device's uncaptured errors and losses to the notices, once per device */
  const watch = (gpu: Gpu) => {
    if (watched.has(gpu)) return;
    watched.add(gpu);
    gpu.on((e) => getState().addNotice(e.message));
  };

  const runOptions = (signal: AbortSignal): RunOptions => {
    const userData = getState().userData;
    return { signal, cpu: opts.cpuFor?.(signal), inputs: userData };
  };

  const cancel = () => {
    clearTimeout(timer);
    timer = undefined;
    current?.abort();
    current = undefined;
  };

  const execute = async (spec: RunSpec, key: string, ctl: AbortController) => {
    if (ctl.signal.aborted || disposed) return;
    const live = () => current === ctl && !ctl.signal.aborted;
    getState().setPhase('running', 'starting');
    try {
      watch(await host.get());
      const result = await runOne(host, spec, {
        ...runOptions(ctl.signal),
        onProgress: (stage) => {
          if (live()) getState().setStage(stage);
        },
      });
      if (!live()) return; // superseded: a newer run (or an invalid edit) owns the phase now
      const s = getState();
      if (result.adapter) s.setAdapter(result.adapter);
      s.addResult(result, key);
      s.setPhase(result.status === 'ok' ? 'done' : 'failed');
    } catch (e) {
      if (isAbort(e) || !live()) return;
      // runOne turns GPU failures into results; anything else is a bug worth showing as is
      const s = getState();
      s.addNotice(`The run failed unexpectedly: ${(e as Error)?.message ?? String(e)}`);
      s.setPhase('failed');
    } finally {
      if (current === ctl) current = undefined;
    }
  };

  const launch = () => {
    timer = undefined;
    const config = configOf(getState());
    const spec = config.spec;
    if (!ready || disposed || !spec || !config.key) return;
    current?.abort();
    const ctl = new AbortController();
    current = ctl;
    const key = config.key;
    chain = chain.then(() => execute(spec, key, ctl));
  };

  const schedule = (delay: number) => {
    clearTimeout(timer);
    getState().setPhase('waiting');
    timer = setTimeout(launch, delay);
  };

  // React to edits: a new valid configuration re-runs after the debounce; an invalid one
  // cancels whatever was pending or running and shows its messages instead.
  const unsubscribe = store.subscribe((s) => {
    if (!ready) return;
    const config = configOf(s);
    if (!config.spec) {
      if (lastKey !== undefined || s.phase !== 'invalid') {
        lastKey = undefined;
        cancel();
        s.setPhase('invalid');
      }
      return;
    }
    if (config.key !== lastKey) {
      lastKey = config.key;
      schedule(debounceMs);
    }
  });

  // Find the adapter first (the banner shows it before any run), then run the initial configuration.
  void (async () => {
    if (!hasWebGpu()) {
      getState().setUnavailable(NO_WEBGPU_HELP);
      return;
    }
    try {
      const gpu = await host.get();
      watch(gpu);
      getState().setAdapter(gpu.adapter);
    } catch (e) {
      getState().setUnavailable((e as Error)?.message ?? String(e));
      return;
    }
    if (disposed) return;
    ready = true;
    const config = configOf(getState());
    lastKey = config.key;
    if (config.spec) schedule(0);
    else getState().setPhase('invalid');
  })();

  return {
    runNow() {
      if (!ready || !configOf(getState()).spec) return;
      clearTimeout(timer);
      getState().setPhase('waiting');
      launch();
    },
    exclusive<T>(job: (ctx: JobContext) => Promise<T>, signal: AbortSignal): Promise<T> {
      const result = chain.then(async () => {
        if (signal.aborted) throw new DOMException('cancelled', 'AbortError');
        watch(await host.get());
        return job({ host, signal, runOptions: () => runOptions(signal) });
      });
      // the chain goes on whatever the job did
      chain = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
    ready: () => ready,
    dispose() {
      disposed = true;
      unsubscribe();
      cancel();
    },
  };
}
