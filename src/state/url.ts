// URL-hash sync: every view is a shareable link (docs/ui.md).
//
// The hash is a query string: `#v=<variant id>&n=256&d=64&…` (the baseline's id when `v` is absent). `v` names the variant;
// every other knob key is a `urlKey` of the run params (src/bench/run-params.ts) or of the
// selected variant's params — the same schema that drives the controls and the CSV, so a
// new variant's knobs get URL keys without code here. The view keys (VIEW_KEYS: `view`,
// `cmp`, `sweep`, `from`, `to`, `steps`, `svs`, `win`, `scene`) say what is shown, and the
// knobs of the other compared variants are written as `<variant>.<urlKey>` when they differ
// from their defaults. Unknown keys are ignored; invalid values fall back to their defaults
// with a notice the page shows.
import { baseline, findVariant, variants } from '../attention/registry';
import { runParams } from '../bench/run-params';
import { defaults, formatValue, fromKeyed, parseValue, toKeyed, type ParamValues } from '../params/schema';
import { configOf, deriveConfig } from './config';
import type { PlaygroundState, PlaygroundStore, RawValues } from './store';
import { defaultViewState, formatMapView, parseMapView, VIEWS, type View, type ViewState } from './view-state';

/** Hash key of the variant id. */
export const VARIANT_KEY = 'v';

/** Hash keys of the view state (no param may use one of these as its urlKey; a unit test checks). */
export const VIEW_KEYS = ['view', 'cmp', 'sweep', 'from', 'to', 'steps', 'svs', 'win', 'scene'] as const;

export interface HashState {
  variantId: string;
  run: ParamValues;
  /** the selected variant's params */
  params: ParamValues;
  /** knobs of other variants (those compared), by variant id: only the values the link set */
  others: Record<string, ParamValues>;
  ui: ViewState;
  /** human-readable problems with the hash (shown to the user) */
  notices: string[];
}

const splitList = (text: string | null) => (text ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/** Parses a location hash (with or without the leading `#`). An empty hash gives the defaults. */
export function parseHash(hash: string): HashState {
  const query = new URLSearchParams(hash.replace(/^#/, ''));
  const get = (key: string) => query.get(key);
  const notices: string[] = [];
  const requested = get(VARIANT_KEY);
  let variant = baseline;
  if (requested !== null) {
    const found = findVariant(requested.trim());
    if (found) variant = found;
    else notices.push(`unknown variant "${requested}" in the link; using ${variant.id} (known: ${variants.map((v) => v.id).join(', ')})`);
  }
  const run = fromKeyed(runParams, get);
  const params = fromKeyed(variant.params, get);
  notices.push(...run.notices, ...params.notices);

  // other variants' knobs: `<variant>.<urlKey>=value`
  const others: Record<string, ParamValues> = {};
  for (const [key, raw] of query) {
    const dot = key.indexOf('.');
    if (dot <= 0) continue;
    const other = findVariant(key.slice(0, dot));
    const spec = other?.params.find((p) => p.urlKey === key.slice(dot + 1));
    if (!other || !spec) continue; // unknown keys are ignored
    const r = parseValue(spec, raw);
    if ('error' in r) notices.push(`${other.id}: ${r.error}; using the default ${formatValue(spec.default)}`);
    else (others[other.id] ??= {})[spec.name] = r.value;
  }

  const ui = defaultViewState(variant.id, variants.map((v) => v.id));
  const view = get('view');
  if (view !== null) {
    if ((VIEWS as readonly string[]).includes(view)) ui.view = view as View;
    else notices.push(`unknown view "${view}" in the link; showing ${ui.view} (known: ${VIEWS.join(', ')})`);
  }
  const knownIds = (list: string[], what: string) => {
    const unknown = list.filter((id) => !findVariant(id));
    if (unknown.length) notices.push(`unknown variant${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} in ${what}; left out`);
    return [...new Set(list.filter((id) => findVariant(id)))];
  };
  if (query.has('cmp')) ui.compareIds = knownIds(splitList(get('cmp')), 'the comparison');
  const target = get('sweep');
  if (target !== null) {
    const numeric = variant.params.some((p) => p.name === target && (p.type === 'int' || p.type === 'float'));
    if (target === 'n' || numeric) ui.sweep.target = target;
    else notices.push(`${variant.id} has no numeric knob "${target}" to sweep; sweeping N`);
  }
  for (const key of ['from', 'to', 'steps'] as const) {
    const v = get(key);
    if (v !== null) ui.sweep[key] = v;
  }
  if (query.has('svs')) ui.sweep.variants = knownIds(splitList(get('svs')), 'the sweep');
  const win = get('win');
  if (win !== null) {
    const m = parseMapView(win);
    if (m) ui.mapView = m;
    else notices.push(`map window "${win}" in the link is not "run", "pooled" or "row0+rows"; showing the pooled overview`);
  }
  const scene = get('scene');
  if (scene !== null) {
    if (/^\d+$/.test(scene) && Number(scene) >= 1) ui.scene = Number(scene) - 1;
    else notices.push(`scene must be a number from 1, got "${scene}"; starting at scene 1`);
  }
  return { variantId: variant.id, run: run.values, params: params.values, others, ui, notices };
}

export interface FormatExtra {
  /** knobs of other variants (written when they differ from the defaults) */
  others?: Record<string, ParamValues>;
  ui?: ViewState;
}

/** Formats a configuration as a hash (`#v=…&…`), every value spelled out so the link stays exact. */
export function formatHash(variantId: string, run: ParamValues, params: ParamValues, extra: FormatExtra = {}): string {
  const variant = findVariant(variantId);
  const query = new URLSearchParams();
  query.set(VARIANT_KEY, variantId);
  for (const [k, v] of toKeyed(runParams, run)) query.set(k, v);
  // a file-type parameter is written as its default: the link carries no file (nor its name)
  const linked = Object.fromEntries((variant?.params ?? []).map((spec) => [spec.name, spec.type === 'file' ? spec.default : params[spec.name]]));
  for (const [k, v] of toKeyed(variant?.params ?? [], { ...params, ...linked })) query.set(k, v);
  const ui = extra.ui;
  if (ui) {
    if (ui.view !== 'run') query.set('view', ui.view);
    if (ui.view === 'compare') query.set('cmp', ui.compareIds.join(','));
    if (ui.view === 'sweep') {
      query.set('sweep', ui.sweep.target);
      query.set('from', ui.sweep.from);
      query.set('to', ui.sweep.to);
      query.set('steps', ui.sweep.steps);
      if (ui.sweep.target === 'n') query.set('svs', ui.sweep.variants.join(','));
    }
    if (ui.mapView) query.set('win', formatMapView(ui.mapView));
    if (ui.scene !== undefined) query.set('scene', String(ui.scene + 1));
  }
  // the other variants in view keep their knobs in the link (only those off their defaults)
  const inView = new Set(ui?.view === 'compare' ? ui.compareIds : ui?.view === 'sweep' && ui.sweep.target === 'n' ? ui.sweep.variants : []);
  for (const [id, values] of Object.entries(extra.others ?? {})) {
    const other = findVariant(id);
    if (!other || id === variantId || !inView.has(id)) continue;
    const def = defaults(other.params);
    for (const spec of other.params) {
      const v = values[spec.name];
      if (v === undefined || spec.type === 'file' || formatValue(v) === formatValue(def[spec.name])) continue;
      query.set(`${id}.${spec.urlKey}`, formatValue(v));
    }
  }
  return `#${query.toString()}`;
}

/** The hash of the store's current state (the last valid configuration, the view, the compared variants' knobs). */
export function hashOf(s: Parameters<typeof configOf>[0] & Pick<PlaygroundState, 'ui' | 'paramRaw'>): string | undefined {
  // the user's files are not part of a link: it names the knobs as the controls hold them
  const config = s.userData ? deriveConfig(s.variantId, s.runRaw, s.paramRaw[s.variantId], undefined, s.files) : configOf(s);
  if (!config.spec) return undefined;
  return formatHash(config.variant.id, config.run, config.params, { ui: s.ui, others: parsedOthers(s.paramRaw) });
}

/** Every variant's knobs that parse (invalid raw values are left out: they fall back to defaults). */
function parsedOthers(paramRaw: Record<string, RawValues>): Record<string, ParamValues> {
  const out: Record<string, ParamValues> = {};
  for (const [id, raw] of Object.entries(paramRaw)) {
    const v = findVariant(id);
    if (!v) continue;
    const values: ParamValues = {};
    for (const spec of v.params) {
      if (spec.type === 'file' || raw[spec.name] === undefined) continue;
      const r = parseValue(spec, raw[spec.name]);
      if (!('error' in r)) values[spec.name] = r.value;
    }
    out[id] = values;
  }
  return out;
}

/**
 * Keeps `location.hash` in step with the store: each new valid configuration (or view)
 * replaces the hash (no history entry per slider step); an edited or pasted hash is applied
 * to the store. Returns the unsubscribe function.
 */
export function bindHash(store: PlaygroundStore): () => void {
  let written = location.hash;
  const unsubscribe = store.subscribe((s) => {
    const hash = hashOf(s);
    if (hash === undefined || hash === written) return; // the link always names the last valid configuration
    written = hash;
    history.replaceState(history.state, '', hash);
  });
  const onHashChange = () => {
    if (location.hash === written) return;
    written = location.hash;
    store.getState().applyHash(parseHash(location.hash));
  };
  window.addEventListener('hashchange', onHashChange);
  return () => {
    unsubscribe();
    window.removeEventListener('hashchange', onHashChange);
  };
}
