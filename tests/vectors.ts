// Test helper: the reference vectors of tests/data/vectors (copied from the independent
// implementation's ../shared/vectors, so a fresh clone runs them). Each case is a folder
// holding case.json ({ variant, params, files }) and .npy tensors (q, k, v, out and any
// extra inputs the case names).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNpy, type NpyArray } from '../src/workloads/npy';

export interface VectorCase {
  /** the folder's name, e.g. "exact-h2-n20-d4" */
  name: string;
  variant: string;
  params: Record<string, unknown>;
  /** every .npy of the folder, keyed by its file name without ".npy" ("q", "out", …) */
  tensors: Record<string, NpyArray>;
}

export const VECTORS_DIR = fileURLToPath(new URL('./data/vectors/', import.meta.url));

/** Loads every case under tests/data/vectors, sorted by name. */
export function loadVectorCases(): VectorCase[] {
  const folders = readdirSync(VECTORS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return folders.map((name) => {
    const dir = join(VECTORS_DIR, name);
    const meta = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as {
      variant?: unknown;
      params?: unknown;
    };
    if (typeof meta.variant !== 'string') throw new Error(`${name}/case.json: no "variant" string`);
    const tensors: Record<string, NpyArray> = {};
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.npy')).sort()) {
      tensors[file.slice(0, -'.npy'.length)] = parseNpy(readFileSync(join(dir, file)), `${name}/${file}`);
    }
    const params = (meta.params ?? {}) as Record<string, unknown>;
    return { name, variant: meta.variant, params, tensors };
  });
}
