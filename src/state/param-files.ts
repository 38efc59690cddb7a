// The files that file-type parameters name, in the page: picked in the controls (or put there
// by a variant's panel), held in the store's `files` by name, and handed to validate, plan and
// reference as the run's FileMap (the CLI fills the same map from disk). A link names no file:
// the bytes stay in this page.
import type { AttentionVariant, FileMap } from '../attention/types';
import { findVariant } from '../attention/registry';
import type { ParamValues } from '../params/schema';

/** The bytes the variant's file-type parameters name (only those the page holds). */
export function paramFiles(variant: AttentionVariant, params: ParamValues, files: FileMap): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const spec of variant.params) {
    if (spec.type !== 'file') continue;
    const name = String(params[spec.name] ?? '');
    const bytes = name ? files.get(name) : undefined;
    if (bytes) out.set(name, bytes);
  }
  return out;
}

/** Every file name a file-type parameter holds, over every variant's raw values (`except`: one parameter to leave out). */
export function fileNamesInUse(paramRaw: Record<string, Record<string, string>>, except?: { variantId: string; name: string }): Set<string> {
  const used = new Set<string>();
  for (const [id, raw] of Object.entries(paramRaw)) {
    for (const spec of findVariant(id)?.params ?? []) {
      if (spec.type !== 'file' || (except && except.variantId === id && except.name === spec.name)) continue;
      const value = raw[spec.name];
      if (value) used.add(value);
    }
  }
  return used;
}

/**
 * The name a picked file is kept under: its own, unless another parameter holds a different
 * file of that name (then `name (2)`, `name (3)`…).
 */
export function nameForPick(files: FileMap, name: string, bytes: Uint8Array, inUse: ReadonlySet<string>): string {
  const clash = (n: string) => inUse.has(n) && files.has(n) && !sameBytes(files.get(n)!, bytes);
  if (!clash(name)) return name;
  let i = 2;
  while (clash(`${name} (${i})`)) i++;
  return `${name} (${i})`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
