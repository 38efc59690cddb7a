// The linear variant through the CLI as a user runs it: `train` writes a weights JSON,
// `run --set kernel=ffk --set weights=W.json` uses it (checked against the float64 reference
// with those weights), FAVOR+ with a given projection (the independent vector), and one-line
// errors with exit status 2 for what does not fit.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy, asAttentionTensor } from '../../src/workloads/npy';
import { parseWeights } from '../../src/attention/linear/weights';
import { linearExplicit } from '../../src/attention/linear/reference';
import { cli, scratch } from './cli-harness';
import { expectClose, randomInputs } from './harness';
import { loadVectorCases } from '../vectors';

const { dir, save } = scratch('linear-cli-');

beforeAll(async () => {
  const r = await cli(['help']); // builds the bundle when it is stale
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('train --kernel ffk|hedgehog --out W.json');
}, 180_000);

describe('cli train → run --set weights=…', () => {
  it('trains a small ffk, writes its JSON, and run uses exactly those weights', async () => {
    const w = join(dir, 'w.json');
    const t = await cli(['train', '--kernel', 'ffk', '--d', '4', '--features', '6', '--layers', '2', '--steps', '6', '--n', '16', '--batch', '2', '--lr', '0.02', '--workload', 'local', '--eval-every', '3', '--out', w]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toMatch(/held-out at step 6: loss [\d.]+, relative error [\d.]+/);
    const weights = parseWeights(readFileSync(w, 'utf8'), w);
    expect(weights.arch).toEqual({ kernel: 'ffk', d: 4, features: 6, layers: 2 });
    expect(weights.training).toMatchObject({ steps: 6, workload: 'local', n: 16, batch: 2 });

    const shape = { n: 40, d: 4, dv: 4, heads: 1, causal: false };
    const x = randomInputs(shape, 9);
    const [q, k, v] = [save('q.npy', Float32Array.from(x.q), [40, 4]), save('k.npy', Float32Array.from(x.k), [40, 4]), save('v.npy', Float32Array.from(x.v), [40, 4])];
    const out = join(dir, 'o.npy');
    const r = await cli(['run', '--variant', 'linear', '--q', q, '--k', k, '--v', v, '--out', out, '--set', 'kernel=ffk', '--set', 'features=6', '--set', 'layers=2', '--set', `weights=${w}`]);
    expect(r.code, r.stderr).toBe(0);
    const got = parseNpy(readFileSync(out), out).data;
    const want = linearExplicit(x, { kernel: 'ffk', d: 4, dim: 6, arch: weights.arch, params: weights.params, source: 'test' }, 1e-6).out;
    const scale = Math.sqrt(want.reduce((s, y) => s + y * y, 0) / want.length);
    expectClose(got, want, 1e-5 * scale, 1e-5, 'cli run with trained weights');

    // weights that do not fit the run: one line, exit status 2
    const bad = await cli(['run', '--variant', 'linear', '--q', q, '--k', k, '--v', v, '--out', out, '--set', 'kernel=ffk', '--set', 'features=8', '--set', `weights=${w}`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^error: .*has features = 6: set features=6/);
    const hh = await cli(['run', '--variant', 'linear', '--q', q, '--k', k, '--v', v, '--out', out, '--set', 'kernel=hedgehog', '--set', `weights=${w}`]);
    expect(hh.code).toBe(2);
    expect(hh.stderr).toMatch(/holds ffk weights, but kernel=hedgehog/);
  });

  it('refuses what cannot train, with the reason', async () => {
    const a = await cli(['train', '--kernel', 'favor', '--out', join(dir, 'x.json')]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/only the trainable kernels train/);
    const b = await cli(['train', '--kernel', 'ffk', '--n', '4096', '--out', join(dir, 'x.json')]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/n must be an integer in 8…1024/);
  });
});

describe('cli run: FAVOR+ with a given projection (the independent vector)', () => {
  it('linear-favor-f16-n25-d6 with --set projection=W.npy', async () => {
    const c = loadVectorCases().find((x) => x.name === 'linear-favor-f16-n25-d6')!;
    const names = ['q', 'k', 'v', 'projection'].map((t) => save(`${t}.npy`, Float64Array.from(c.tensors[t].data), c.tensors[t].shape));
    const out = join(dir, 'favor.npy');
    const r = await cli(['run', '--variant', 'linear', '--q', names[0], '--k', names[1], '--v', names[2], '--out', out, '--set', 'kernel=favor', '--set', 'features=16', '--set', `projection=${names[3]}`]);
    expect(r.code, r.stderr).toBe(0);
    const got = parseNpy(readFileSync(out), out).data;
    const want = asAttentionTensor(c.tensors.out, 'out').data;
    const scale = Math.sqrt(want.reduce((s, y) => s + y * y, 0) / want.length);
    // f32 inputs and kernels against the float64 vector: the inputs' rounding dominates
    expectClose(got, want, 1e-5 * scale + 1e-6, 1e-4, 'favor vector via the CLI');
    const wrong = await cli(['run', '--variant', 'linear', '--q', names[0], '--k', names[1], '--v', names[2], '--out', out, '--set', 'kernel=favor', '--set', 'features=32', '--set', `projection=${names[3]}`]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/must have shape \(features, d\) = \(32, 6\), got \(16, 6\); set features=16/);
  });
});
