// Every variant the playground knows. The UI, the CLI, the URL, the CSV and the conformance
// tests are generic over this list: adding a variant here is all it takes to make it appear
// everywhere. This file and the variants' own folders are the only places that name a variant.
import type { AttentionVariant, FileMap, Shape, VariantCommand } from './types';
import { checkValues, defaults, type ParamValues } from '../params/schema';
import { exactVariant } from './exact/variant';
import { linearVariant } from './linear/variant';
import { nystromVariant } from './nystrom/variant';
import { cosiVariant, coreVariant, conysVariant } from './continual/variants';
import { fastmaxVariant } from './fastmax/variant';
import { castVariant } from './cast/variant';

const list: AttentionVariant[] = [exactVariant, nystromVariant, fastmaxVariant, castVariant, linearVariant, cosiVariant, coreVariant, conysVariant];

/** The registered variants, in the order the UI lists them. */
export const variants: readonly AttentionVariant[] = list;

/**
 * The baseline every variant's error and speed are measured against (exact softmax attention,
 * its flash kernel): the page's default variant and the reference of sweeps and comparisons.
 */
export const baseline: AttentionVariant = exactVariant;

/** Parameters that select the baseline's timed kernel (the flash kernel, not the materialized path). */
export const baselineTimedParams: ParamValues = { impl: 'flash' };

/** Is (v, p) the baseline's timed kernel? (then a run is its own speed and error reference) */
export function isBaselineTimed(v: AttentionVariant, p: ParamValues): boolean {
  return v === baseline && Object.entries(baselineTimedParams).every(([k, x]) => p[k] === x);
}

/** Adds a variant (a test fixture, a plug-in) to the registry; its id must be new. */
export function registerVariant(v: AttentionVariant): void {
  if (findVariant(v.id)) throw new Error(`a variant with id "${v.id}" is already registered`);
  list.push(v);
}

/** Every variant's own CLI commands, once each (a family may share one command object). */
export function variantCommands(): VariantCommand[] {
  const out: VariantCommand[] = [];
  for (const v of list) {
    for (const c of v.commands ?? []) {
      const same = out.find((o) => o.name === c.name);
      if (same && same !== c) throw new Error(`two variants define a CLI command "${c.name}"`);
      if (!same) out.push(c);
    }
  }
  return out;
}

export function findVariant(id: string): AttentionVariant | undefined {
  return variants.find((v) => v.id === id);
}

export function getVariant(id: string): AttentionVariant {
  const v = findVariant(id);
  if (!v) throw new Error(`unknown variant "${id}"; known: ${variants.map((x) => x.id).join(', ')}`);
  return v;
}

/** The variant's defaults overlaid with `overrides` (unknown names are an error). */
export function variantParams(v: AttentionVariant, overrides: ParamValues = {}): ParamValues {
  for (const k of Object.keys(overrides)) {
    if (!v.params.some((s) => s.name === k)) {
      const known = v.params.map((s) => s.name);
      throw new Error(`variant ${v.id} has no parameter "${k}"${known.length ? ` (it has: ${known.join(', ')})` : ' (it has none)'}`);
    }
  }
  return { ...defaults(v.params), ...overrides };
}

/** Every problem with running `v` on `shape` with `p`: range checks, causal support, the variant's own rules. */
export function validateRun(v: AttentionVariant, shape: Shape, p: ParamValues, files?: FileMap): string[] {
  const errs = checkValues(v.params, p);
  if (shape.causal && !v.supports.causal) errs.push(`${v.label} has no causal form: turn the causal mask off`);
  if (!(shape.n >= 1 && Number.isInteger(shape.n))) errs.push(`N must be a positive integer, got ${shape.n}`);
  if (!(shape.d >= 1 && Number.isInteger(shape.d))) errs.push(`d must be a positive integer, got ${shape.d}`);
  if (!(shape.heads >= 1 && Number.isInteger(shape.heads))) errs.push(`heads must be a positive integer, got ${shape.heads}`);
  return errs.length ? errs : v.validate(shape, p, files);
}
