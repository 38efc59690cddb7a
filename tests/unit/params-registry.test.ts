// Parameter schemas, URL round trips, the registry's validation and the exact cost model.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { defaults, fromKeyed, parseValue, toKeyed, type ParamSpec } from '../../src/params/schema';
import { runParams } from '../../src/bench/run-params';
import { getVariant, validateRun, variantParams, variants } from '../../src/attention/registry';
import { exactCost } from '../../src/attention/exact/variant';
import { resultToRow, extraColumns } from '../../src/bench/rows';
import { toCsv, parseCsv, CSV_COLUMNS } from '../../src/bench/csv';
import type { RunResult } from '../../src/bench/runner';

const all: ParamSpec[] = [...runParams, ...variants.flatMap((v) => v.params)];

describe('param schemas', () => {
  it('every spec has a label, help, a unique URL key and a valid default', () => {
    const keys = new Set<string>();
    for (const s of runParams) keys.add(s.urlKey);
    for (const v of variants) {
      const own = new Set<string>();
      for (const s of v.params) {
        expect(s.label.length, s.name).toBeGreaterThan(0);
        expect(s.help.length, s.name).toBeGreaterThan(10);
        expect(keys.has(s.urlKey) || own.has(s.urlKey), `URL key ${s.urlKey} of ${v.id}.${s.name} is taken`).toBe(false);
        own.add(s.urlKey);
      }
    }
    for (const s of all) {
      if (s.type !== 'file') expect('error' in parseValue(s, String(s.default)), s.name).toBe(false);
    }
    expect(keys.has('v')).toBe(false); // reserved for the variant id
  });

  it('parseValue checks types and ranges with messages naming the knob', () => {
    const n = runParams.find((s) => s.name === 'n')!;
    expect(parseValue(n, '48')).toEqual({ value: 48 });
    expect(parseValue(n, '0')).toEqual({ error: 'n must be between 1 and 1048576, got 0' });
    expect(parseValue(n, '4.5')).toEqual({ error: 'n must be an integer, got "4.5"' });
    const causal = runParams.find((s) => s.name === 'causal')!;
    expect(parseValue(causal, 'on')).toEqual({ value: true });
    expect('error' in parseValue(causal, 'maybe')).toBe(true);
    const w = runParams.find((s) => s.name === 'workload')!;
    expect(parseValue(w, 'cubist')).toEqual({ error: 'workload must be one of gaussian, smooth, clustered, local, got "cubist"' });
  });

  it('URL round trip: any valid values survive toKeyed → fromKeyed; invalid ones fall back with a notice', () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 1_048_576 }),
      d: fc.integer({ min: 1, max: 256 }),
      causal: fc.boolean(),
      workload: fc.constantFrom('gaussian', 'smooth', 'clustered', 'local'),
      logitScale: fc.double({ min: 0.01, max: 100, noNaN: true }),
    });
    fc.assert(
      fc.property(arb, (vals) => {
        const values = { ...defaults(runParams), ...vals };
        const params = new URLSearchParams(toKeyed(runParams, values));
        const back = fromKeyed(runParams, (k) => params.get(k));
        expect(back.notices).toEqual([]);
        expect(back.values).toEqual(values);
      }),
    );
    const back = fromKeyed(runParams, (k) => ({ n: '-3', zz: '1', w: 'local' })[k]);
    expect(back.values.n).toBe(256);
    expect(back.values.workload).toBe('local');
    expect(back.notices).toEqual(['n must be between 1 and 1048576, got -3; using the default 256']);
  });
});

describe('registry', () => {
  it('finds variants and fills defaults; unknown names are errors that list the known ones', () => {
    expect(getVariant('exact').id).toBe('exact');
    expect(() => getVariant('nope')).toThrow(/unknown variant "nope"; known: exact/);
    expect(variantParams(getVariant('exact'))).toEqual({ impl: 'flash' });
    expect(() => variantParams(getVariant('exact'), { m: 3 })).toThrow(/no parameter "m" \(it has: impl\)/);
  });
  it('validateRun names bad shapes and params', () => {
    const v = getVariant('exact');
    const ok = { n: 10, d: 4, dv: 4, heads: 1, causal: true };
    expect(validateRun(v, ok, { impl: 'flash' })).toEqual([]);
    expect(validateRun(v, { ...ok, d: 300, dv: 300 }, { impl: 'flash' })).toEqual(['exact attention supports head dimensions up to 256; got d = 300, dv = 300']);
    expect(validateRun(v, { ...ok, n: 0 }, { impl: 'flash' })).toEqual(['N must be a positive integer, got 0']);
    expect(validateRun(v, ok, { impl: 'x' })).toEqual(['impl must be one of flash, materialized, got "x"']);
  });
});

describe('exact cost model (docs/spec/benchmarks.md)', () => {
  it('flops are 4N²d + 5N² per head, half-ish when causal; materialized moves 16N² more bytes', () => {
    const s = { n: 1024, d: 64, dv: 64, heads: 2, causal: false };
    const f = exactCost(s, 'flash');
    const m = exactCost(s, 'materialized');
    expect(f.flops).toBe(2 * (4 * 1024 * 1024 * 64 + 5 * 1024 * 1024));
    expect(m.flops).toBe(f.flops);
    expect(m.bytes - 2 * 16 * 1024 * 1024).toBe(2 * 1024 * 4 * 64 * 4); // Q, K, V, O once
    expect(m.memory).toBe(f.memory + 2 * 1024 * 1024 * 4);
    // flash streams K and V once per 64-row block: ≈ 8N²d/64 bytes per head
    expect(f.bytes).toBe(2 * 1024 * 4 * 64 * 4 + 2 * 16 * 1024 * 128 * 4);
    const c = exactCost({ ...s, causal: true }, 'flash');
    expect(c.flops).toBe(2 * ((1024 * 1025) / 2) * (4 * 64 + 5));
  });
});

describe('result rows → CSV', () => {
  const result: RunResult = {
    variant: 'exact',
    params: { impl: 'materialized' },
    run: { n: 100, d: 8, heads: 2, causal: true, workload: 'local', seed: 9, logitScale: 2 },
    shape: { n: 100, d: 8, dv: 8, heads: 2, causal: true },
    status: 'ok',
    message: 'fine, "quoted", and, commas',
    cost: { flops: 1e6, bytes: 2e5, memory: 1e4 },
    compileMs: 12.5,
    timing: { samplesMs: [2, 3, 4], medianMs: 3, minMs: 2, p90Ms: 4, source: 'timestamp', repeats: 7 },
    speedupVsExact: 0.25,
    reference: 'cpu-f64',
    errors: { relFro: 1e-7, maxAbs: 2e-7, meanCos: 1 },
    adapter: { vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader, with a comma', isFallback: true, features: ['timestamp-query', 'subgroups'], limits: {}, userAgent: 'node' },
  };
  it('maps every field to its column and survives a CSV round trip', () => {
    const text = toCsv([resultToRow(result)], extraColumns());
    const { columns, rows } = parseCsv(text);
    expect(columns.slice(0, CSV_COLUMNS.length)).toEqual([...CSV_COLUMNS]);
    const r = rows[0];
    expect(r).toMatchObject({
      variant: 'exact', impl: 'materialized', n: '100', d: '8', heads: '2', causal: 'true', workload: 'local', seed: '9', logit_scale: '2',
      repeats: '7', time_ms_median: '3', time_ms_min: '2', time_ms_p90: '4', timing_source: 'timestamp', compile_ms: '12.5',
      flops: '1000000', bytes: '200000', speedup_vs_exact: '0.25', err_rel_fro: '1e-7', reference: 'cpu-f64',
      adapter_vendor: 'google', is_fallback_adapter: 'true', status: 'ok', message: 'fine, "quoted", and, commas',
      adapter_description: 'SwiftShader, with a comma', rank_m: '', clusters: '',
    });
    expect(Number(r.gflops_per_s)).toBeCloseTo(1e6 / 3e6, 12);
  });
});
