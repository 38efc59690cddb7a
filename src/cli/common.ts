// What the CLI's commands share: the usage error (exit status 2, one line naming the problem,
// reported by main.ts for every command) and reading / writing .npy files.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseNpy, writeNpy, asAttentionTensor } from '../workloads/npy';

/** Bad arguments or unreadable input: main.ts prints `error: <message>` and exits with 2. */
export class UsageError extends Error {}

export function fail(message: string): never {
  throw new UsageError(message);
}

/** Reads a float32/float64 .npy file as an N×d or H×N×d attention tensor (`name` names it in errors). */
export function readTensor(path: string, name: string) {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    fail(`cannot read ${name} file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const npy = parseNpy(bytes, path);
    return { npy, t: asAttentionTensor(npy, path) };
  } catch (e) {
    fail((e as Error).message);
  }
}

/** Writes a float32 .npy file; a failure is a usage error naming the path. */
export function writeNpyFile(path: string, data: Float32Array, shape: number[]): void {
  try {
    writeFileSync(path, writeNpy(data, shape));
  } catch (e) {
    fail(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
