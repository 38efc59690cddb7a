// The benchmark runner on the real adapter: statuses, references, the shared exact timing,
// cancellation and maps.
import { describe, it, expect, beforeAll } from 'vitest';
import { nodeGpuHost } from '../../src/gpu/node';
import type { GpuHost } from '../../src/gpu/gpu';
import { runOne, runSweep, isAbort, type RunSpec } from '../../src/bench/runner';
import { resultToRow } from '../../src/bench/rows';

let host: GpuHost;
beforeAll(() => {
  host = nodeGpuHost();
});

const run = (over: Record<string, unknown> = {}) => ({ n: 40, d: 8, heads: 1, causal: false, workload: 'smooth', seed: 3, logitScale: 1, ...over });
const fast = { trials: 1, warmup: 0 };

describe('runner', () => {
  it('an invalid point is a result with the reason, not an exception', async () => {
    const r = await runOne(host, { variant: 'exact', run: run({ d: 300 }) }, fast);
    expect(r.status).toBe('invalid');
    expect(r.message).toMatch(/head dimensions up to 256/);
    expect(resultToRow(r).status).toBe('invalid');
  });

  it('a point over the adapter limits is skipped-limit and the sweep goes on', async () => {
    const specs: RunSpec[] = [
      { variant: 'exact', params: { impl: 'materialized' }, run: run({ n: 32768, d: 1 }) },
      { variant: 'exact', run: run() },
    ];
    const seen: string[] = [];
    const rs = await runSweep(host, specs, { ...fast, compareExact: false, map: 'none', reference: 'none', onResult: (r, done, total) => seen.push(`${done}/${total} ${r.status}`) });
    expect(rs.map((r) => r.status)).toEqual(['skipped-limit', 'ok']);
    expect(rs[0].message).toMatch(/maxBufferSize/);
    expect(seen).toEqual(['1/2 skipped-limit', '2/2 ok']);
  });

  it('inputs too large for the adapter are refused before any is generated, naming the buffer, its size and the limit', async () => {
    // linear attention, N = 2^20, d = 256, 64 heads: Q alone is 64 GiB (it used to end in
    // "Invalid typed array length: 17179869184" after seconds of work)
    const t0 = performance.now();
    const r = await runOne(host, { variant: 'linear', params: { kernel: 'elu1' }, run: run({ n: 1048576, d: 256, heads: 64 }) }, fast);
    expect(r.status).toBe('skipped-limit');
    expect(r.message).toMatch(/^Q \(H×N×d = 64×1048576×256 f32\) needs 64\.00 GiB but this adapter's maxStorageBufferBindingSize is /);
    expect(performance.now() - t0).toBeLessThan(60_000); // refused up front, not after generating inputs
  });

  it('error against the float64 CPU reference up to N = 1024, the GPU exact output above', async () => {
    const small = await runOne(host, { variant: 'exact', params: { impl: 'materialized' }, run: run({ n: 50 }) }, fast);
    expect(small.reference).toBe('cpu-f64');
    expect(small.errors!.relFro).toBeLessThan(1e-5);
    expect(small.mapErrors!.meanRowL1).toBeLessThan(1e-5);
    const big = await runOne(host, { variant: 'exact', params: { impl: 'materialized' }, run: run({ n: 1030, d: 2 }) }, { ...fast, map: { kind: 'rows', head: 0, row0: 1000, rows: 30 } });
    expect(big.status, big.message).toBe('ok');
    expect(big.reference).toBe('gpu-exact');
    expect(big.errors!.relFro).toBeLessThan(1e-5);
    expect(big.map!.rows).toBe(30);
    expect(big.exactMap!.row0).toBe(1000);
    expect(big.mapErrors!.maxRowSumDev).toBeLessThan(1e-5);
  });

  it('a sweep times exact flash once per shape and reports speed-ups against it', async () => {
    const specs: RunSpec[] = [
      { variant: 'exact', params: { impl: 'materialized' }, run: run({ seed: 1 }) },
      { variant: 'exact', params: { impl: 'materialized' }, run: run({ seed: 2 }) },
      { variant: 'exact', params: { impl: 'flash' }, run: run({ n: 41 }) },
    ];
    const rs = await runSweep(host, specs, { ...fast, map: 'none' });
    expect(rs[0].exactTiming).toBeDefined();
    expect(rs[1].exactTiming).toBe(rs[0].exactTiming);
    expect(rs[1].speedupVsExact).toBeCloseTo(rs[0].exactTiming!.medianMs / rs[1].timing!.medianMs, 12);
    expect(rs[2].speedupVsExact).toBe(1);
  });

  it('long work split into parts reports progress per part', async () => {
    const gpu = await host.get();
    const saved = gpu.maxFlopsPerSubmit;
    gpu.maxFlopsPerSubmit = 1e5; // 200 rows → 4 row blocks → 4 parts
    try {
      const stages: string[] = [];
      const r = await runOne(host, { variant: 'exact', run: run({ n: 200 }) }, { trials: 1, warmup: 1, map: 'none', onProgress: (s) => stages.push(s) });
      expect(r.status, r.message).toBe('ok');
      expect(stages).toContain('warming up: part 4/4');
      expect(stages).toContain('timing: part 1/4');
      expect(stages).toContain('timing: part 4/4');
      expect(r.timing!.repeats).toBe(1);
    } finally {
      gpu.maxFlopsPerSubmit = saved;
    }
  });

  it('cancellation stops a sweep with an AbortError', async () => {
    const ctl = new AbortController();
    const specs: RunSpec[] = [0, 1, 2].map((seed) => ({ variant: 'exact', run: run({ seed }) }));
    const err = await runSweep(host, specs, { ...fast, signal: ctl.signal, onResult: () => ctl.abort() }).catch((e) => e);
    expect(isAbort(err)).toBe(true);
  });

  it('the same seed gives the same inputs and the same output', async () => {
    const a = await runOne(host, { variant: 'exact', run: run({ workload: 'clustered' }) }, { ...fast, keepOutput: true });
    const b = await runOne(host, { variant: 'exact', run: run({ workload: 'clustered' }) }, { ...fast, keepOutput: true });
    const c = await runOne(host, { variant: 'exact', run: run({ workload: 'clustered', seed: 4 }) }, { ...fast, keepOutput: true });
    expect(Array.from(a.output!)).toEqual(Array.from(b.output!));
    expect(Array.from(a.output!)).not.toEqual(Array.from(c.output!));
  });
});
