// Fastmax cost model against the spec's formulas (docs/spec/benchmarks.md: p = 1 ≈ 4Nd² + 8Nd,
// p = 2 ≈ 4Nd³ + 6Nd², here with the d² key features symmetric-packed), the feature/pair
// table, the chunk layout, the parts packing, and the variant's validation and notes.
import { describe, it, expect } from 'vitest';
import { fastmaxCost, fastmaxFlopTerms, intraPairs } from '../../src/attention/fastmax/cost';
import { fastmaxLayout, featureCount, pairTable, STATE_BUDGET_BYTES, TARGET_STATE_GROUPS, TARGET_STATE_GROUPS_SOFTWARE, TILE } from '../../src/attention/fastmax/layout';
import { packParts } from '../../src/gpu/plan-kit';
import { fastmaxVariant } from '../../src/attention/fastmax/variant';
import { findVariant, validateRun, variantParams } from '../../src/attention/registry';
import { runParams } from '../../src/bench/run-params';
import type { Shape } from '../../src/attention/types';

const shape = (n: number, d: number, causal = false, heads = 1, dv = d): Shape => ({ n, d, dv, heads, causal });

describe('features and the symmetric pair table', () => {
  it('p = 1: (0,0) then (0,b); p = 2: then every a ≤ b — (d+1)(d+2)/2 in all', () => {
    expect(Array.from(pairTable(2, 1), (x) => [x & 0xffff, x >> 16])).toEqual([[0, 0], [0, 1], [0, 2]]);
    expect(Array.from(pairTable(2, 2), (x) => [x & 0xffff, x >> 16])).toEqual([[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]]);
    for (const d of [1, 3, 16, 64, 256]) {
      expect(featureCount(d, 1)).toBe(d + 1);
      expect(featureCount(d, 2)).toBe(1 + d + (d * (d + 1)) / 2);
      expect(pairTable(d, 2)).toHaveLength(featureCount(d, 2));
    }
    // p = 2 at d = 64: 64·65/2 = 2080 packed pairs instead of 64² = 4096
    expect(featureCount(64, 2) - 65).toBe(2080);
  });
});

describe('FLOP count', () => {
  it('a hand-derived count (N = 10, d = dv = 2, p = 2, one chunk)', () => {
    const L = fastmaxLayout(shape(10, 2), 2);
    expect(L).toMatchObject({ nfeat: 6, width: 3, chunks: 1, ftiles: 1, etiles: 1, rtiles: 1 });
    // stats: 2 tensors × 10 rows × (2 + 3·2); state: 10·(2·5·2 + 5 + 2 + 5); query: 10·(2·6·2 + 12 + 12); divide: 10·2
    expect(fastmaxFlopTerms(shape(10, 2), true, true, L)).toEqual({ stats: 160, state: 320, scan: 0, query: 480, finalize: 20 });
    expect(fastmaxCost(shape(10, 2), 2, true, true).flops).toBe(980);
  });

  it('p = 1 is the spec\'s 4Nd² + 8Nd within 5% (N = 16384, d = 64)', () => {
    const n = 16384;
    const d = 64;
    const spec = 4 * n * d * d + 8 * n * d;
    const got = fastmaxCost(shape(n, d), 1, true, true).flops;
    expect(Math.abs(got / spec - 1)).toBeLessThan(0.05);
    // causal adds the explicit intra-chunk pairs (chunks of 64 keys: ≈ 32 keys per query at
    // 2d + 2dv + 5 FLOPs, i.e. ≈ +50% at d = 64) and the exclusive scan of the chunk states
    const c = fastmaxCost(shape(n, d, true), 1, true, true).flops;
    const extra = intraPairs(n, 64) * (4 * d + 5) + n * d;
    expect(Math.abs((c - got - extra) / got)).toBeLessThan(0.01);
  });

  it('p = 2 is the spec\'s 4Nd³ + 6Nd² with d² → (d+1)(d+2)/2 features (symmetric packing), within 5%', () => {
    const n = 16384;
    const d = 64;
    const D = featureCount(d, 2);
    const packed = 4 * n * D * d + 6 * n * d * d;
    const got = fastmaxCost(shape(n, d), 2, true, true).flops;
    expect(Math.abs(got / packed - 1)).toBeLessThan(0.05);
    // ≈ half the unpacked spec count: (d + 1)(d + 2)/(2d²) = 0.524 at d = 64
    expect(got / (4 * n * d ** 3 + 6 * n * d * d)).toBeCloseTo(0.524, 1);
  });

  it('time is linear in N (no N² term) when not causal; causal adds only the intra-chunk pairs', () => {
    const a = fastmaxCost(shape(4096, 32), 2, true, true).flops;
    const b = fastmaxCost(shape(8192, 32), 2, true, true).flops;
    expect(b / a).toBeCloseTo(2, 2);
    const L = fastmaxLayout(shape(1000, 16, true), 2);
    expect(intraPairs(1000, L.chunk)).toBe(15 * (64 * 65) / 2 + (40 * 41) / 2);
  });

  it('memory holds the chunk states, Y and the output; no N×N and no N×d²×d tensor', () => {
    const s = shape(16384, 64, true);
    const c = fastmaxCost(s, 2, true, true);
    const L = fastmaxLayout(s, 2);
    expect(c.memory).toBeLessThan(L.stateBytes + 16384 * 65 * 4 * 3);
    expect(c.memory).toBeLessThan(16384 * 2080 * 64 * 4 / 10);
  });
});

describe('chunk layout', () => {
  it('causal chunks are multiples of 64 and keep the chunk states within the budget', () => {
    for (const [n, d, p] of [[100, 3, 2], [16384, 64, 2], [65536, 64, 2], [16384, 64, 1], [5000, 128, 2]] as const) {
      const L = fastmaxLayout(shape(n, d, true), p);
      expect(L.chunk % TILE).toBe(0);
      expect(L.chunks).toBe(Math.ceil(n / L.chunk));
      if (L.chunk > TILE) expect(L.stateBytes).toBeLessThanOrEqual(STATE_BUDGET_BYTES);
      // the shortest chunk within the budget
      if (L.chunk > TILE) expect(Math.ceil(n / (L.chunk / 2)) * L.nfeat * L.width * 4).toBeGreaterThan(STATE_BUDGET_BYTES);
    }
    expect(fastmaxLayout(shape(16384, 64, true), 1).chunk).toBe(64);
  });
  it('a smaller storage binding limit makes causal chunks longer', () => {
    const big = fastmaxLayout(shape(16384, 64, true), 2);
    const small = fastmaxLayout(shape(16384, 64, true), 2, { maxBinding: 16 * 1024 * 1024 });
    expect(small.chunk).toBeGreaterThan(big.chunk);
    expect(small.stateBytes).toBeLessThanOrEqual(16 * 1024 * 1024);
  });
  it('non-causal: split-N into ≈ 256 state workgroups, chunks of ≥ 64 keys', () => {
    const p1 = fastmaxLayout(shape(16384, 64), 1);
    expect(p1.chunks * p1.ftiles * p1.etiles).toBe(256);
    const p2 = fastmaxLayout(shape(16384, 64), 2);
    expect(p2.ftiles).toBe(34);
    expect(p2.chunks).toBe(8);
    expect(fastmaxLayout(shape(50, 8), 2).chunks).toBe(1);
  });
  it('workgroups: one chunk / row tile each for a GPU; several one after the other on a software adapter', () => {
    // causal at N = 16384: 128 chunks × 34 feature tiles, taken 17 chunks per workgroup → ≥ 256 workgroups
    const gpu = fastmaxLayout(shape(16384, 64, true), 2, { targetGroups: TARGET_STATE_GROUPS });
    expect([gpu.chunks, gpu.cpg, gpu.rpg]).toEqual([128, 17, 1]);
    expect(gpu.stateGroups).toBe(8 * 34);
    expect(gpu.rowGroups).toBe(256);
    const nc = fastmaxLayout(shape(16384, 64), 2, { targetGroups: TARGET_STATE_GROUPS });
    expect([nc.chunks, nc.cpg, nc.stateGroups]).toEqual([8, 1, 272]);
    const sw = fastmaxLayout(shape(16384, 64, true), 2, { targetGroups: TARGET_STATE_GROUPS_SOFTWARE });
    expect(sw.chunk).toBe(gpu.chunk); // same chunks (same intra-chunk work), fewer workgroups
    expect(sw.stateGroups).toBe(34);
    expect(sw.rowGroups).toBe(8);
    const p1 = fastmaxLayout(shape(16384, 64), 1, { targetGroups: TARGET_STATE_GROUPS_SOFTWARE });
    expect([p1.chunks, p1.stateGroups, p1.rowGroups]).toEqual([8, 8, 8]);
    expect(() => fastmaxLayout(shape(100, 4), 2, { cpg: 0 })).toThrow(/chunks per workgroup/);
  });
  it('a forced chunk is checked', () => {
    expect(() => fastmaxLayout(shape(100, 4, true), 2, { chunk: 48 })).toThrow(/multiple of 64/);
    expect(fastmaxLayout(shape(100, 4, false), 2, { chunk: 16 }).chunks).toBe(7);
  });
});

describe('parts', () => {
  it('packs dispatches in order into parts of at most the budget (an oversize one alone)', () => {
    const items = [3, 3, 5, 1, 9, 1].map((flops, i) => ({ flops, i }));
    expect(packParts(items, 6).map((p) => p.map((x) => x.i))).toEqual([[0, 1], [2, 3], [4], [5]]);
  });
});

describe('the variant', () => {
  const p = (over = {}) => variantParams(fastmaxVariant, over);
  it('is registered, with URL keys that do not collide with the run parameters', () => {
    expect(findVariant('fastmax')).toBe(fastmaxVariant);
    const keys = [...runParams.map((s) => s.urlKey), ...fastmaxVariant.params.map((s) => s.urlKey)];
    expect(new Set(keys).size).toBe(keys.length);
    expect(p()).toEqual({ p: 2, normalize: true, center: true, lim: 1, T: 1, a0: 1, a1: 1, a2: 0.5 });
  });
  it('validation: ranges, head dimension, an identically zero score', () => {
    expect(validateRun(fastmaxVariant, shape(10, 4), p())).toEqual([]);
    expect(validateRun(fastmaxVariant, shape(10, 4), p({ p: 3 }))).toEqual(['p must be between 1 and 2, got 3']);
    expect(validateRun(fastmaxVariant, shape(10, 300), p())[0]).toMatch(/head dimensions up to 256/);
    expect(validateRun(fastmaxVariant, shape(10, 4), p({ a0: 0, a1: 0, a2: 0 }))[0]).toMatch(/identically 0/);
    // p = 1 ignores a2: a0 = a1 = 0 is identically zero there
    expect(validateRun(fastmaxVariant, shape(10, 4), p({ p: 1, a0: 0, a1: 0 }))[0]).toMatch(/identically 0/);
    expect(validateRun(fastmaxVariant, shape(10, 4), p({ T: 0 }))[0]).toMatch(/T must be between/);
  });
  it('notes: the causal leak only with normalization; positivity warnings', () => {
    const ids = (s: Shape, over = {}) => fastmaxVariant.notes!(s, p(over)).map((x) => (x.kind === 'note' ? `${x.id}:${x.tone}` : x.id));
    expect(ids(shape(10, 4))).toEqual([]);
    expect(ids(shape(10, 4, true))).toEqual(['causal-leak:warning']);
    const leak = fastmaxVariant.notes!(shape(10, 4, true), p())[0];
    expect(leak.kind === 'note' && leak.text).toMatch(/global max-norm uses all tokens, so causal Fastmax leaks the future/);
    expect(ids(shape(10, 4, true), { normalize: false })).toEqual(['no-normalize:info']);
    expect(ids(shape(10, 4), { p: 1 })).toEqual(['positivity:info']);
    expect(ids(shape(10, 4), { p: 1, a1: 3 })).toEqual(['positivity:warning']);
    expect(ids(shape(10, 4), { a2: 0.3 })).toEqual(['taylor:info']);
  });
  it('the alternative reference is softmax of the same logits', () => {
    expect(fastmaxVariant.altReferences!.map((r) => r.id)).toEqual(['same_logits']);
  });
});
