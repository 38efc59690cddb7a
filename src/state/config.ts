// Raw control values → a validated run configuration. Every message comes from the param
// schemas (parseValue) and the registry (validateRun), so a new variant's rules show up in
// place without UI code.
import { getVariant, validateRun } from '../attention/registry';
import type { AttentionVariant, Extra } from '../attention/types';
import { runParams, shapeOf } from '../bench/run-params';
import type { RunSpec } from '../bench/runner';
import { parseValue, type ParamSpec, type ParamValues } from '../params/schema';
import type { PlaygroundState, RawValues } from './store';

export interface Config {
  variant: AttentionVariant;
  /** the parsed values (invalid fields are missing) */
  run: ParamValues;
  params: ParamValues;
  /** parse errors by field: `run.<name>` or `param.<name>` */
  fieldErrors: Record<string, string>;
  /** problems of the whole run (validateRun), once every field parses */
  runErrors: string[];
  /** the variant's notes on this configuration (variant.notes), once every field parses */
  notes: Extra[];
  /** the spec to run; undefined while anything is invalid */
  spec?: RunSpec;
  /** stable identity of `spec` (auto re-run triggers when it changes) */
  key?: string;
}

export const fieldId = (group: 'run' | 'param', name: string) => `${group}.${name}`;

function parseAll(specs: readonly ParamSpec[], raw: RawValues, group: 'run' | 'param', errors: Record<string, string>): ParamValues {
  const values: ParamValues = {};
  for (const spec of specs) {
    // file params have no control yet: they keep their default ('' = none)
    if (spec.type === 'file') {
      values[spec.name] = spec.default;
      continue;
    }
    const r = parseValue(spec, raw[spec.name] ?? '');
    if ('error' in r) errors[fieldId(group, spec.name)] = r.error;
    else values[spec.name] = r.value;
  }
  return values;
}

export function deriveConfig(variantId: string, runRaw: RawValues, paramRaw: RawValues | undefined): Config {
  const variant = getVariant(variantId);
  const fieldErrors: Record<string, string> = {};
  const run = parseAll(runParams, runRaw, 'run', fieldErrors);
  const params = parseAll(variant.params, paramRaw ?? {}, 'param', fieldErrors);
  const config: Config = { variant, run, params, fieldErrors, runErrors: [], notes: [] };
  if (Object.keys(fieldErrors).length) return config;
  const shape = shapeOf(run);
  config.runErrors = validateRun(variant, shape, params);
  try {
    config.notes = variant.notes?.(shape, params) ?? [];
  } catch (e) {
    // a variant's notes must never take the controls down: show the failure as a note
    config.notes = [{ kind: 'note', id: 'notes-failed', tone: 'warning', text: `notes of ${variant.id} failed: ${(e as Error)?.message ?? String(e)}` }];
  }
  if (config.runErrors.length) return config;
  config.spec = { variant: variant.id, run, params };
  config.key = JSON.stringify(config.spec);
  return config;
}

// One-entry cache keyed by the (immutable) state slices, so components and the auto-runner
// share one Config object per configuration.
let cached: { variantId: string; runRaw: RawValues; paramRaw: RawValues | undefined; config: Config } | undefined;

export function configOf(s: Pick<PlaygroundState, 'variantId' | 'runRaw' | 'paramRaw'>): Config {
  const paramRaw = s.paramRaw[s.variantId];
  if (cached && cached.variantId === s.variantId && cached.runRaw === s.runRaw && cached.paramRaw === paramRaw) return cached.config;
  const config = deriveConfig(s.variantId, s.runRaw, paramRaw);
  cached = { variantId: s.variantId, runRaw: s.runRaw, paramRaw, config };
  return config;
}
