// Running the CLI as a user does (`npm run cli -- …` = node scripts/cli.mjs …) from the GPU
// tests, with a scratch folder for its files.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeNpy } from '../../src/workloads/npy';

export const root = resolve(__dirname, '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `args` in the repository root; resolves with its exit status and output. */
export function cli(args: string[]): Promise<CliResult> {
  return new Promise((res) => {
    execFile('node', [join(root, 'scripts/cli.mjs'), ...args], { cwd: root, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A fresh scratch folder and a writer of .npy files into it. */
export function scratch(prefix: string): { dir: string; save: (name: string, data: Float32Array | Float64Array, shape: number[]) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    save(name, data, shape) {
      const p = join(dir, name);
      writeFileSync(p, writeNpy(data, shape));
      return p;
    },
  };
}
