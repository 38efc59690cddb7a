// URL-hash sync: every view is a shareable link (DESIGN.md "UI").
//
// The hash is a query string: `#v=exact&n=256&d=64&…&impl=flash`. `v` names the variant;
// every other key is a `urlKey` of the run params (src/bench/run-params.ts) or of the
// selected variant's params — the same schema that drives the controls and the CSV, so a
// new variant's knobs get URL keys without code here. Unknown keys are ignored; invalid
// values fall back to their defaults with a notice the page shows.
import { findVariant, variants } from '../attention/registry';
import { runParams } from '../bench/run-params';
import { fromKeyed, toKeyed, type ParamValues } from '../params/schema';
import { configOf } from './config';
import type { PlaygroundStore } from './store';

/** Hash key of the variant id. */
export const VARIANT_KEY = 'v';

export interface HashState {
  variantId: string;
  run: ParamValues;
  /** the selected variant's params */
  params: ParamValues;
  /** human-readable problems with the hash (shown to the user) */
  notices: string[];
}

/** Parses a location hash (with or without the leading `#`). An empty hash gives the defaults. */
export function parseHash(hash: string): HashState {
  const query = new URLSearchParams(hash.replace(/^#/, ''));
  const get = (key: string) => query.get(key);
  const notices: string[] = [];
  const requested = get(VARIANT_KEY);
  let variant = variants[0];
  if (requested !== null) {
    const found = findVariant(requested.trim());
    if (found) variant = found;
    else notices.push(`unknown variant "${requested}" in the link; using ${variant.id} (known: ${variants.map((v) => v.id).join(', ')})`);
  }
  const run = fromKeyed(runParams, get);
  const params = fromKeyed(variant.params, get);
  notices.push(...run.notices, ...params.notices);
  return { variantId: variant.id, run: run.values, params: params.values, notices };
}

/** Formats a configuration as a hash (`#v=…&…`), every value spelled out so the link stays exact. */
export function formatHash(variantId: string, run: ParamValues, params: ParamValues): string {
  const variant = findVariant(variantId);
  const query = new URLSearchParams();
  query.set(VARIANT_KEY, variantId);
  for (const [k, v] of toKeyed(runParams, run)) query.set(k, v);
  for (const [k, v] of toKeyed(variant?.params ?? [], params)) query.set(k, v);
  return `#${query.toString()}`;
}

/**
 * Keeps `location.hash` in step with the store: each new valid configuration replaces the
 * hash (no history entry per slider step); an edited or pasted hash is applied to the store.
 * Returns the unsubscribe function.
 */
export function bindHash(store: PlaygroundStore): () => void {
  let written = location.hash;
  const unsubscribe = store.subscribe((s) => {
    const config = configOf(s);
    if (!config.spec) return; // the link always names the last valid configuration
    const hash = formatHash(config.variant.id, config.run, config.params);
    if (hash === written) return;
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
