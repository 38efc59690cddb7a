// The playground's state (zustand). Controls write raw strings — exactly what the user typed
// or picked — and src/state/config.ts parses them with the param schemas, so a bad value
// stays visible in its field with its message instead of being silently corrected.
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { baseline, findVariant, variants } from '../attention/registry';
import { runParams } from '../bench/run-params';
import type { RunResult } from '../bench/runner';
import type { AdapterSummary } from '../gpu/gpu';
import { defaults, formatValue, type ParamSpec, type ParamValues } from '../params/schema';
import type { UserInputs } from '../bench/cpu-work';
import type { HashState } from './url';
import { defaultViewState, type MapView, type SweepSettings, type View, type ViewState } from './view-state';

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

/**
 * A batch of runs besides the auto-run (a comparison, a sweep, a map window): its progress
 * for the progress bar and the ETA.
 */
export interface Job {
  kind: 'compare' | 'sweep' | 'window';
  /** what is running, for the status line */
  label: string;
  done: number;
  total: number;
  /** performance.now() at the start */
  startedAt: number;
  /** the current point's stage (runOne's onProgress) */
  stage: string;
}

/** The last sweep: its settings and its points, in the order they ran. */
export interface SweepRun {
  id: number;
  settings: SweepSettings;
  /** the variant whose knob was swept (knob sweeps) */
  variantId: string;
  results: RunResult[];
  /** total points planned; fewer results = cancelled or still running */
  total: number;
  state: 'running' | 'done' | 'cancelled';
}

/** The user's own Q, K, V (.npy files), read in the CPU worker. */
export interface UserData extends UserInputs {
  /** the file names, Q K V */
  files: string[];
}

/** A map window computed on demand for the last run (see view-state MapView). */
export interface WindowResult {
  /** the configuration key of the run it belongs to */
  key: string;
  view: MapView;
  result: RunResult;
}

export interface LoadedCsv {
  name: string;
  columns: string[];
  rows: Record<string, string>[];
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
  /** the configuration key (config.ts) of lastResult */
  lastKey?: string;
  /** every finished run of this session, oldest first (the CSV export) */
  results: RunResult[];
  notices: Notice[];
  /** what is shown (view, compared variants, sweep settings, map window, scene): in the URL too */
  ui: ViewState;
  job?: Job;
  lastSweep?: SweepRun;
  windowResult?: WindowResult;
  userData?: UserData;
  /** CSV files loaded back for comparison: A and B */
  csv: { a?: LoadedCsv; b?: LoadedCsv };
  /** the bytes of the files file-type parameters name, by the name the parameter holds (picked in this page; never in a link) */
  files: Map<string, Uint8Array>;
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
  addResult(r: RunResult, key?: string): void;
  /** records a result of a batch (comparison, sweep) without making it the shown run */
  addBatchResult(r: RunResult): void;
  addNotice(text: string): void;
  dismissNotice(id: number): void;
  setView(view: View): void;
  setCompareIds(ids: string[]): void;
  setSweep(patch: Partial<SweepSettings>): void;
  setMapView(m: MapView | undefined): void;
  setScene(index: number | undefined): void;
  setJob(job: Job | undefined): void;
  setLastSweep(s: SweepRun | undefined): void;
  setWindowResult(w: WindowResult | undefined): void;
  setUserData(d: UserData | undefined): void;
  setCsv(slot: 'a' | 'b', csv: LoadedCsv | undefined): void;
  /** keeps (or with undefined drops) a file's bytes under `name`, the value a file-type parameter holds */
  setFile(name: string, bytes: Uint8Array | undefined): void;
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
  const variantId = initial?.variantId ?? baseline.id;
  const paramRaw: Record<string, RawValues> = {};
  for (const v of variants) paramRaw[v.id] = defaultRaw(v.params);
  for (const [id, values] of Object.entries(initial?.others ?? {})) paramRaw[id] = { ...paramRaw[id], ...toRaw(values) };
  if (initial) paramRaw[variantId] = toRaw(initial.params);

  return createStore<Playground>()((set) => ({
    variantId,
    runRaw: initial ? toRaw(initial.run) : defaultRaw(runParams),
    paramRaw,
    phase: 'starting',
    stage: '',
    results: [],
    notices: (initial?.notices ?? []).map(notice),
    ui: initial?.ui ?? defaultViewState(variantId, variants.map((v) => v.id)),
    csv: {},
    files: new Map(),

    setVariant: (id) => {
      if (!findVariant(id)) return;
      set((s) => {
        // a knob sweep belongs to the variant it was set up for: a new variant sweeps N
        const numeric = findVariant(id)!.params.some((p) => p.name === s.ui.sweep.target && (p.type === 'int' || p.type === 'float'));
        const sweep = s.ui.sweep.target === 'n' || numeric ? s.ui.sweep : { ...s.ui.sweep, target: 'n' };
        return { variantId: id, ui: { ...s.ui, sweep } };
      });
    },
    setRunValue: (name, raw) => set((s) => ({ runRaw: { ...s.runRaw, [name]: raw } })),
    setParamValue: (name, raw) =>
      set((s) => ({ paramRaw: { ...s.paramRaw, [s.variantId]: { ...s.paramRaw[s.variantId], [name]: raw } } })),
    applyHash: (h) =>
      set((s) => {
        const next = { ...s.paramRaw };
        for (const [id, values] of Object.entries(h.others)) next[id] = { ...defaultRaw(findVariant(id)?.params ?? []), ...toRaw(values) };
        next[h.variantId] = toRaw(h.params);
        return {
          variantId: h.variantId,
          runRaw: toRaw(h.run),
          paramRaw: next,
          ui: h.ui,
          notices: [...s.notices, ...h.notices.map(notice)],
        };
      }),
    setPhase: (phase, stage = '') => set({ phase, stage }),
    setStage: (stage) => set({ stage }),
    setAdapter: (adapter) => set({ adapter, unavailable: undefined }),
    setUnavailable: (message) => set({ unavailable: message, phase: 'unavailable' }),
    addResult: (r, key) => set((s) => ({ lastResult: r, lastKey: key, results: [...s.results, r] })),
    addBatchResult: (r) => set((s) => ({ results: [...s.results, r] })),
    addNotice: (text) => set((s) => ({ notices: [...s.notices, notice(text)] })),
    dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
    setView: (view) => set((s) => ({ ui: { ...s.ui, view } })),
    setCompareIds: (ids) => set((s) => ({ ui: { ...s.ui, compareIds: ids.filter((id) => findVariant(id)) } })),
    setSweep: (patch) => set((s) => ({ ui: { ...s.ui, sweep: { ...s.ui.sweep, ...patch } } })),
    setMapView: (mapView) => set((s) => ({ ui: { ...s.ui, mapView } })),
    setScene: (scene) => set((s) => ({ ui: { ...s.ui, scene } })),
    setJob: (job) => set({ job }),
    setLastSweep: (lastSweep) => set({ lastSweep }),
    setWindowResult: (windowResult) => set({ windowResult }),
    setUserData: (userData) => set({ userData }),
    setCsv: (slot, csv) => set((s) => ({ csv: { ...s.csv, [slot]: csv } })),
    setFile: (name, bytes) =>
      set((s) => {
        const files = new Map(s.files);
        if (bytes) files.set(name, bytes);
        else files.delete(name);
        return { files };
      }),
  }));
}

export type PlaygroundStore = ReturnType<typeof createPlaygroundStore>;

/** The app's one store, created by src/ui/shell/main.tsx from the URL hash before the first render. */
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
