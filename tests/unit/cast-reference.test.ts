// The float64 CAST reference (docs/spec/variants.md §3): the independent implementation's vectors,
// the spec's oracles (N_c = 1, κ = N is exact attention; rows of Â sum to 1; permuting
// tokens permutes outputs), the effective map reproducing the output, the selection rules and
// their ties, the deferred-acceptance form of SA Top-K the GPU runs, the surrogates, the
// validation messages and the cost model.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  castHead,
  castReference,
  effectiveKappa,
  membershipStats,
  selectSaDeferred,
  selectSaGreedy,
  selectTopK,
  type CastConfig,
} from '../../src/attention/cast/reference';
import {
  kmeans,
  kmeansSampleSize,
  resolveSurrogates,
  sampleRows,
  checkSurrogateShape,
  surrogatesNpy,
} from '../../src/attention/cast/surrogates';
import { castCost, castVariant } from '../../src/attention/cast/variant';
import { exactReference } from '../../src/attention/exact/reference';
import { validateRun, variantParams } from '../../src/attention/registry';
import type { Inputs64, Shape } from '../../src/attention/types';
import { asAttentionTensor, writeNpy } from '../../src/workloads/npy';
import { Rng } from '../../src/workloads/rng';
import { loadVectorCases } from '../vectors';

const castCases = loadVectorCases().filter((c) => c.variant === 'cast');

function randomX(shape: Shape, seed: number, scale = 1): Inputs64 {
  const rng = new Rng(seed);
  const gen = (len: number, s = 1) => Float64Array.from(Float32Array.from({ length: len }, () => rng.normal() * s));
  return { shape, q: gen(shape.heads * shape.n * shape.d, scale), k: gen(shape.heads * shape.n * shape.d), v: gen(shape.heads * shape.n * shape.dv) };
}

const P = (over: Record<string, unknown> = {}) => ({ ...variantParams(castVariant), ...over }) as Record<string, string | number | boolean>;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (!(e <= m)) m = e; // NaN sticks
  }
  return m;
}

describe('reference vectors (independent float64 implementation)', () => {
  it('has the four CAST cases, each with its surrogates', () => {
    expect(castCases.map((c) => c.name).sort()).toEqual([
      'cast-sa-topk-nc3-kappa5-n24-d6',
      'cast-sa-topk-nc3-kappa8-n24-d6',
      'cast-topk-nc3-kappa5-n24-d6',
      'cast-topk-nc3-kappa8-n24-d6',
    ]);
    for (const c of castCases) expect(c.tensors.surrogates.shape).toEqual([c.params.clusters, c.tensors.q.shape.at(-1)]);
  });

  it.each(castCases.map((c) => [c.name, c] as const))('%s to 1e-12', (_name, c) => {
    const q = asAttentionTensor(c.tensors.q, 'q');
    const k = asAttentionTensor(c.tensors.k, 'k');
    const v = asAttentionTensor(c.tensors.v, 'v');
    const x: Inputs64 = { shape: { n: q.n, d: q.d, dv: v.d, heads: q.heads, causal: false }, q: q.data, k: k.data, v: v.data };
    const r = castReference(x, P(c.params), { surrogates: c.tensors.surrogates.data as Float64Array });
    expect(maxAbsDiff(r.out, c.tensors.out.data)).toBeLessThan(1e-12);
    // SA Top-K: κ·N_c = 15 < 24 leaves 9 tokens out; κ·N_c = 24 covers every token once
    const st = membershipStats(r.heads.map((h) => h.members), q.n);
    if (c.params.mode === 'sa-topk') expect([st.coverage, st.multi]).toEqual([c.params.kappa === 5 ? 15 / 24 : 1, 0]);
  });
});

describe('oracles', () => {
  it('N_c = 1, κ = N equals exact softmax attention (any surrogate)', () => {
    for (const [n, d, heads] of [[1, 3, 1], [17, 5, 2], [64, 8, 1]]) {
      const x = randomX({ n, d, dv: d + 1, heads, causal: false }, n + d);
      const ex = exactReference(x);
      for (const surrogates of ['random', 'kmeans-k']) {
        const r = castReference(x, P({ clusters: 1, kappa: n, surrogates }));
        expect(maxAbsDiff(r.out, ex.out)).toBeLessThan(1e-12);
        expect(maxAbsDiff(r.map!, ex.map!)).toBeLessThan(1e-12);
      }
    }
  });

  it('rows of the effective map sum to 1, and Â·V reproduces the output (every mode, affinity, κ)', () => {
    const n = 37;
    const x = randomX({ n, d: 6, dv: 4, heads: 2, causal: false }, 7);
    for (const mode of ['topk', 'sa-topk'])
      for (const affinity of ['sum', 'product', 'query'])
        for (const kappa of [1, 3, 0, 20, n]) {
          const r = castReference(x, P({ clusters: 5, kappa, mode, affinity, surrogates: 'random' }));
          for (let h = 0; h < 2; h++) {
            for (let i = 0; i < n; i++) {
              let s = 0;
              for (let j = 0; j < n; j++) {
                expect(r.map![(h * n + i) * n + j]).toBeGreaterThanOrEqual(0);
                s += r.map![(h * n + i) * n + j];
              }
              expect(Math.abs(s - 1)).toBeLessThan(1e-12);
              for (let e = 0; e < 4; e++) {
                let o = 0;
                for (let j = 0; j < n; j++) o += r.map![(h * n + i) * n + j] * x.v[(h * n + j) * 4 + e];
                expect(Math.abs(o - r.out[(h * n + i) * 4 + e])).toBeLessThan(1e-12);
              }
            }
          }
        }
  });

  it('permuting the tokens permutes the outputs (fixed surrogates, no ties)', () => {
    // N_c ≥ 2: with one cluster every A_g is 1 or 2 — all tied, and the lower index wins
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: 40 }), fc.boolean(), fc.integer(), (n, ncRaw, kappaRaw, sa, seed) => {
        const nc = Math.min(ncRaw, n);
        const kappa = Math.min(kappaRaw, n);
        const d = 4;
        const x = randomX({ n, d, dv: 3, heads: 1, causal: false }, seed);
        const s = Float64Array.from({ length: nc * d }, (_, i) => Math.sin(i * 1.7 + seed));
        const perm = Array.from({ length: n }, (_, i) => i);
        const rng = new Rng(seed);
        for (let i = n - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [perm[i], perm[j]] = [perm[j], perm[i]];
        }
        const px: Inputs64 = {
          shape: x.shape,
          q: Float64Array.from({ length: n * d }, (_, t) => x.q[perm[Math.floor(t / d)] * d + (t % d)]),
          k: Float64Array.from({ length: n * d }, (_, t) => x.k[perm[Math.floor(t / d)] * d + (t % d)]),
          v: Float64Array.from({ length: n * 3 }, (_, t) => x.v[perm[Math.floor(t / 3)] * 3 + (t % 3)]),
        };
        const p = P({ clusters: nc, kappa, mode: sa ? 'sa-topk' : 'topk' });
        const a = castReference(x, p, { surrogates: s, withMap: false }).out;
        const b = castReference(px, p, { surrogates: s, withMap: false }).out;
        for (let i = 0; i < n; i++) for (let e = 0; e < 3; e++) expect(Math.abs(b[i * 3 + e] - a[perm[i] * 3 + e])).toBeLessThan(1e-12);
      }),
      { numRuns: 60 },
    );
  });

  it('a token in no cluster gets only summaries; empty clusters are dropped and W renormalized', () => {
    // SA Top-K with N_c·κ < N leaves tokens out; with κ large one cluster can take everything
    const n = 12;
    const x = randomX({ n, d: 3, dv: 2, heads: 1, causal: false }, 99);
    const s = new Float64Array([5, 0, 0, -5, 0, 0, 0, 0, 0]); // 3 surrogates
    const r = castHead(x.q, x.k, x.v, s, n, 3, 2, { clusters: 3, kappa: n, mode: 'sa-topk', affinity: 'sum' }, { withMap: true });
    const sizes = r.members.map((m) => m.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
    // renormalization over the non-empty clusters keeps rows stochastic even with empty ones
    for (let i = 0; i < n; i++) expect(Math.abs(r.map!.subarray(i * n, i * n + n).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    const r2 = castHead(x.q, x.k, x.v, s, n, 3, 2, { clusters: 3, kappa: 2, mode: 'sa-topk', affinity: 'sum' }, { withMap: true });
    const covered = new Set(r2.members.flat());
    expect(covered.size).toBe(6);
    for (let i = 0; i < n; i++) {
      if (covered.has(i)) continue;
      // its map row is a W-weighted mixture of the summaries' r^c: zero outside the members
      for (let j = 0; j < n; j++) if (!covered.has(j)) expect(r2.map![i * n + j]).toBe(0);
    }
  });
});

describe('selection', () => {
  const cfgOf = (nc: number, kappa: number, mode: CastConfig['mode']): CastConfig => ({ clusters: nc, kappa, mode, affinity: 'sum' });

  it('Top-K takes the κ largest A_g per cluster; ties go to the lower token index', () => {
    // 6 tokens × 2 clusters, cluster 0 has a three-way tie at the boundary
    const ag = new Float64Array([0.5, 0.1, 0.7, 0.2, 0.5, 0.3, 0.5, 0.4, 0.9, 0.5, 0.1, 0.6]);
    // cluster 0: 0.9 (t4), 0.7 (t1), then 0.5 at t0, t2, t3: t0 wins the last place
    expect(selectTopK(ag, 6, 2, 3)).toEqual([[0, 1, 4], [3, 4, 5]]);
    expect(selectTopK(ag, 6, 2, 4)).toEqual([[0, 1, 2, 4], [2, 3, 4, 5]]);
    expect(selectTopK(ag, 6, 2, 1)).toEqual([[4], [5]]);
    expect(selectTopK(ag, 6, 2, 6)).toEqual([[0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5]]);
  });

  it('SA Top-K is greedy in descending A_g; ties: lower token, then lower cluster', () => {
    // every pair tied: token order fills cluster 0 first, then cluster 1 …
    const ag = new Float64Array(7 * 3).fill(0.25);
    expect(selectSaGreedy(ag, 7, 3, 3)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(selectSaGreedy(ag, 7, 3, 2)).toEqual([[0, 1], [2, 3], [4, 5]]);
    // token 1 prefers cluster 1 (0.9) over cluster 0 (0.8); cluster 1 is capped at 1
    const a2 = new Float64Array([0.1, 0.2, 0.8, 0.9, 0.3, 0.95]);
    expect(selectSaGreedy(a2, 3, 2, 1)).toEqual([[1], [2]]);
  });

  it('deferred acceptance (the GPU algorithm) equals the greedy definition: random, tied and all-equal affinities', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 4 }), // number of distinct values: 1 = all tied
        fc.integer(),
        (n, ncRaw, kappaRaw, levels, seed) => {
          const nc = Math.min(ncRaw, n);
          const kappa = Math.min(kappaRaw, n);
          const rng = new Rng(seed);
          const ag = Float64Array.from({ length: n * nc }, () => (levels === 4 ? rng.next() : rng.int(levels) / levels));
          const da = selectSaDeferred(ag, n, nc, kappa);
          expect(da.converged).toBe(true);
          expect(da.members).toEqual(selectSaGreedy(ag, n, nc, kappa));
          expect(da.rounds).toBeLessThanOrEqual(nc + 1);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('all pairs tied is the slow case of deferred acceptance: one more cluster fills per round', () => {
    const n = 40;
    const nc = 8;
    const da = selectSaDeferred(new Float64Array(n * nc).fill(1), n, nc, 5);
    expect(da.rounds).toBe(nc); // round r fills cluster r − 1; the last one fills without overflowing
    expect(da.members).toEqual(Array.from({ length: nc }, (_, c) => [0, 1, 2, 3, 4].map((t) => 5 * c + t)));
  });

  it('membership statistics count coverage and multiple assignment over heads', () => {
    expect(membershipStats([[[0, 1], [1, 2]], [[3], []]], 4)).toEqual({ coverage: 4 / 8, multi: 1 / 8, emptyClusters: 1 });
  });

  it('κ defaults to ⌈N/N_c⌉', () => {
    expect(effectiveKappa(100, 7, 0)).toBe(15);
    expect(effectiveKappa(100, 7, 3)).toBe(3);
    expect(cfgOf(1, 1, 'topk').kappa).toBe(1);
  });
});

describe('surrogates', () => {
  it('k-means finds well-separated centres and is deterministic', () => {
    const rng = new Rng(3);
    const centres = [[10, 0], [0, 10], [-10, -10]];
    const pts = new Float64Array(300 * 2);
    for (let i = 0; i < 300; i++) for (let e = 0; e < 2; e++) pts[i * 2 + e] = centres[i % 3][e] + 0.1 * rng.normal();
    const a = kmeans(pts, 300, 2, 3, new Rng(1));
    const b = kmeans(pts, 300, 2, 3, new Rng(1));
    expect(Array.from(a)).toEqual(Array.from(b));
    const found = [0, 1, 2].map((j) => [a[2 * j], a[2 * j + 1]]);
    for (const c of centres) expect(Math.min(...found.map((f) => Math.hypot(f[0] - c[0], f[1] - c[1])))).toBeLessThan(0.05);
    expect(() => kmeans(pts, 2, 2, 3, new Rng(1))).toThrow(/at least 3 points/);
  });

  it('samples a strided subset of ≤ max(2048, 4·N_c) rows; kmeans-qk samples Q and K', () => {
    expect(kmeansSampleSize(1000, 16)).toBe(1000);
    expect(kmeansSampleSize(100_000, 16)).toBe(2048);
    expect(kmeansSampleSize(100_000, 1024)).toBe(4096);
    const s = sampleRows('kmeans-qk', 3000, 8);
    expect(s.rows).toBe(6000);
    expect(s.picks).toHaveLength(2048);
    expect(s.picks[0]).toBe(0);
    expect(s.picks.at(-1)).toBeLessThan(6000);
    expect(s.picks.some((r) => r >= 3000)).toBe(true);
  });

  it('random and k-means surrogates are per head, seeded, and f32', () => {
    const x = randomX({ n: 50, d: 4, dv: 4, heads: 2, causal: false }, 5);
    for (const source of ['random', 'kmeans-k', 'kmeans-qk'] as const) {
      const a = resolveSurrogates(x.q, x.k, 50, 4, 2, { clusters: 3, source, file: '', seed: 1 });
      const b = resolveSurrogates(x.q, x.k, 50, 4, 2, { clusters: 3, source, file: '', seed: 1 });
      const c = resolveSurrogates(x.q, x.k, 50, 4, 2, { clusters: 3, source, file: '', seed: 2 });
      expect(a).toBeInstanceOf(Float32Array);
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(Array.from(a)).not.toEqual(Array.from(c));
      expect(Array.from(a.subarray(0, 12))).not.toEqual(Array.from(a.subarray(12)));
    }
  });

  it('reads an N_c×d or H×N_c×d .npy from the run\'s files, and says what is wrong with a bad or missing one', () => {
    const path = 'dir/S.npy';
    const files = new Map([
      [path, writeNpy(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3])],
      ['fitted-1', writeNpy(new Float32Array(12).fill(0.5), [2, 2, 3])],
    ]);
    const npy = surrogatesNpy(path, files);
    expect(checkSurrogateShape(npy, path, 2, 3, 4)).toEqual([]);
    expect(checkSurrogateShape(npy, path, 3, 3, 1)[0]).toMatch(/shape \(2, 3\); CAST needs N_c×d = \(3, 3\)/);
    expect(checkSurrogateShape(npy, path, 2, 4, 2)[0]).toMatch(/or H×N_c×d = \(2, 2, 4\)/);
    expect(() => surrogatesNpy('dir/missing.npy', files)).toThrow(/surrogatesFile "dir\/missing.npy": the file's bytes were not provided/);
    expect(() => surrogatesNpy('S.npy')).toThrow(/surrogatesFile "S.npy"/);
    expect(() => surrogatesNpy('', files)).toThrow(/needs surrogatesFile/);
    expect(surrogatesNpy('fitted-1', files).shape).toEqual([2, 2, 3]);
    // the reference resolves a file surrogate the same way
    const x = randomX({ n: 9, d: 3, dv: 3, heads: 1, causal: false }, 8);
    const r = castReference(x, P({ clusters: 2, surrogates: 'file', surrogatesFile: path }), { files });
    expect(Array.from(r.surrogates)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(castVariant.reference(x, P({ clusters: 2, surrogates: 'file', surrogatesFile: path }), files).out)).toEqual(Array.from(r.out));
    // validation reads the same files
    const shape: Shape = { n: 9, d: 3, dv: 3, heads: 1, causal: false };
    expect(validateRun(castVariant, shape, P({ clusters: 2, surrogates: 'file', surrogatesFile: path }), files)).toEqual([]);
    expect(validateRun(castVariant, shape, P({ clusters: 3, surrogates: 'file', surrogatesFile: path }), files)[0]).toMatch(/has shape \(2, 3\)/);
    expect(validateRun(castVariant, shape, P({ clusters: 2, surrogates: 'file', surrogatesFile: path }))[0]).toMatch(/surrogatesFile "dir\/S.npy": the file's bytes were not provided/);
  });
});

describe('validation and notes', () => {
  const shape: Shape = { n: 100, d: 16, dv: 16, heads: 1, causal: false };
  it('names N_c > N, κ > N, causal, too large d, and file mismatches', () => {
    expect(validateRun(castVariant, shape, P())).toEqual([]);
    expect(validateRun(castVariant, shape, P({ clusters: 101 }))[0]).toMatch(/N_c = 101 exceeds N = 100/);
    expect(validateRun(castVariant, shape, P({ kappa: 101 }))[0]).toMatch(/κ = 101 exceeds N = 100/);
    expect(validateRun(castVariant, { ...shape, causal: true }, P())[0]).toMatch(/no causal form/);
    expect(validateRun(castVariant, { ...shape, d: 300, dv: 300 }, P())[0]).toMatch(/up to 256/);
    expect(validateRun(castVariant, shape, P({ surrogates: 'file' }))[0]).toMatch(/needs surrogatesFile/);
    expect(validateRun(castVariant, shape, P({ surrogatesFile: 'S.npy' }))[0]).toMatch(/set surrogates = file/);
    expect(validateRun(castVariant, shape, P({ mode: 'nope' }))[0]).toMatch(/mode must be one of topk, sa-topk/);
  });

  it('notes give the κ in use (CSV column kappa) and warn about uncovered tokens', () => {
    const notes = castVariant.notes!(shape, P({ clusters: 7 }));
    expect(notes[0]).toMatchObject({ kind: 'metric', csvColumn: 'kappa', value: 15 });
    const n2 = castVariant.notes!(shape, P({ clusters: 7, kappa: 5 }));
    expect(n2.some((x) => x.kind === 'note' && /65 tokens join no cluster/.test(x.text))).toBe(true);
    const big = castVariant.notes!({ ...shape, n: 100_000 }, P({ clusters: 300 }));
    expect(big.some((x) => x.kind === 'note' && /sample of 2048 of the 100000 rows/.test(x.text))).toBe(true);
  });
});

describe('cost model', () => {
  it('is the spec formula 4N·N_c·d + 4N·κ·d + 2N·N_c·d plus lower-order terms when N_c·κ = N', () => {
    for (const [n, nc, d] of [[16384, 128, 64], [4096, 64, 64], [1024, 32, 32]]) {
      const kappa = n / nc;
      const c = castCost({ n, d, dv: d, heads: 1, causal: false }, P({ clusters: nc, kappa }));
      const main = 4 * n * nc * d + 4 * n * kappa * d + 2 * n * nc * d;
      expect(c.flops).toBeGreaterThan(main);
      expect(c.flops).toBeLessThan(main * 1.15);
      // against exact attention (4N²d): ~N/N_c fewer FLOPs at the sweet spot
      expect((4 * n * n * d) / c.flops).toBeGreaterThan(nc / 3);
    }
  });

  it('scales with heads, counts SA clusters as ≤ κ, and has no N² term', () => {
    const s1 = { n: 4096, d: 64, dv: 64, heads: 1, causal: false };
    const a = castCost(s1, P({ clusters: 64 }));
    const b = castCost({ ...s1, heads: 3 }, P({ clusters: 64 }));
    expect(b.flops).toBeCloseTo(3 * a.flops, 0);
    expect(b.memory).toBeLessThan(3 * a.memory + 1);
    // Top-K with κ = N costs N_c·N²; SA with κ = N still visits each token once: ≤ N² pairs
    const topk = castCost(s1, P({ clusters: 4, kappa: 4096 }));
    const sa = castCost(s1, P({ clusters: 4, kappa: 4096, mode: 'sa-topk' }));
    expect(topk.flops / sa.flops).toBeGreaterThan(3);
    // memory is O(N·N_c): doubling N doubles it (no N×N buffer)
    const m2 = castCost({ ...s1, n: 8192 }, P({ clusters: 64 })).memory;
    expect(m2 / a.memory).toBeLessThan(2.1);
  });
});
