// The parts of the page's state that are about what is shown rather than what is run: the
// open view, the variants being compared, the sweep settings, the map window, the scene.
// All of it lives in the URL hash next to the knobs (src/state/url.ts), so a link reproduces
// the view.
import { baseline } from '../attention/registry';

export const VIEWS = ['run', 'compare', 'sweep', 'csv'] as const;
export type View = (typeof VIEWS)[number];

export const VIEW_LABELS: Record<View, string> = {
  run: 'Map and numbers',
  compare: 'Compare variants',
  sweep: 'Sweep',
  csv: 'CSV files',
};

/** What a sweep varies: the sequence length, or a numeric knob of the selected variant (by param name). */
export interface SweepSettings {
  /** 'n' or a param name of the selected variant */
  target: string;
  /** raw texts of the range and the number of points (validated by src/state/sweep.ts) */
  from: string;
  to: string;
  steps: string;
  /** variants an N sweep runs (a knob sweep runs the selected variant) */
  variants: string[];
}

/**
 * The window of the attention map shown for N above the full-map limit: the run's own (its
 * first rows), or one computed on demand — a pooled overview (the default) or rows from row0.
 */
export type MapView = { kind: 'run' } | { kind: 'pooled' } | { kind: 'rows'; row0: number; rows: number };

/** What is shown above the full-map limit when the link says nothing. */
export const DEFAULT_MAP_VIEW: MapView = { kind: 'pooled' };

export interface ViewState {
  view: View;
  /** variants compared side by side (Compare view) */
  compareIds: string[];
  sweep: SweepSettings;
  /** for N above the full-map limit; undefined: DEFAULT_MAP_VIEW */
  mapView?: MapView;
  /** 0-based scene of the open deck */
  scene?: number;
}

export function defaultSweep(variantId: string): SweepSettings {
  return { target: 'n', from: '64', to: '512', steps: '4', variants: [variantId] };
}

export function defaultViewState(variantId: string, allIds: readonly string[]): ViewState {
  return {
    view: 'run',
    compareIds: allIds.includes(variantId) ? [variantId, ...allIds.filter((id) => id !== variantId && id === baseline.id)] : [],
    sweep: defaultSweep(variantId),
  };
}

export function formatMapView(m: MapView): string {
  return m.kind === 'rows' ? `${m.row0}+${m.rows}` : m.kind;
}

/** Parses `run`, `pooled` or `row0+rows`; undefined for anything else. */
export function parseMapView(text: string): MapView | undefined {
  if (text === 'pooled') return { kind: 'pooled' };
  if (text === 'run') return { kind: 'run' };
  const m = /^(\d+)\+(\d+)$/.exec(text);
  if (!m) return undefined;
  const row0 = Number(m[1]);
  const rows = Number(m[2]);
  return rows >= 1 ? { kind: 'rows', row0, rows } : undefined;
}
