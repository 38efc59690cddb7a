/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { serviceWorkerPlugin } from './scripts/vite-plugin-sw.mjs';
import { wgslPlugin } from './scripts/wgsl-include.mjs';

// One config for the app (default), the Node CLI bundle (`vite build --mode cli`) and the tests.
// All three load WGSL through the include step (scripts/wgsl-include.mjs): `import x from '….wgsl'`.
const shaders = fileURLToPath(new URL('./shaders', import.meta.url));
export default defineConfig(({ mode }) => ({
  base: './',
  plugins:
    mode === 'cli'
      ? [wgslPlugin(shaders)]
      : [wgslPlugin(shaders), react(), serviceWorkerPlugin(fileURLToPath(new URL('./scripts/sw-template.js', import.meta.url)))],
  // the CPU worker (src/state/cpu-worker.ts) loads the registry on demand: ES module workers split chunks
  worker: { format: 'es', plugins: () => [wgslPlugin(shaders)] },
  // plotly.js (lazy chunk of the web app) reads Node's `global`; not needed by the CLI or tests
  define: mode === 'cli' || mode === 'test' ? {} : { global: 'globalThis' },
  // no map traces are used: keep maplibre's 83 kB stylesheet out of the Plotly chunk
  resolve: { alias: { 'maplibre-gl/dist/maplibre-gl.css': fileURLToPath(new URL('./src/ui/vendor/empty.css', import.meta.url)) } },
  build:
    mode === 'cli'
      ? {
          // The CLI runs the very same kernels and runner under Node (Dawn): bundle src/cli with
          // the WGSL inlined (resolved by the include step), keep node_modules external.
          ssr: 'src/cli/entry.ts',
          outDir: 'dist-cli',
          emptyOutDir: true,
          target: 'node20',
          rollupOptions: { output: { entryFileNames: 'cli.mjs' } },
        }
      : {
          outDir: 'dist',
          target: 'es2022',
          chunkSizeWarningLimit: 1500,
        },
  test: {
    projects: [
      {
        extends: true,
        // a hang guard, not a speed target: property tests and the N = 65 536 workload take
        // ~1 s alone but several times that on a loaded 2-core machine
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', testTimeout: 60_000 },
      },
      {
        extends: true,
        test: {
          name: 'gpu',
          include: ['tests/gpu/**/*.test.ts'],
          environment: 'node',
          // one Dawn device per process, files one after another: SwiftShader already uses every core
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
}));
