// The CLI end to end, as a user runs it (`npm run cli -- …` = node scripts/cli.mjs …), on
// the real adapter: variants listing, `run` on .npy files (including the reference vectors of
// an independent float64 implementation), `bench` writing a CSV, and one-line errors.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy } from '../../src/workloads/npy';
import { parseCsv, CSV_COLUMNS } from '../../src/bench/csv';
import { exactReference } from '../../src/attention/exact/reference';
import { cli, root, scratch } from './cli-harness';
import { expectClose, randomInputs } from './harness';
import { loadVectorCases } from '../vectors';

const { dir, save } = scratch('cli-test-');

beforeAll(async () => {
  // builds the bundle when it is missing or stale, so later calls are quick
  const r = await cli(['help']);
  expect(r.code, r.stderr).toBe(0);
}, 180_000);

describe('cli variants', () => {
  it('lists every variant with its parameters as JSON', async () => {
    const r = await cli(['variants', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const exact = j.variants.find((v: { id: string }) => v.id === 'exact');
    expect(exact.params.map((p: { name: string }) => p.name)).toContain('impl');
    const impl = exact.params.find((p: { name: string }) => p.name === 'impl');
    expect(impl).toMatchObject({ type: 'enum', default: 'flash', options: ['flash', 'materialized'] });
    expect(impl.help.length).toBeGreaterThan(10);
    expect(j.runParams.find((p: { name: string }) => p.name === 'n')).toMatchObject({ type: 'int', min: 1 });
  });
});

describe('cli run', () => {
  it('matches the float64 reference on several heads, causal, with the map', async () => {
    const shape = { n: 93, d: 7, dv: 5, heads: 2, causal: true };
    const x = randomInputs(shape, 31);
    const q = save('q.npy', x.q, [2, 93, 7]); // float64 files
    const k = save('k.npy', x.k, [2, 93, 7]);
    const v = save('v.npy', Float32Array.from(x.v), [2, 93, 5]); // mixed dtypes are fine
    const out = join(dir, 'o.npy');
    const mapOut = join(dir, 'a.npy');
    const r = await cli(['run', '--variant', 'exact', '--q', q, '--k', k, '--v', v, '--causal', '--out', out, '--map-out', mapOut]);
    expect(r.code, r.stderr).toBe(0);
    const o = parseNpy(readFileSync(out));
    expect(o.dtype).toBe('float32');
    expect(o.shape).toEqual([2, 93, 5]);
    const ref = exactReference(x);
    expectClose(o.data, ref.out, 1e-5, 1e-4, 'cli run output');
    const a = parseNpy(readFileSync(mapOut));
    expect(a.shape).toEqual([2, 93, 93]);
    expectClose(a.data, ref.map!, 1e-6, 1e-4, 'cli run map');
  });

  it('runs the materialized path through --set', async () => {
    const shape = { n: 40, d: 3, dv: 3, heads: 1, causal: false };
    const x = randomInputs(shape, 32);
    const args = ['--q', save('q2.npy', x.q, [40, 3]), '--k', save('k2.npy', x.k, [40, 3]), '--v', save('v2.npy', x.v, [40, 3])];
    const out = join(dir, 'o2.npy');
    const r = await cli(['run', '--variant', 'exact', ...args, '--set', 'impl=materialized', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const o = parseNpy(readFileSync(out));
    expect(o.shape).toEqual([40, 3]);
    expectClose(o.data, exactReference(x).out, 1e-5, 1e-4, 'materialized via cli');
  });

  it('matches the independent implementation on every exact reference vector', async () => {
    const cases = loadVectorCases().filter((c) => c.variant === 'exact');
    expect(cases.length).toBeGreaterThanOrEqual(3);
    for (const c of cases) {
      const base = join(root, 'tests/data/vectors', c.name);
      const out = join(dir, `${c.name}.npy`);
      const args = ['run', '--variant', 'exact', '--q', join(base, 'q.npy'), '--k', join(base, 'k.npy'), '--v', join(base, 'v.npy'), '--out', out];
      if (c.params.causal) args.push('--causal');
      const r = await cli(args);
      expect(r.code, `${c.name}: ${r.stderr}`).toBe(0);
      const o = parseNpy(readFileSync(out));
      expect(o.shape).toEqual(c.tensors.out.shape);
      expectClose(o.data, c.tensors.out.data, 1e-5, 1e-4, `vector ${c.name}`);
    }
  });

  it('bad arguments and bad files exit non-zero with a one-line message naming the problem', async () => {
    const x = randomInputs({ n: 10, d: 4, dv: 4, heads: 1, causal: false }, 3);
    const q = save('q3.npy', x.q, [10, 4]);
    const kShort = save('k3.npy', x.k.subarray(0, 36), [9, 4]);
    const bad = join(dir, 'bad.npy');
    writeFileSync(bad, 'not an npy file at all');
    const out = join(dir, 'o3.npy');
    const cases: [string[], RegExp][] = [
      [['run', '--variant', 'exact', '--q', q, '--k', q, '--v', join(dir, 'missing.npy'), '--out', out], /cannot read V file .*missing\.npy.*ENOENT/],
      [['run', '--variant', 'exact', '--q', q, '--k', kShort, '--v', q, '--out', out], /Q and K must have the same shape: Q is 10×4, K is 9×4/],
      [['run', '--variant', 'exact', '--q', q, '--k', q, '--v', bad, '--out', out], /bad\.npy/],
      [['run', '--variant', 'nope', '--q', q, '--k', q, '--v', q, '--out', out], /unknown variant "nope"/],
      [['run', '--variant', 'exact', '--q', q, '--k', q, '--v', q, '--out', out, '--set', 'impl=fast'], /impl must be one of flash, materialized/],
      [['run', '--variant', 'exact', '--q', q, '--k', q, '--v', q, '--out', out, '--set', 'm=4'], /has no parameter "m"/],
      [['run', '--variant', 'exact', '--q', q, '--k', q, '--v', q], /run needs --out/],
      [['bench', '--variant', 'exact', '--n', '0', '--d', '8', '--csv', join(dir, 'x.csv')], /n must be between 1 and/],
      [['bench', '--variant', 'exact', '--n', '16', '--d', '8', '--csv', join(dir, 'x.csv'), '--frobnicate'], /frobnicate/],
      [['frob'], /unknown command "frob"/],
    ];
    for (const [args, re] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      const lines = r.stderr.trim().split('\n').filter((l) => !/^building the CLI/.test(l));
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toMatch(re);
    }
    expect(existsSync(out)).toBe(false);
  });
});

describe('cli bench', () => {
  it('sweeps N and a knob, writes a CSV with the required columns, reports progress', async () => {
    const csv = join(dir, 'sweep.csv');
    const r = await cli(['bench', '--variant', 'exact', '--n', '33,70', '--d', '8', '--set', 'impl=flash,materialized', '--trials', '2', '--workload', 'smooth', '--seed', '5', '--csv', csv]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[1\/4\]/);
    expect(r.stderr).toMatch(/\[4\/4\]/);
    const { columns, rows } = parseCsv(readFileSync(csv, 'utf8'));
    expect(columns.slice(0, CSV_COLUMNS.length)).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row.status).toBe('ok');
      expect(row.variant).toBe('exact');
      expect(row.workload).toBe('smooth');
      expect(row.seed).toBe('5');
      expect(row.reference).toBe('cpu-f64');
      expect(Number(row.time_ms_median)).toBeGreaterThan(0);
      expect(Number(row.err_rel_fro)).toBeLessThan(1e-5);
      expect(['timestamp', 'wall']).toContain(row.timing_source);
      expect(Number(row.flops)).toBeGreaterThan(0);
      expect(row.is_fallback_adapter).toMatch(/true|false/);
    }
    expect(rows.map((x) => [x.n, x.impl])).toEqual([['33', 'flash'], ['33', 'materialized'], ['70', 'flash'], ['70', 'materialized']]);
    // flash is its own exact baseline
    expect(Number(rows[0].speedup_vs_exact)).toBe(1);
  });
});
