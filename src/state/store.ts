// The playground's state (zustand). Controls write raw strings — exactly what the user typed
// or picked — and src/state/config.ts parses them with the param schemas, so a bad value
// stays visible in its field with its message instead of being silently corrected.
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { findVariant, variants } from '../attention/registry';
import { runParams } from '../bench/run-params';
import type { RunResult } from '../bench/runner';
import type { AdapterSummary } from '../gpu/gpu';
import { defaults, formatValue, type ParamSpec, type ParamValues } from '../params/schema';
import type { HashState } from './url';

/** Raw control values keyed by param name. */
export type RawValues = Record<string, string>;

/**
 * Where the run machinery stands:
 * - `starting`: looking for an adapter
 * - `waiting`: a change is waiting out the debounce (or a previous run's cleanup)
 * - `running`: a run is on the device (see `stage`)
 * - `done` / `failed`: the last run finished with status ok / anything else
 * - `invalid`: the controls hold a value that does not validate; nothing runs
 * - `unavailable`: no WebGPU (or no adapter); nothing runs
 */
export type Phase = 'starting' | 'waiting' | 'running' | 'done' | 'failed' | 'invalid' | 'unavailable';

export interface Notice {
  id: number;
  text: string;
}

export interface PlaygroundState {
  variantId: string;
  /** raw values of the run params (runParams) */
  runRaw: RawValues;
  /** raw values of each variant's own params, kept per variant so switching back restores them */
  paramRaw: Record<string, RawValues>;
  phase: Phase;
  /** progress text of the current run (from runOne's onProgress) */
  stage: string;
  adapter?: AdapterSummary;
  /** why there is no adapter (NO_WEBGPU_HELP or the adapter request's error) */
  unavailable?: string;
  lastResult?: RunResult;
  /** every finished run of this session, oldest first (the CSV export) */
  results: RunResult[];
  notices: Notice[];
}

export interface PlaygroundActions {
  setVariant(id: string): void;
  setRunValue(name: string, raw: string): void;
  setParamValue(name: string, raw: string): void;
  /** replaces the configuration with one read from the URL hash (notices included) */
  applyHash(h: HashState): void;
  setPhase(phase: Phase, stage?: string): void;
  setStage(stage: string): void;
  setAdapter(adapter: AdapterSummary): void;
  setUnavailable(message: string): void;
  addResult(r: RunResult): void;
  addNotice(text: string): void;
  dismissNotice(id: number): void;
}

export type Playground = PlaygroundState & PlaygroundActions;

export function toRaw(values: ParamValues): RawValues {
  const out: RawValues = {};
  for (const [k, v] of Object.entries(values)) out[k] = formatValue(v);
  return out;
}

export function defaultRaw(specs: readonly ParamSpec[]): RawValues {
  return toRaw(defaults(specs));
}

let nextNoticeId = 1;
const notice = (text: string): Notice => ({ id: nextNoticeId++, text });

/** A fresh store, starting from `initial` (usually the URL hash). */
export function createPlaygroundStore(initial?: HashState) {
  const variantId = initial?.variantId ?? variants[0].id;
  const paramRaw: Record<string, RawValues> = {};
  for (const v of variants) paramRaw[v.id] = defaultRaw(v.params);
  if (initial) paramRaw[variantId] = toRaw(initial.params);

  return createStore<Playground>()((set) => ({
    variantId,
    runRaw: initial ? toRaw(initial.run) : defaultRaw(runParams),
    paramRaw,
    phase: 'starting',
    stage: '',
    results: [],
    notices: (initial?.notices ?? []).map(notice),

    setVariant: (id) => {
      if (!findVariant(id)) return;
      set({ variantId: id });
    },
    setRunValue: (name, raw) => set((s) => ({ runRaw: { ...s.runRaw, [name]: raw } })),
    setParamValue: (name, raw) =>
      set((s) => ({ paramRaw: { ...s.paramRaw, [s.variantId]: { ...s.paramRaw[s.variantId], [name]: raw } } })),
    applyHash: (h) =>
      set((s) => ({
        variantId: h.variantId,
        runRaw: toRaw(h.run),
        paramRaw: { ...s.paramRaw, [h.variantId]: toRaw(h.params) },
        notices: [...s.notices, ...h.notices.map(notice)],
      })),
    setPhase: (phase, stage = '') => set({ phase, stage }),
    setStage: (stage) => set({ stage }),
    setAdapter: (adapter) => set({ adapter, unavailable: undefined }),
    setUnavailable: (message) => set({ unavailable: message, phase: 'unavailable' }),
    addResult: (r) => set((s) => ({ lastResult: r, results: [...s.results, r] })),
    addNotice: (text) => set((s) => ({ notices: [...s.notices, notice(text)] })),
    dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  }));
}

export type PlaygroundStore = ReturnType<typeof createPlaygroundStore>;

/** The app's one store, created by src/ui/main.tsx from the URL hash before the first render. */
let appStore: PlaygroundStore | undefined;

export function initPlaygroundStore(initial?: HashState): PlaygroundStore {
  appStore = createPlaygroundStore(initial);
  return appStore;
}

export function playgroundStore(): PlaygroundStore {
  if (!appStore) throw new Error('the playground store is not initialised (initPlaygroundStore)');
  return appStore;
}

/** React hook over the app store; `selector` must return stable values (state slices, primitives). */
export function usePlayground<T>(selector: (s: Playground) => T): T {
  return useStore(playgroundStore(), selector);
}
