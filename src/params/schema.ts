// Parameter schemas: one description per knob drives the UI control, the URL key, the CSV
// column, the CLI `--set NAME=VALUE` parser and the range validation.

export type ParamValue = number | boolean | string;
export type ParamValues = Record<string, ParamValue>;

interface BaseSpec {
  /** identifier used in code, the CLI (`--set name=…`) and `cli variants --json` */
  name: string;
  /** visible label of the UI control */
  label: string;
  /** one or two sentences shown next to the control and in `cli variants` */
  help: string;
  /** key in the URL hash (short, stable) */
  urlKey: string;
  /** CSV column (one of the required columns of docs/spec/benchmarks.md, or an extra one) */
  csvColumn?: string;
}

export interface IntSpec extends BaseSpec {
  type: 'int';
  default: number;
  min: number;
  max: number;
  /** slider scale in the UI; log sliders move in powers of two */
  scale?: 'linear' | 'log';
}

export interface FloatSpec extends BaseSpec {
  type: 'float';
  default: number;
  min: number;
  max: number;
  scale?: 'linear' | 'log';
}

export interface BoolSpec extends BaseSpec {
  type: 'bool';
  default: boolean;
}

export interface EnumSpec extends BaseSpec {
  type: 'enum';
  default: string;
  options: { value: string; label: string }[];
}

/** A path to a file (CLI) — the UI offers a file picker where it supports one. */
export interface FileSpec extends BaseSpec {
  type: 'file';
  default: '';
}

export type ParamSpec = IntSpec | FloatSpec | BoolSpec | EnumSpec | FileSpec;

export function defaults(specs: readonly ParamSpec[]): ParamValues {
  const out: ParamValues = {};
  for (const s of specs) out[s.name] = s.default;
  return out;
}

/** Parses a raw string (CLI, URL, CSV) into a value; returns an error message instead. */
export function parseValue(spec: ParamSpec, raw: string): { value: ParamValue } | { error: string } {
  const text = raw.trim();
  switch (spec.type) {
    case 'int': {
      if (!/^[+-]?\d+$/.test(text)) return { error: `${spec.name} must be an integer, got "${raw}"` };
      const value = Number(text);
      return rangeError(spec, value) ?? { value };
    }
    case 'float': {
      const value = Number(text);
      if (text === '' || !Number.isFinite(value)) return { error: `${spec.name} must be a number, got "${raw}"` };
      return rangeError(spec, value) ?? { value };
    }
    case 'bool': {
      const t = text.toLowerCase();
      if (['1', 'true', 'on', 'yes'].includes(t)) return { value: true };
      if (['0', 'false', 'off', 'no'].includes(t)) return { value: false };
      return { error: `${spec.name} must be true or false, got "${raw}"` };
    }
    case 'enum': {
      if (spec.options.some((o) => o.value === text)) return { value: text };
      return { error: `${spec.name} must be one of ${spec.options.map((o) => o.value).join(', ')}, got "${raw}"` };
    }
    case 'file':
      return { value: text };
  }
}

function rangeError(spec: IntSpec | FloatSpec, value: number): { error: string } | undefined {
  if (value < spec.min || value > spec.max) {
    return { error: `${spec.name} must be between ${spec.min} and ${spec.max}, got ${value}` };
  }
  return undefined;
}

/** Checks type and range of every value in `values` that has a spec; names unknown keys. */
export function checkValues(specs: readonly ParamSpec[], values: ParamValues): string[] {
  const errors: string[] = [];
  for (const spec of specs) {
    const v = values[spec.name];
    if (v === undefined) continue;
    const r = parseValue(spec, String(v));
    if ('error' in r) errors.push(r.error);
  }
  return errors;
}

export function formatValue(v: ParamValue): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

/** Round-trippable map of param values ↔ string pairs keyed by urlKey. */
export function toKeyed(specs: readonly ParamSpec[], values: ParamValues): [string, string][] {
  return specs.filter((s) => values[s.name] !== undefined).map((s) => [s.urlKey, formatValue(values[s.name])]);
}

/**
 * Reads values from string pairs keyed by urlKey. Invalid values fall back to the default and
 * produce a notice; unknown keys are ignored.
 */
export function fromKeyed(
  specs: readonly ParamSpec[],
  get: (key: string) => string | null | undefined,
): { values: ParamValues; notices: string[] } {
  const values = defaults(specs);
  const notices: string[] = [];
  for (const s of specs) {
    const raw = get(s.urlKey);
    if (raw === null || raw === undefined) continue;
    const r = parseValue(s, raw);
    if ('error' in r) notices.push(`${r.error}; using the default ${formatValue(s.default)}`);
    else values[s.name] = r.value;
  }
  return { values, notices };
}
