// The float64 linear-attention references (src/attention/linear/reference.ts): the
// independent implementation's vectors, factorized = explicit N×N form for every kernel,
// causality, FAVOR+'s projection and its m^(−1/2) error law, weights JSON.
import { describe, it, expect } from 'vitest';
import type { Inputs64, Shape } from '../../src/attention/types';
import { asAttentionTensor } from '../../src/workloads/npy';
import { Rng } from '../../src/workloads/rng';
import { loadVectorCases } from '../vectors';
import { linearExplicit, linearReference, phiRows } from '../../src/attention/linear/reference';
import {
  KERNELS, favorProjection, initParams, orthogonalMatrix, paramCount, paramLayout, type KernelId, type KernelSpec, type TrainableArch,
} from '../../src/attention/linear/kernels';
import { resolveKernel, resolveKernelSync } from '../../src/attention/linear/params';
import { parseWeights, weightsToJson } from '../../src/attention/linear/weights';
import { exactReference } from '../../src/attention/exact/reference';
import { writeNpy } from '../../src/workloads/npy';

const linearCases = loadVectorCases().filter((c) => c.variant === 'linear');

function inputsOf(shape: Shape, seed: number, scale = 1): Inputs64 {
  const rng = new Rng(seed);
  const g = (len: number) => Float64Array.from({ length: len }, () => rng.normal() * scale);
  return { shape, q: g(shape.heads * shape.n * shape.d), k: g(shape.heads * shape.n * shape.d), v: g(shape.heads * shape.n * shape.dv) };
}

function maxRel(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    const e = Math.abs(got[i] - want[i]);
    if (!(e <= err)) err = e; // NaN sticks
  }
  return err / scale;
}

/** A kernel spec for tests: trainable kernels with perturbed (non-identity) parameters. */
export function testSpec(kernel: KernelId, d: number, features = 8, seed = 3): KernelSpec {
  const spec = resolveKernelSync({ kernel, features, layers: 2, kseed: seed, weightsFrom: 'init' }, d);
  if (!spec.params) return spec;
  const rng = new Rng(seed + 100);
  const params = Float64Array.from(spec.params, (p) => p + 0.2 * rng.normal());
  return { ...spec, params };
}

describe('linear reference vs the independent vectors (1e-12)', () => {
  it('has the five linear cases', () => {
    expect(linearCases.map((c) => c.name).sort()).toEqual([
      'linear-elu1-causal-n25-d6', 'linear-elu1-n25-d6', 'linear-favor-f16-n25-d6', 'linear-relu-causal-n25-d6', 'linear-relu-n25-d6',
    ]);
  });
  it.each(linearCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const q = asAttentionTensor(c.tensors.q, 'q.npy');
    const k = asAttentionTensor(c.tensors.k, 'k.npy');
    const v = asAttentionTensor(c.tensors.v, 'v.npy');
    const want = asAttentionTensor(c.tensors.out, 'out.npy');
    const shape = { n: q.n, d: q.d, dv: v.d, heads: q.heads, causal: c.params.causal === true };
    const x: Inputs64 = { shape, q: q.data, k: k.data, v: v.data };
    const kernel = c.params.kernel as KernelId;
    let spec: KernelSpec;
    if (kernel === 'favor') {
      const w = c.tensors.projection;
      expect(w.shape).toEqual([c.params.features, q.d]);
      spec = { kernel, d: q.d, dim: w.shape[0], m: w.shape[0], projection: Float64Array.from(w.data), hyperbolic: false, source: 'vector' };
    } else {
      spec = resolveKernelSync({ kernel }, q.d);
    }
    const eps = Number(c.params.eps);
    expect(maxRel(linearReference(x, spec, eps).out, want.data)).toBeLessThan(1e-12);
    expect(maxRel(linearExplicit(x, spec, eps).out, want.data)).toBeLessThan(1e-12);
  });

  it('the favor case through the CLI path (--set projection=W.npy) gives the same output', () => {
    const c = linearCases.find((x) => x.params.kernel === 'favor')!;
    // the bytes the CLI reads from disk (the run's files, keyed by the parameter's value)
    const path = 'W.npy';
    const w = c.tensors.projection;
    const files = new Map([[path, writeNpy(Float64Array.from(w.data), w.shape)]]);
    const q = asAttentionTensor(c.tensors.q, 'q');
    const spec = resolveKernelSync({ kernel: 'favor', features: w.shape[0], projection: path }, q.d, files);
    expect(Array.from(spec.projection!)).toEqual(Array.from(w.data));
    expect(() => resolveKernelSync({ kernel: 'favor', features: 32, projection: path }, q.d, files)).toThrow(/shape \(features, d\) = \(32, 6\).*set features=16/);
    expect(() => resolveKernelSync({ kernel: 'favor', features: 16, projection: 'other.npy' }, q.d, files)).toThrow(/^projection=other.npy: the file's contents were not given \(FAVOR\+ projection/);
  });
});

describe('factorized = explicit N×N form (float64)', () => {
  for (const kernel of KERNELS) {
    for (const causal of [false, true]) {
      it(`${kernel}${causal ? ' causal' : ''}`, () => {
        const shape = { n: 37, d: 5, dv: 3, heads: 2, causal };
        const x = inputsOf(shape, 11);
        const spec = testSpec(kernel, 5);
        const a = linearReference(x, spec, 1e-6, { withMap: false }).out;
        const b = linearExplicit(x, spec, 1e-6);
        expect(maxRel(a, b.out)).toBeLessThan(1e-12);
        // rows of the implied map sum to 1, entries ≥ 0, zero above the diagonal when causal
        for (let r = 0; r < shape.heads * shape.n; r++) {
          let s = 0;
          for (let j = 0; j < shape.n; j++) {
            const p = b.map[r * shape.n + j];
            expect(p).toBeGreaterThanOrEqual(0);
            if (causal && j > r % shape.n) expect(p).toBe(0);
            s += p;
          }
          if (kernel !== 'relu') expect(Math.abs(s - 1)).toBeLessThan(1e-12);
        }
      });
    }
  }

  it('stays finite and exact for large inputs (exp kernels: offsets folded back)', () => {
    const shape = { n: 20, d: 4, dv: 2, heads: 1, causal: false };
    const x = inputsOf(shape, 5, 40); // pre-activations of several hundred
    for (const kernel of ['favor', 'hedgehog'] as const) {
      const spec = testSpec(kernel, 4);
      const a = linearReference(x, spec, 0, { withMap: false }).out;
      expect(a.every(Number.isFinite)).toBe(true);
      expect(maxRel(a, linearExplicit(x, spec, 0).out)).toBeLessThan(1e-10);
    }
  });

  it('ReLU: a query whose features are all zero outputs 0 (the ε clamp)', () => {
    const shape = { n: 4, d: 2, dv: 1, heads: 1, causal: false };
    const x: Inputs64 = { shape, q: Float64Array.from([-1, -2, 1, 1, 1, 0, 0, 1]), k: Float64Array.from([1, 1, 2, 0, 0, 3, 1, 1]), v: Float64Array.from([1, 2, 3, 4]) };
    const out = linearReference(x, resolveKernelSync({ kernel: 'relu' }, 2), 1e-6).out;
    expect(out[0]).toBe(0);
    expect(out.every(Number.isFinite)).toBe(true);
  });
});

describe('causal: changing future tokens leaves earlier outputs unchanged', () => {
  for (const kernel of KERNELS) {
    it(kernel, () => {
      const shape = { n: 30, d: 4, dv: 3, heads: 1, causal: true };
      const x = inputsOf(shape, 21);
      const spec = testSpec(kernel, 4);
      const a = linearReference(x, spec, 1e-6, { withMap: false }).out;
      const y = { ...x, q: x.q.slice(), k: x.k.slice(), v: x.v.slice() };
      const t = 17;
      for (let i = t * 4; i < y.q.length; i++) {
        y.q[i] += 3;
        y.k[i] *= -2;
      }
      for (let i = t * 3; i < y.v.length; i++) y.v[i] += 5;
      const b = linearReference(y, spec, 1e-6, { withMap: false }).out;
      expect(Array.from(b.subarray(0, t * 3))).toEqual(Array.from(a.subarray(0, t * 3)));
      expect(maxRel(b.subarray(t * 3), a.subarray(t * 3))).toBeGreaterThan(1e-3);
    });
  }
});

describe('FAVOR+', () => {
  it('projection: blocks of d orthogonal rows, χ_d row norms, seeded', () => {
    const d = 8;
    const m = 20;
    const w = favorProjection(m, d, 7);
    expect(Array.from(favorProjection(m, d, 7))).toEqual(Array.from(w));
    expect(Array.from(favorProjection(m, d, 8))).not.toEqual(Array.from(w));
    const row = (r: number) => w.subarray(r * d, (r + 1) * d);
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);
    for (let b0 = 0; b0 < m; b0 += d) {
      for (let r = b0; r < Math.min(m, b0 + d); r++) {
        for (let s = b0; s < r; s++) expect(Math.abs(dot(row(r), row(s)))).toBeLessThan(1e-12);
      }
    }
    // mean squared norm of χ_d rows is d
    const big = favorProjection(2048, d, 1);
    let ms = 0;
    for (let r = 0; r < 2048; r++) ms += dot(big.subarray(r * d, (r + 1) * d), big.subarray(r * d, (r + 1) * d));
    expect(ms / 2048).toBeGreaterThan(d * 0.93);
    expect(ms / 2048).toBeLessThan(d * 1.07);
  });

  it('positive and hyperbolic features are unbiased: E[φ(q)·φ(k)] = exp(q·k/√d)', () => {
    const d = 6;
    const rng = new Rng(3);
    const q = Float64Array.from({ length: d }, () => 0.5 * rng.normal());
    const k = Float64Array.from({ length: d }, () => 0.5 * rng.normal());
    const want = Math.exp(q.reduce((s, x, i) => s + x * k[i], 0) / Math.sqrt(d));
    for (const hyperbolic of [false, true]) {
      let sum = 0;
      const trials = 200;
      for (let t = 0; t < trials; t++) {
        const spec = resolveKernelSync({ kernel: 'favor', features: 256, kseed: t, hyperbolic }, d);
        const a = phiRows(spec, q, 0, 1, 'q');
        const b = phiRows(spec, k, 0, 1, 'k');
        let s = 0;
        for (let f = 0; f < spec.dim; f++) s += a.phi[f] * b.phi[f];
        sum += s * Math.exp(a.off[0] + b.off[0]);
      }
      expect(Math.abs(sum / trials / want - 1)).toBeLessThan(0.01);
    }
  });

  it('map error falls like features^(−1/2) over 64…1024 features (log–log slope fitted)', () => {
    const d = 16;
    const shape = { n: 48, d, dv: d, heads: 1, causal: false };
    const x = inputsOf(shape, 4, 0.5); // |x̃|² ≈ 1: the regime where the m^(−1/2) law holds from m = 64 on
    const exact = exactReference(x, { withMap: true }).map!;
    const ms = [64, 128, 256, 512, 1024];
    const errs = ms.map((m) => {
      // average the mean row L1 map error over seeds of the projection
      let e = 0;
      const seeds = 6;
      for (let s = 0; s < seeds; s++) {
        const spec = resolveKernelSync({ kernel: 'favor', features: m, kseed: 1000 * s + m }, d);
        const map = linearExplicit(x, spec, 0).map;
        let l1 = 0;
        for (let i = 0; i < map.length; i++) l1 += Math.abs(map[i] - exact[i]);
        e += l1 / shape.n;
      }
      return e / seeds;
    });
    const lx = ms.map(Math.log);
    const ly = errs.map(Math.log);
    const mx = lx.reduce((a, b) => a + b) / lx.length;
    const my = ly.reduce((a, b) => a + b) / ly.length;
    const slope = lx.reduce((s, xv, i) => s + (xv - mx) * (ly[i] - my), 0) / lx.reduce((s, xv) => s + (xv - mx) ** 2, 0);
    expect(slope, `errors ${errs.map((e) => e.toPrecision(3)).join(', ')}`).toBeGreaterThan(-0.65);
    expect(slope).toBeLessThan(-0.35);
  });
});

describe('trainable kernels: parameters and weights JSON', () => {
  const archs: TrainableArch[] = [
    { kernel: 'hedgehog', d: 5, features: 5, layers: 1 },
    { kernel: 'ffk', d: 5, features: 7, layers: 3 },
  ];
  it('layouts are contiguous and the counts add up', () => {
    for (const a of archs) {
      const s = paramLayout(a);
      let off = 0;
      for (const t of s) {
        expect(t.offset).toBe(off);
        off += t.rows * t.cols;
      }
      expect(paramCount(a)).toBe(off);
    }
  });
  it('init: hedgehog W = I, b = 0; ffk W_o orthogonal (columns when tall, rows when wide), biases 0', () => {
    const hh = initParams(archs[0], 1);
    const s = paramLayout(archs[0]);
    for (const t of s) {
      for (let r = 0; r < t.rows; r++) for (let c = 0; c < t.cols; c++) expect(hh[t.offset + r * t.cols + c]).toBe(t.cols > 1 && r === c ? 1 : 0);
    }
    const o = orthogonalMatrix(new Rng(1), 7, 5);
    for (let a = 0; a < 5; a++) for (let b = 0; b < 5; b++) {
      let dot = 0;
      for (let r = 0; r < 7; r++) dot += o[r * 5 + a] * o[r * 5 + b];
      expect(Math.abs(dot - (a === b ? 1 : 0))).toBeLessThan(1e-12);
    }
    const ff = initParams(archs[1], 1);
    for (const t of paramLayout(archs[1])) if (t.name.endsWith('b') || t.name.endsWith('bo') || t.name.endsWith('bg')) {
      expect(Array.from(ff.subarray(t.offset, t.offset + t.rows)).every((x) => x === 0)).toBe(true);
    }
  });
  it('JSON round trip is f32-exact, and bad files give one clear message', () => {
    for (const a of archs) {
      const params = Float64Array.from(Float32Array.from(initParams(a, 4), (x, i) => x + 0.001 * i));
      const w = parseWeights(weightsToJson({ arch: a, params, training: { note: 'x' } }), 't.json');
      expect(w.arch).toEqual(a);
      expect(Array.from(Float32Array.from(w.params))).toEqual(Array.from(params));
      expect(w.training).toEqual({ note: 'x' });
    }
    const good = JSON.parse(weightsToJson({ arch: archs[1], params: initParams(archs[1], 1) }));
    const bad = (mut: (j: Record<string, unknown>) => void) => {
      const j = structuredClone(good);
      mut(j);
      return () => parseWeights(JSON.stringify(j), 'w.json');
    };
    expect(() => parseWeights('{', 'w.json')).toThrow(/^w.json: not valid JSON/);
    expect(bad((j) => (j.format = 'x'))).toThrow(/"format" must be/);
    expect(bad((j) => (j.kernel = 'favor'))).toThrow(/"kernel" must be "ffk" or "hedgehog"/);
    expect(bad((j) => delete (j.tensors as Record<string, unknown>)['block1.Wg'])).toThrow(/tensor "block1.Wg" is missing/);
    expect(bad((j) => ((j.tensors as Record<string, number[][]>)['block0.Wo'][2] = [1]))).toThrow(/"block0.Wo" must be 7×5/);
    expect(bad((j) => ((j.tensors as Record<string, number[]>)['block0.bo'][1] = null as unknown as number))).toThrow(/non-finite or non-numeric entry at 1/);
    expect(bad((j) => ((j.tensors as Record<string, unknown>).extra = [1]))).toThrow(/unknown tensor "extra"/);
  });
  it('a weights file that does not fit the run is refused with the setting to change', () => {
    const path = 'w.json';
    const files = new Map([[path, new TextEncoder().encode(weightsToJson({ arch: archs[1], params: initParams(archs[1], 1) }))]]);
    expect(resolveKernelSync({ kernel: 'ffk', features: 7, layers: 3, weights: path }, 5, files).params!.length).toBe(paramCount(archs[1]));
    expect(() => resolveKernelSync({ kernel: 'ffk', features: 8, layers: 3, weights: path }, 5, files)).toThrow(/features = 7: set features=7/);
    expect(() => resolveKernelSync({ kernel: 'ffk', features: 7, layers: 3, weights: path }, 6, files)).toThrow(/made for d = 5, this run has d = 6/);
    expect(() => resolveKernelSync({ kernel: 'hedgehog', weights: path }, 5, files)).toThrow(/holds ffk weights, but kernel=hedgehog/);
    // the bytes are the host's to give (the CLI reads the file, the page its picker): absent, the parameter is named
    expect(() => resolveKernelSync({ kernel: 'ffk', features: 7, layers: 3, weights: 'nope.json' }, 5, files)).toThrow(/^weights=nope.json: the file's contents were not given \(Weights file/);
    // weights from this page's session are a file too (weightsFrom = session names it in weights)
    expect(resolveKernelSync({ kernel: 'ffk', features: 7, layers: 3, weightsFrom: 'session', weights: path }, 5, files).source).toBe('the session weights (w.json)');
    expect(() => resolveKernelSync({ kernel: 'ffk', features: 7, layers: 3, weightsFrom: 'session' }, 5, files)).toThrow(/no ffk weights in this session yet/);
  });
});

describe('shipped weights (public/kernels)', () => {
  it('every SHIPPED entry parses, fits its architecture, and is what the default ffk / hedgehog at d = 64 use', async () => {
    const { SHIPPED } = await import('../../src/attention/linear/weights');
    expect(SHIPPED.map((s) => s.file).sort()).toEqual(['ffk-d64.json', 'hedgehog-d64.json']);
    for (const s of SHIPPED) {
      const spec = await resolveKernel({ kernel: s.arch.kernel, features: s.arch.features, layers: s.arch.layers }, s.arch.d);
      expect(spec.untrained).toBe(false);
      expect(spec.source).toContain(s.file);
      expect(spec.params!.length).toBe(paramCount(s.arch));
      expect(spec.params!.every(Number.isFinite)).toBe(true);
    }
    // the variant's default kernel at the default d is the shipped ffk
    const dflt = await resolveKernel({}, 64);
    expect([dflt.kernel, dflt.untrained, dflt.source]).toEqual(['ffk', false, 'shipped weights public/kernels/ffk-d64.json']);
    // no shipped weights for d = 32: the untrained initialization, said in the source
    expect(resolveKernelSync({}, 32).source).toMatch(/untrained initialization .*no shipped weights for ffk d=32/);
  });
});
