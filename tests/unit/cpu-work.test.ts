// The CPU work of a run (src/bench/cpu-work.ts): what the runner does on Node and what the
// browser's worker does — the same functions, so the same numbers.
import { describe, expect, it } from 'vitest';
import { exactReference } from '../../src/attention/exact/reference';
import { makeInputs, measureOnCpu } from '../../src/bench/cpu-work';
import { localCpuWork } from '../../src/bench/runner';
import { mapErrors, outputErrors } from '../../src/metrics/errors';

const spec = { run: { n: 24, d: 5, heads: 2, causal: false, workload: 'gaussian', seed: 3, logitScale: 1 } };

describe('cpu work', () => {
  it('inputs are rounded to f32 once and the f64 copy holds exactly those values', () => {
    const { x32, x64 } = makeInputs(spec);
    expect(x32.q.length).toBe(2 * 24 * 5);
    for (let i = 0; i < x32.q.length; i++) expect(x64.q[i]).toBe(x32.q[i]);
    expect(x64.shape).toEqual({ n: 24, d: 5, dv: 5, heads: 2, causal: false });
  });

  it('measures against the float64 reference: output errors, the exact map window and map errors', () => {
    const { x64 } = makeInputs(spec);
    const ref = exactReference(x64, { withMap: true });
    // a perturbed "GPU" output and map (rows 3..9 of head 1)
    const out = Float32Array.from(ref.out, (v, i) => v + (i % 7 === 0 ? 1e-3 : 0));
    const rows = 6;
    const start = (1 * 24 + 3) * 24;
    const mapData = Float32Array.from(ref.map!.subarray(start, start + rows * 24), (v) => v * 0.9);
    const map = { kind: 'rows' as const, head: 1, data: mapData, rows, cols: 24, row0: 3, pool: 1, signed: false };
    const m = measureOnCpu(x64, { shape: x64.shape, out, map, mapReq: { kind: 'rows', head: 1, row0: 3, rows } });
    expect(m.errors).toEqual(outputErrors(out, ref.out, 48, 5));
    expect(m.exactMap?.data).toEqual(Float32Array.from(ref.map!.subarray(start, start + rows * 24)));
    expect(m.mapErrors).toEqual(mapErrors(mapData, m.exactMap!.data, rows, 24));
    expect(m.mapErrors!.maxRowSumDev).toBeCloseTo(0.1, 5);
  });

  it('measures against a given reference output (gpu-exact) without the float64 inputs', () => {
    const out = new Float32Array([1, 2, 3, 4]);
    const refOut = new Float32Array([1, 2, 3, 5]);
    const m = measureOnCpu(undefined, { shape: { n: 2, d: 2, dv: 2, heads: 1, causal: false }, out, refOut });
    expect(m.errors.maxAbs).toBe(1);
    expect(() => measureOnCpu(undefined, { shape: { n: 2, d: 2, dv: 2, heads: 1, causal: false }, out })).toThrow(/float64 inputs are needed/);
  });

  it('the default CpuWork of the runner computes on this thread', async () => {
    const inputs = await localCpuWork.inputs(spec, undefined, true);
    expect(inputs.x64).toBeDefined();
    const ref = exactReference(inputs.x64!, { withMap: false });
    const m = await localCpuWork.measure(inputs, { shape: inputs.x64!.shape, out: Float32Array.from(ref.out) });
    expect(m.errors.relFro).toBeLessThan(1e-7);
  });
});
