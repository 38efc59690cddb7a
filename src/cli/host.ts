// What the CLI hands a variant's own command (src/attention/types.ts CliHost): Node's argument
// parser, files, output and the GPU, so that the command's module, living in the variant's
// folder beside code the page bundles, imports nothing of Node.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliHost, FileMap } from '../attention/types';
import type { AttentionVariant } from '../attention/types';
import type { ParamValues } from '../params/schema';
import type { GpuHost } from '../gpu/gpu';
import { nodeGpuHost } from '../gpu/node';
import { fail } from './common';

let gpuHost: GpuHost | undefined;

/** The one GpuHost of the process (Dawn), opened on first use; device-loss notices go to stderr. */
export function openHost(): GpuHost {
  gpuHost ??= nodeGpuHost((msg) => process.stderr.write(`warning: ${msg}\n`));
  return gpuHost;
}

/** node:util parseArgs, strict and without positionals; its errors are usage errors (exit 2). */
export function parseFlags(args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true });
  } catch (e) {
    fail((e as Error).message.replace(/\. To specify.*$/, ''));
  }
}

/** Reads a file whole; a failure is a usage error naming what it was for. */
export function readFileOrFail(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    fail(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export const cliHost: CliHost = {
  parseArgs: (args, options) => parseFlags(args, options) as never,
  readFile: readFileOrFail,
  writeFile(path, data) {
    try {
      writeFileSync(path, data);
    } catch (e) {
      fail(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  },
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  gpu: openHost,
  usage: fail,
};

/**
 * The files that the variant's file-type parameters name, read from disk (keyed by the value,
 * the path), for validate, reference and plan. Every value in `values` lists (a sweep) counts.
 */
export function readParamFiles(v: AttentionVariant, params: ParamValues[]): FileMap {
  const files = new Map<string, Uint8Array>();
  for (const spec of v.params) {
    if (spec.type !== 'file') continue;
    for (const p of params) {
      const path = String(p[spec.name] ?? '');
      if (path && !files.has(path)) files.set(path, readFileOrFail(path, `${spec.name} file (--set ${spec.name}=…)`));
    }
  }
  return files;
}
