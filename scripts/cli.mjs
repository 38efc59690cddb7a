#!/usr/bin/env node
// `npm run cli -- …`: (re)builds the Node bundle of src/cli when any source is newer than it,
// then runs it. The bundle inlines the WGSL (resolved by the include step, scripts/wgsl-include.mjs), so the CLI runs exactly the
// kernels the browser runs.
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist-cli', 'cli.mjs');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

// the bundle inlines the shaders and the shipped kernel weights (public/kernels) too
const sourcesTime = Math.max(newest(join(root, 'src')), newest(join(root, 'shaders')), newest(join(root, 'public', 'kernels')), statSync(join(root, 'vite.config.ts')).mtimeMs);
if (!existsSync(bundle) || statSync(bundle).mtimeMs < sourcesTime) {
  process.stderr.write('building the CLI bundle…\n');
  const { build } = await import('vite');
  await build({ root, mode: 'cli', logLevel: 'error', configFile: join(root, 'vite.config.ts') });
}
await import(pathToFileURL(bundle).href);
