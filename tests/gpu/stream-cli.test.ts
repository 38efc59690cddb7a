// `cli stream` end to end, as a user runs it: the independent CoRe stream vector (newest
// outputs and the whole windows), Continual Nyström with the user's landmark
// files against batch Nyström with those landmarks, a generated stream's JSON summary, and
// one-line errors.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy, writeNpy } from '../../src/workloads/npy';
import { exactWindow, nystromWindow, scaleLandmarks, type Stream64 } from '../../src/attention/continual/reference';
import { opsConysSingleFixed, opsExact } from '../../src/attention/continual/ops';
import { cli, root, scratch } from './cli-harness';
import { expectClose } from './harness';
import { Rng } from '../../src/workloads/rng';

const { dir } = scratch('stream-cli-');
const vec = (name: string, f: string) => join(root, 'tests/data/vectors', name, f);

const load = (p: string) => parseNpy(readFileSync(p));

beforeAll(async () => {
  const r = await cli(['help']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/stream --variant cosi\|core\|conys\|exact\|nystrom --window N/);
}, 300_000);

describe('cli stream', () => {
  it('CoRe reproduces the independent vector and writes every window (CoSi’s vector goes through the same code in stream.test.ts)', async () => {
    for (const name of ['stream-core-t40-window10-d4']) {
      const variant = name.includes('cosi') ? 'cosi' : 'core';
      const out = join(dir, `${variant}.npy`);
      const win = join(dir, `${variant}-w.npy`);
      const args = ['stream', '--variant', variant, '--window', '10', '--q', vec(name, 'q.npy'), '--k', vec(name, 'k.npy'), '--v', vec(name, 'v.npy'), '--out', out, '--check'];
      const r = await cli(variant === 'core' ? [...args, '--out-window', win] : args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/newest outputs vs exact window attention \(f64\): max \|Δ\| /);
      const got = load(out);
      const want = load(vec(name, 'out.npy'));
      expect(got.shape).toEqual([31, 4]);
      expectClose(got.data, want.data, 1e-5, 0, `${variant} cli`);
      if (variant === 'core') {
        const w = load(win);
        expect(w.shape).toEqual([31, 10, 4]);
        const s: Stream64 = { steps: 40, d: 4, dv: 4, q: load(vec(name, 'q.npy')).data as Float64Array, k: load(vec(name, 'k.npy')).data as Float64Array, v: load(vec(name, 'v.npy')).data as Float64Array };
        for (const t of [9, 20, 39]) expectClose(w.data.subarray((t - 9) * 40, (t - 8) * 40), exactWindow(s, t, 10), 1e-5, 0, `core window at step ${t}`);
      }
    }
  });

  it('Continual Nyström with the user’s landmark files equals batch Nyström with those landmarks; a JSON summary with the operation ratio', async () => {
    const rng = new Rng(12);
    const T = 30;
    const d = 3;
    const m = 2;
    const gen = (len: number) => Float64Array.from({ length: len }, () => rng.normal());
    const s: Stream64 = { steps: T, d, dv: d, q: gen(T * d), k: gen(T * d), v: gen(T * d) };
    const ql = gen(m * d);
    const kl = gen(m * d);
    const files = { q: join(dir, 'q.npy'), k: join(dir, 'k.npy'), v: join(dir, 'v.npy'), ql: join(dir, 'ql.npy'), kl: join(dir, 'kl.npy') };
    writeFileSync(files.q, writeNpy(s.q, [T, d]));
    writeFileSync(files.k, writeNpy(s.k, [T, d]));
    writeFileSync(files.v, writeNpy(s.v, [T, d]));
    writeFileSync(files.ql, writeNpy(ql, [m, d]));
    writeFileSync(files.kl, writeNpy(Float32Array.from(kl), [m, d]));
    const out = join(dir, 'conys.npy');
    const r = await cli(['stream', '--variant', 'conys', '--window', '8', '--set', `m=${m}`, '--set', `qland=${files.ql}`, '--set', `kland=${files.kl}`, '--q', files.q, '--k', files.k, '--v', files.v, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ variant: 'conys', window: 8, steps: T, opsPerStep: opsConysSingleFixed(8, d, m) });
    expect(summary.opsRatioVsExact).toBeCloseTo(opsExact(8, d) / opsConysSingleFixed(8, d, m), 10);
    expect(summary.landmarks).toMatch(/files .*ql\.npy/);
    const got = load(out);
    expect(got.shape).toEqual([T - 7, d]);
    // the f64 oracle with the f32 values of the files (the kl file is float32, ql float64 → rounded on upload)
    const lm = scaleLandmarks({ q: Float32Array.from(ql), k: Float32Array.from(kl) }, d);
    const want = new Float64Array((T - 7) * d);
    for (let t = 7; t < T; t++) want.set(nystromWindow(s, t, 8, lm, m, 6).subarray(7 * d), (t - 7) * d);
    expectClose(got.data, want, 1e-4, 0, 'conys with landmark files');
  });

  it('a generated stream (no files) runs every method with a timing summary', async () => {
    const r = await cli(['stream', '--variant', 'conys', '--window', '12', '--steps', '120', '--d', '8', '--set', 'landmarks=continual', '--set', 'm=3', '--set', 'output=retroactive', '--batch', '40', '--check', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary.params).toMatchObject({ landmarks: 'continual', m: 3, output: 'retroactive' });
    expect(summary.timedSteps).toBeGreaterThan(0);
    expect(summary.check.maxAbs).toBeLessThan(1e-4);
    expect(summary.refreshes).toBe(10);
  });

  it('one-line errors with exit status 2', async () => {
    const v = vec('stream-cosi-t40-window10-d4', 'q.npy');
    const cases: [string[], RegExp][] = [
      [['stream', '--variant', 'cosi', '--window', '10', '--q', v, '--k', v, '--v', v, '--out', join(dir, 'x.npy'), '--out-window', join(dir, 'w.npy')], /CoSi emits only the newest token's output: --out-window needs a retroactive method/],
      [['stream', '--variant', 'conys', '--window', '10', '--set', 'landmarks=continual', '--set', 'm=4', '--q', v, '--k', v, '--v', v, '--out', join(dir, 'x.npy')], /m must divide N: N = 10, m = 4 does not/],
      [['stream', '--variant', 'core', '--window', '41', '--q', v, '--k', v, '--v', v, '--out', join(dir, 'x.npy')], /the stream has 40 tokens; a window of N = 41 needs at least 41/],
      [['stream', '--variant', 'fastmax', '--window', '10', '--steps', '20', '--d', '4'], /"fastmax" is not a streaming method \(use run or bench for it\)/],
      [['stream', '--variant', 'conys', '--window', '10', '--steps', '20', '--d', '4', '--set', 'qland=/nonexistent.npy', '--set', 'kland=/nonexistent.npy'], /cannot read qland file \(--set qland=…\) \/nonexistent.npy: ENOENT/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    }
  });
});
