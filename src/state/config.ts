// Raw control values → a validated run configuration. Every message comes from the param
// schemas (parseValue) and the registry (validateRun), so a new variant's rules show up in
// place without UI code.
import { getVariant, validateRun } from '../attention/registry';
import type { AttentionVariant, Extra, FileMap } from '../attention/types';
import { runParams, shapeOf } from '../bench/run-params';
import type { RunSpec } from '../bench/runner';
import { parseValue, type ParamSpec, type ParamValues } from '../params/schema';
import { paramFiles } from './param-files';
import type { PlaygroundState, RawValues, UserData } from './store';

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
    const r = parseValue(spec, raw[spec.name] ?? '');
    if ('error' in r) errors[fieldId(group, spec.name)] = r.error;
    else values[spec.name] = r.value;
  }
  return values;
}

/** The run knobs the user's own tensors decide (their controls are disabled while files are loaded). */
export const FILE_DECIDED = ['n', 'd', 'heads', 'workload', 'seed', 'logitScale'] as const;

/**
 * The configuration of `variantId` from raw control values. `files`: the page's picked files by
 * name (the store's); when given, a file-type parameter naming a file the page does not hold is
 * a field error, and the run's spec carries the bytes its parameters name.
 */
export function deriveConfig(variantId: string, runRaw: RawValues, paramRaw: RawValues | undefined, userData?: UserData, files?: FileMap): Config {
  const variant = getVariant(variantId);
  const fieldErrors: Record<string, string> = {};
  let run = parseAll(runParams, runRaw, 'run', fieldErrors);
  if (userData) {
    // the files decide the shape; the CSV says `workload = file` (as the CLI's `run` does)
    for (const name of FILE_DECIDED) delete fieldErrors[fieldId('run', name)];
    run = { ...run, n: userData.n, d: userData.d, heads: userData.heads, workload: 'file', seed: '', logitScale: 1 };
  }
  const params = parseAll(variant.params, paramRaw ?? {}, 'param', fieldErrors);
  const used = files ? paramFiles(variant, params, files) : undefined;
  if (used) {
    for (const spec of variant.params) {
      const name = spec.type === 'file' ? String(params[spec.name] ?? '') : '';
      if (name && !used.has(name)) fieldErrors[fieldId('param', spec.name)] = `${spec.label}: "${name}" is not loaded in this page (a link names no file): pick it again`;
    }
  }
  const config: Config = { variant, run, params, fieldErrors, runErrors: [], notes: [] };
  if (Object.keys(fieldErrors).length) return config;
  const shape = shapeOf(run, userData?.dv);
  config.runErrors = validateRun(variant, shape, params, used);
  try {
    config.notes = variant.notes?.(shape, params) ?? [];
  } catch (e) {
    // a variant's notes must never take the controls down: show the failure as a note
    config.notes = [{ kind: 'note', id: 'notes-failed', tone: 'warning', text: `notes of ${variant.id} failed: ${(e as Error)?.message ?? String(e)}` }];
  }
  if (config.runErrors.length) return config;
  config.spec = { variant: variant.id, run, params };
  config.key =
    JSON.stringify(config.spec) +
    (userData ? `|files:${userData.files.join(',')}:${userDataId(userData)}` : '') +
    (used?.size ? `|params:${[...used].map(([name, bytes]) => `${name}:${bytesId(bytes)}`).join(',')}` : '');
  if (used?.size) config.spec.files = used;
  return config;
}

/** A distinct number per loaded set of files (two loads of same-named files are different data). */
const ids = new WeakMap<object, number>();
let nextId = 1;
function objectId(o: object): number {
  let id = ids.get(o);
  if (id === undefined) {
    id = nextId++;
    ids.set(o, id);
  }
  return id;
}
const userDataId = (d: UserData) => objectId(d);
const bytesId = (b: Uint8Array) => objectId(b);

/** What a configuration is derived from; pass the store's `files` wherever a picked file should count (every caller in the page does). */
type ConfigSource = Pick<PlaygroundState, 'variantId' | 'runRaw' | 'paramRaw'> & { userData?: UserData; files?: FileMap };

// One-entry cache keyed by the (immutable) state slices, so components and the auto-runner
// share one Config object per configuration.
let cached: { variantId: string; runRaw: RawValues; paramRaw: RawValues | undefined; userData?: UserData; files?: FileMap; config: Config } | undefined;

export function configOf(s: ConfigSource): Config {
  const paramRaw = s.paramRaw[s.variantId];
  if (cached && cached.variantId === s.variantId && cached.runRaw === s.runRaw && cached.paramRaw === paramRaw && cached.userData === s.userData && cached.files === s.files) return cached.config;
  const config = deriveConfig(s.variantId, s.runRaw, paramRaw, s.userData, s.files);
  cached = { variantId: s.variantId, runRaw: s.runRaw, paramRaw, userData: s.userData, files: s.files, config };
  return config;
}

/** The configuration of another variant with the same run knobs (comparisons, sweeps); not cached. */
export function configFor(s: ConfigSource, variantId: string): Config {
  return variantId === s.variantId ? configOf(s) : deriveConfig(variantId, s.runRaw, s.paramRaw[variantId], s.userData, s.files);
}
