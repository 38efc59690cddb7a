// Lint: the architecture's import rules (docs/architecture.md "Layers and zones"), checked in
// `npm test`. Type checking is tsc's job (`npm run typecheck`); this config only guards what
// tsc cannot see: import cycles, and which folder may import which.
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import { readdirSync, statSync } from 'node:fs';

/** the variant folders: every directory of src/attention */
const variantDirs = readdirSync('src/attention').filter((f) => statSync(`src/attention/${f}`).isDirectory());

/**
 * A variant's public modules, which another variant may build on: its float64 reference
 * (the math) and its kernels (reusable dispatch steps, e.g. Continual Nyström uses Nyström's).
 * Everything else in a variant folder is internal to it.
 */
const PUBLIC = ['./reference.ts', './kernels.ts'];

/** shared layers: they reach variants only through src/attention/registry.ts and types.ts */
const SHARED = ['src/gpu', 'src/bench', 'src/params', 'src/metrics', 'src/workloads', 'src/state', 'src/ui', 'src/cli'];

const zones = [
  ...SHARED.map((target) => ({
    target,
    from: variantDirs.map((v) => `src/attention/${v}`),
    message: 'a shared layer reaches the variants through src/attention/registry.ts (and types.ts) only',
  })),
  ...variantDirs.flatMap((v) =>
    variantDirs
      .filter((w) => w !== v)
      .map((w) => ({
        target: `src/attention/${v}`,
        from: `src/attention/${w}`,
        except: PUBLIC,
        message: `a variant may use another variant's reference.ts and kernels.ts only, not its internals (${w})`,
      })),
  ),
  // the lowest layers import no higher one
  { target: 'src/gpu', from: ['src/attention', 'src/bench', 'src/state', 'src/ui', 'src/cli'], message: 'src/gpu is the bottom layer' },
  { target: 'src/state', from: 'src/ui', message: 'the state does not import the UI (the UI imports the state)' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-cli/**', 'node_modules/**', 'public/**', 'docs/**', 'src/ui/vendor/**'] },
  {
    files: ['src/**/*.{ts,tsx}', 'tests/**/*.ts'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' },
    plugins: { 'import-x': importX, 'react-hooks': reactHooks },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })],
      // .wgsl imports are resolved by the include step (scripts/wgsl-include.mjs), not by Node
      'import-x/ignore': ['\\.wgsl$', '\\.css$'],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones }],
      'react-hooks/rules-of-hooks': 'error',
    },
  },
);
