// GPU plan of CAST (docs/spec/variants.md §3). One forward, per head:
//   logits.wgsl   A_q, A_k = Q·Sᵀ/τ, K·Sᵀ/τ           (per token, S tiles shared; cluster-major N_c×N)
//   softmax.wgsl  W = softmax_c(A_q), A_g               (per token)
//   select.wgsl   Top-K: select → compact               (radix select per cluster)
//                 SA Top-K: init → rounds of propose → select → advance (indirect) → compact
//   summary.wgsl  R_c, r^c statistics                   (per cluster)
//   intra.wgsl    Y^c = softmax(Q_I K_Iᵀ/√d)·V_I        (flash over gathered members)
//   mix.wgsl      O = Σ W·(Y or R) / Σ W                 (per token)
// Nothing is N×N: the largest buffers are N_c×N (logits, A_g, member slots) and N_c×κ×dv (Y).
// The surrogates S are fixed before encoding (surrogates.ts): k-means reads a sample of K
// (or Q and K) back from the GPU while the plan is built — never in the middle of a forward.
import logitsWgsl from '../../../shaders/cast/logits.wgsl';
import softmaxWgsl from '../../../shaders/cast/softmax.wgsl';
import selectWgsl from '../../../shaders/cast/select.wgsl';
import controlWgsl from '../../../shaders/cast/control.wgsl';
import summaryWgsl from '../../../shaders/cast/summary.wgsl';
import intraWgsl from '../../../shaders/cast/intra.wgsl';
import mixWgsl from '../../../shaders/cast/mix.wgsl';
import mapWgsl from '../../../shaders/cast/map.wgsl';
import statsWgsl from '../../../shaders/cast/stats.wgsl';
import type { Gpu } from '../../gpu/gpu';
import { foldGrid } from '../../gpu/gpu';
import { pow2Bucket } from '../../gpu/uniforms';
import { GpuError } from '../../gpu/errors';
import { runForward } from '../../gpu/timing';
import type { CompiledPipeline } from '../../gpu/pipelines';
import { Allocations, packParts, readUnits, type Step } from '../../gpu/plan-kit';
import type { Extra, FileMap, GpuInputs, MapRequest, MapWindow, Plan, Shape } from '../types';
import type { ParamValues } from '../../params/schema';
import { checkMapRequest } from '../map-request';
import { castConfig, type CastConfig } from './reference';
import { INTRA_ROWS, LOGIT_TOKENS, MIX_TOKENS } from './sizes';
import { randomSurrogates, sampleRows, surrogatesFromFiles, surrogatesFromSample, type SurrogateSource } from './surrogates';

export const SHADERS = {
  logits: logitsWgsl,
  softmax: softmaxWgsl,
  select: selectWgsl,
  control: controlWgsl,
  summary: summaryWgsl,
  intra: intraWgsl,
  mix: mixWgsl,
  map: mapWgsl,
  stats: statsWgsl,
};

/** Values of the uniform every CAST kernel reads (`struct Params`, shaders/cast/params.wgsl). */
export type CastUniform = Record<string, number>;

/**
 * The fields of the uniform a forward does not use: the SA grids (set for control.wgsl) and
 * the fitting step (set by fit.ts).
 */
export const UNUSED_FIELDS: CastUniform = {
  px: 0, py: 0, sx: 0, sy: 0,
  lossScale: 0, lr: 0, beta1: 0, beta2: 0, eps: 0, c1: 0, c2: 0, gz: 0, dlanes: 0,
};

export { INTRA_ROWS, LOGIT_TOKENS, MIX_TOKENS };
export const NONE = 0xffffffff;
/** most columns of a pooled map (PMAX in map.wgsl, as the exact map) */
export const MAP_POOLED_MAX = 2048;

/**
 * Most deferred-acceptance rounds SA Top-K encodes. Rounds after convergence are indirect
 * dispatches of zero workgroups (free). N_c + 64 covers the worst case we know of — all A_g
 * tied, where each round fills exactly one more cluster — and random data needs ~5–15.
 */
export function saMaxRounds(clusters: number): number {
  return clusters + 64;
}

const MODE = { topk: 0, 'sa-topk': 1 } as const;
const AFFINITY = { sum: 0, product: 1, query: 2 } as const;

export interface CastPlanOptions {
  /** H×N_c×d surrogates to use instead of resolving them from the params (fitting, tests) */
  surrogates?: Float32Array;
  /** SA Top-K rounds to encode instead of saMaxRounds(N_c) (tests of the non-converged path) */
  saRounds?: number;
  /**
   * Workgroup and tile sizes: the adapter's kind (default), or those of a GPU / a software
   * adapter whatever the adapter is (tests run the GPU sizes on SwiftShader too).
   */
  sizes?: 'auto' | 'gpu' | 'software';
}

export interface CastPlan extends Plan {
  readonly config: CastConfig;
  /** the H×N_c×d f32 surrogates this plan uses */
  readonly surrogates: Float32Array;
  /** after a forward: each head's clusters (token indices, ascending) */
  readSelection(): Promise<number[][][]>;
  /** after a forward in SA Top-K mode: rounds run and whether they converged */
  readSaState(): Promise<{ rounds: number; converged: boolean }>;
  /** after a forward: per token (H×N), the number of clusters it joined and its main cluster (or NONE) */
  readTokenStats(): Promise<{ count: Uint32Array; best: Uint32Array }>;
  /** the dispatch groups of one forward, by label (profiling: docs/benchmarks-cast.md) */
  readonly items: readonly Step[];
  /** buffers of a forward, for the surrogate fitting (cluster-major N_c×N per head) */
  readonly buffers: {
    s: GPUBuffer; w: GPUBuffer; lk: GPUBuffer; slot: GPUBuffer; mem: GPUBuffer; cnt: GPUBuffer;
    /** summaries R, summary weights r per member slot, intra-cluster rows Y (vec4 rows of dv4) */
    r: GPUBuffer; rw: GPUBuffer; y: GPUBuffer;
  };
  /** the compile-time sizes the plan chose (the fitting kernels use the same) */
  readonly sizes: { dmax: number; dv4: number; sb: number };
  /** the uniform values of this plan's forward (group0, groups… as for a whole dispatch) */
  readonly uniform: CastUniform;
}

/** Reads the given rows (row-major, rowFloats f32 each) of a GPU buffer, in order. Consecutive rows are read in one copy. */
async function readRows(gpu: Gpu, src: GPUBuffer, rowFloats: number, rows: number[]): Promise<Float32Array> {
  const rowBytes = rowFloats * 4;
  const staging = gpu.device.createBuffer({ label: 'cast.sample readback', size: Math.max(4, rows.length * rowBytes), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const enc = gpu.device.createCommandEncoder({ label: 'cast.sample readback' });
    for (let j = 0; j < rows.length; ) {
      let run = 1;
      while (j + run < rows.length && rows[j + run] === rows[j] + run) run++;
      enc.copyBufferToBuffer(src, rows[j] * rowBytes, staging, j * rowBytes, run * rowBytes);
      j += run;
    }
    gpu.device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    return new Float32Array(staging.getMappedRange().slice(0));
  } finally {
    staging.destroy();
  }
}

/**
 * The H×N_c×d surrogates of a run: from the file `surrogatesFile` names (its bytes in
 * `files`), seeded random, or k-means of rows read back from the GPU.
 */
export async function planSurrogates(gpu: Gpu, shape: Shape, p: ParamValues, inputs: GpuInputs, files?: FileMap): Promise<Float32Array> {
  const { n, d, heads } = shape;
  const nc = Number(p.clusters);
  const source = p.surrogates as SurrogateSource;
  const seed = Number(p.surrogateSeed);
  if (source === 'file') {
    try {
      return surrogatesFromFiles(String(p.surrogatesFile ?? ''), files, nc, d, heads);
    } catch (e) {
      throw new GpuError('validation', (e as Error).message);
    }
  }
  const out = new Float32Array(heads * nc * d);
  for (let h = 0; h < heads; h++) {
    if (source === 'random') {
      out.set(randomSurrogates(nc, d, seed, h), h * nc * d);
      continue;
    }
    const { picks } = sampleRows(source, n, nc);
    // rows of Q (picks < N, kmeans-qk only) and of K, in sample order
    const fromQ = source === 'kmeans-qk' ? picks.filter((r) => r < n) : [];
    const fromK = source === 'kmeans-qk' ? picks.filter((r) => r >= n).map((r) => r - n) : picks;
    const q = fromQ.length ? await readRows(gpu, inputs.q, d, fromQ.map((r) => h * n + r)) : new Float32Array(0);
    const k = await readRows(gpu, inputs.k, d, fromK.map((r) => h * n + r));
    const sample = new Float64Array(picks.length * d);
    sample.set(q.subarray(0, fromQ.length * d), 0);
    sample.set(k.subarray(0, fromK.length * d), fromQ.length * d);
    out.set(surrogatesFromSample(sample, picks.length, d, nc, seed, h), h * nc * d);
  }
  return out;
}

export async function planCast(gpu: Gpu, shape: Shape, p: ParamValues, inputs: GpuInputs, opts: CastPlanOptions = {}, files?: FileMap): Promise<CastPlan> {
  const { n, d, dv, heads } = shape;
  const cfg = castConfig(n, p);
  const nc = cfg.clusters;
  const kappa = cfg.kappa;
  const sa = cfg.mode === 'sa-topk';
  if (!(nc >= 1 && nc <= n && kappa >= 1 && kappa <= n)) {
    throw new GpuError('validation', `CAST needs 1 ≤ N_c ≤ N and 1 ≤ κ ≤ N; got N = ${n}, N_c = ${nc}, κ = ${kappa}`);
  }
  const surrogates = opts.surrogates ?? (await planSurrogates(gpu, shape, p, inputs, files));
  if (surrogates.length !== heads * nc * d) throw new GpuError('validation', `CAST surrogates must hold H·N_c·d = ${heads * nc * d} values, got ${surrogates.length}`);

  const dmax = pow2Bucket(Math.max(d, dv), 4);
  const soft = opts.sizes === 'software' || ((opts.sizes ?? 'auto') === 'auto' && gpu.adapter.isFallback);
  // Tiles staged in workgroup memory: the intra-cluster kernel's two BC×DMAX key/value tiles
  // (≤ 32 KiB, as the exact flash kernel) and the CT×DMAX surrogate / summary tiles of the
  // logits and mixing kernels (≤ 16 KiB). A software adapter pays per workgroup for large
  // workgroup memory (measured: the intra-cluster kernel at N = 1024, N_c = 128 took 4.6×
  // longer with 64-key tiles than with 16-key tiles on SwiftShader), so it gets small
  // key/value tiles; the logits kernel ran as fast with 16 as with 64 surrogates per tile
  // there (and 1.6× slower reading S straight from global memory without tiles). BC is a
  // multiple of 16 (the flash tile loop takes 16 keys at a time): dmax ≤ 256.
  const bc = Math.min(soft ? 16 : 64, 4096 / dmax);
  const ctLogits = Math.min(64, 4096 / pow2Bucket(d, 4));
  const ctMix = Math.min(64, 4096 / dmax);
  const dv4 = Math.ceil(dv / 4);
  const cols = pow2Bucket(dv4, 1);
  // per-cluster kernels (select, summary) run SB² invocations: 256 on a GPU, 64 on a software
  // adapter, where a barrier costs a switch through every invocation of the workgroup
  const sb = soft ? 8 : 16;
  const lanes = (sb * sb) / cols;
  const own = new Allocations(gpu);
  const hnN = heads * nc * n;
  const buf = (label: string, floats: number) => own.buffer(`cast.${label}`, floats);
  const output = buf('output', heads * n * dv);
  const sBuf = own.upload('cast.surrogates', surrogates);
  const w = buf('W (logits of Q, then softmax) H×N_c×N', hnN);
  const lk = buf('A_k logits H×N_c×N', hnN);
  const ag = buf('A_g H×N_c×N', hnN);
  const slot = buf('member slots H×N_c×N', hnN);
  const mem = buf('members H×N_c×κ', heads * nc * kappa);
  const cnt = buf('member counts', heads * nc);
  const thr = buf('thresholds', heads * nc * 2);
  const choice = buf('SA choice', heads * n);
  const prop = buf('SA proposers', heads * nc);
  const ctrl = buf('SA control', 4);
  const args = own.add(gpu.buffer('cast.SA indirect args', 32, GPUBufferUsage.STORAGE | GPUBufferUsage.INDIRECT | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC));
  const y = buf('Y H×N_c×κ×dv', heads * nc * kappa * dv4 * 4);
  const r = buf('R H×N_c×dv', heads * nc * dv4 * 4);
  const rw = buf('summary weights r H×N_c×κ', heads * nc * kappa);

  const base: CastUniform = {
    n, d, dv, heads, nc, kappa, mode: MODE[cfg.mode], affinity: AFFINITY[cfg.affinity],
    group0: 0, groups: 0, tiles: 0, blocks: 0, scale: 1 / Math.sqrt(d), head: 0, row0: 0, base: 0,
    pool: 1, pcols: 0, lanes, dv4, ...UNUSED_FIELDS,
  };
  /** a uniform of `shader` (every CAST kernel reads the same struct), owned by `by` */
  const uni = (shader: keyof typeof SHADERS, over: CastUniform, by: Allocations = own) => by.params(SHADERS[shader], `cast.${shader} params`, { ...base, ...over });

  const pipe = (shader: keyof typeof SHADERS, entryPoint: string, defines?: Record<string, number>) => gpu.pipelines.get({ shader: SHADERS[shader], entryPoint, defines });
  const [pLogits, pSoftmax, pPropose, pSelect, pCompact, pInit, pAdvance, pSummary, pIntra, pMix] = await Promise.all([
    pipe('logits', 'main', { DMAX: pow2Bucket(d, 4), CT: ctLogits }),
    pipe('softmax', 'main'),
    ...['propose', 'select', 'compact'].map((e) => pipe('select', e, { SB: sb })),
    pipe('control', 'init'),
    pipe('control', 'advance'),
    pipe('summary', 'main', { SB: sb }),
    pipe('intra', 'main', { DMAX: dmax, BC: bc }),
    pipe('mix', 'main', { DMAX: dmax, CT: ctMix }),
  ]);

  const items: Step[] = [];
  const maxF = gpu.maxFlopsPerSubmit;
  /** Splits `total` workgroups of `perGroup` FLOPs each into dispatches of ≤ maxFlopsPerSubmit. */
  const chunked = (shader: keyof typeof SHADERS, pl: CompiledPipeline, total: number, perGroup: number, over: CastUniform, bindings: (u: GPUBuffer) => GPUBuffer[]) => {
    const label = `cast.${shader}`;
    const per = Math.max(1, Math.floor(maxF / Math.max(perGroup, 1)));
    for (let g0 = 0; g0 < total; g0 += per) {
      const groups = Math.min(per, total - g0);
      const bg = gpu.bindGroup(pl, label, bindings(uni(shader, { ...over, group0: g0, groups })));
      items.push({ label, flops: groups * perGroup, encode: (pass) => gpu.dispatch(pass, pl, bg, groups) });
    }
  };

  // 1. logits
  const tilesI = Math.ceil(n / LOGIT_TOKENS);
  chunked('logits', pLogits, heads * tilesI, LOGIT_TOKENS * nc * 4 * d, { tiles: tilesI }, (u) => [u, inputs.q, inputs.k, sBuf, w, lk]);
  // 2. softmax over clusters
  const tokenGroups = Math.ceil((heads * n) / 256);
  {
    const bg = gpu.bindGroup(pSoftmax, 'cast.softmax', [uni('softmax', {}), w, lk, ag]);
    items.push({ label: 'cast.softmax', flops: heads * n * nc * 12, encode: (pass) => gpu.dispatch(pass, pSoftmax, bg, tokenGroups) });
  }
  // 3. selection
  const selBindings = (u: GPUBuffer) => [u, ag, choice, thr, slot, mem, cnt, ctrl, prop];
  const selUni = uni('select', { group0: 0, groups: heads * nc });
  const bgSel = gpu.bindGroup(pSelect, 'cast.select', selBindings(selUni));
  const bgCompact = gpu.bindGroup(pCompact, 'cast.compact', selBindings(selUni));
  const selectOps = heads * nc * n * 9;
  if (!sa) {
    items.push({
      label: 'cast.select+compact',
      flops: selectOps,
      encode: (pass) => {
        gpu.dispatch(pass, pSelect, bgSel, heads * nc);
        gpu.dispatch(pass, pCompact, bgCompact, heads * nc);
      },
    });
  } else {
    const maxDim = gpu.limits.maxComputeWorkgroupsPerDimension;
    const [px, py] = foldGrid(tokenGroups, maxDim);
    const [sx, sy] = foldGrid(heads * nc, maxDim);
    const ctlBindings = [uni('control', { px, py, sx, sy }), thr, ctrl, args, choice, prop];
    const bgInit = gpu.bindGroup(pInit, 'cast.sa init', ctlBindings);
    const bgAdvance = gpu.bindGroup(pAdvance, 'cast.sa advance', ctlBindings);
    const bgPropose = gpu.bindGroup(pPropose, 'cast.sa propose', selBindings(selUni));
    const rounds = opts.saRounds ?? saMaxRounds(nc);
    items.push({
      label: 'cast.sa-topk',
      flops: selectOps * 2, // a typical run converges in a handful of rounds
      encode: (pass) => {
        gpu.dispatch(pass, pInit, bgInit, 1);
        for (let round = 0; round < rounds; round++) {
          pass.setPipeline(pPropose.pipeline);
          pass.setBindGroup(0, bgPropose);
          pass.dispatchWorkgroupsIndirect(args, 0);
          pass.setPipeline(pSelect.pipeline);
          pass.setBindGroup(0, bgSel);
          pass.dispatchWorkgroupsIndirect(args, 12);
          gpu.dispatch(pass, pAdvance, bgAdvance, 1);
        }
        gpu.dispatch(pass, pCompact, bgCompact, heads * nc);
      },
    });
  }
  // 4. summaries
  {
    const bg = gpu.bindGroup(pSummary, 'cast.summary', [uni('summary', { group0: 0, groups: heads * nc }), lk, inputs.v, mem, cnt, r, rw]);
    items.push({ label: 'cast.summary', flops: heads * nc * kappa * (2 * dv + 6), encode: (pass) => gpu.dispatch(pass, pSummary, bg, heads * nc) });
  }
  // 5. intra-cluster attention
  const blocks = Math.ceil(kappa / INTRA_ROWS);
  chunked('intra', pIntra, heads * nc * blocks, INTRA_ROWS * kappa * (2 * d + 2 * dv + 5), { blocks }, (u) => [u, inputs.q, inputs.k, inputs.v, mem, cnt, y]);
  // 6. mixing
  const mixTiles = Math.ceil(n / MIX_TOKENS);
  chunked('mix', pMix, heads * mixTiles, MIX_TOKENS * nc * 2 * dv, { tiles: mixTiles }, (u) => [u, w, slot, cnt, r, y, output]);

  // the items packed into parts of ≤ maxFlopsPerSubmit (an item is never split here)
  const parts = packParts(items, maxF);

  const readU32 = async (b: GPUBuffer, bytes: number) => new Uint32Array((await gpu.read(b, 0, bytes)).buffer);

  const plan: CastPlan = {
    parts: parts.length,
    encode: (pass, part) => {
      for (const it of parts[part]) it.encode(pass);
    },
    output,
    get bytesAllocated() {
      return own.bytes;
    },
    config: cfg,
    surrogates,
    items,
    buffers: { s: sBuf, w, lk, slot, mem, cnt, r, rw, y },
    sizes: { dmax, dv4, sb },
    uniform: { ...base, group0: 0, groups: heads * nc },
    async readSelection() {
      const counts = await readU32(cnt, heads * nc * 4);
      const members = await readU32(mem, heads * nc * kappa * 4);
      return Array.from({ length: heads }, (_, h) =>
        Array.from({ length: nc }, (_, c) => {
          const hc = h * nc + c;
          return Array.from(members.subarray(hc * kappa, hc * kappa + counts[hc]));
        }),
      );
    },
    async readSaState() {
      const s = await readU32(ctrl, 12);
      return { rounds: s[1], converged: s[2] === 1 };
    },
    async readTokenStats() {
      const pStats = await pipe('stats', 'main');
      const temp = new Allocations(gpu);
      try {
        const out = temp.buffer('cast.token stats', heads * n * 2);
        return await gpu.scoped('CAST token statistics', async () => {
          const bg = gpu.bindGroup(pStats, 'cast.stats', [uni('stats', {}, temp), w, slot, out]);
          const enc = gpu.device.createCommandEncoder({ label: 'cast.stats' });
          const pass = enc.beginComputePass({ label: 'cast.stats' });
          gpu.dispatch(pass, pStats, bg, tokenGroups);
          pass.end();
          gpu.device.queue.submit([enc.finish()]);
          const all = await readU32(out, heads * n * 8);
          const count = new Uint32Array(heads * n);
          const best = new Uint32Array(heads * n);
          for (let x = 0; x < heads * n; x++) {
            count[x] = all[2 * x];
            best[x] = all[2 * x + 1];
          }
          return { count, best };
        });
      } finally {
        temp.releaseAll();
      }
    },
    readMap: (req) => readMap(req),
    extras: () => extras(),
    destroy: () => own.releaseAll(),
  };

  async function readMap(req: MapRequest): Promise<MapWindow> {
    const errs = checkMapRequest(shape, req);
    if (errs.length) throw new GpuError('validation', errs.join('; '));
    const rows = req.kind === 'rows';
    const pipeline = await pipe('map', rows ? 'rows' : 'pooledMap');
    const pool = rows ? 1 : req.pool;
    const pcols = Math.ceil(n / pool);
    const outRows = rows ? req.rows : pcols;
    const outCols = rows ? n : pcols;
    // per map row: every cluster's members once, and three passes of dot products over the
    // members of the clusters the row joined (about N_c·κ/N of them)
    const rowOps = nc * kappa * 6 + Math.max(1, (nc * kappa) / n) * 3 * kappa * 2 * d;
    const out = gpu.buffer('cast.map', outRows * outCols * 4);
    try {
      await gpu.scoped('CAST attention map: forward', () => runForward(gpu, plan, 'cast.map forward')); // the map reads the forward's buffers
      const data = await readUnits(gpu, {
        label: 'CAST attention map',
        pipeline,
        units: outRows,
        unitFlops: rowOps * pool,
        out,
        floats: outRows * outCols,
        bind: (temp, u0, count) => [
          uni('map', { head: req.head, row0: rows ? req.row0 + u0 : u0, base: rows ? req.row0 : 0, groups: count, pool, pcols }, temp),
          inputs.q, inputs.k, w, slot, mem, cnt, rw, out,
        ],
      });
      return { kind: req.kind, head: req.head, data, rows: outRows, cols: outCols, row0: rows ? req.row0 : 0, pool, signed: false };
    } finally {
      gpu.release(out);
    }
  }

  async function extras(): Promise<Extra[]> {
    const { count, best } = await plan.readTokenStats();
    const counts = await readU32(cnt, heads * nc * 4);
    let covered = 0;
    let multi = 0;
    for (const c of count) {
      if (c >= 1) covered++;
      if (c >= 2) multi++;
    }
    const total = heads * n;
    const empty = counts.reduce((s, c) => s + (c === 0 ? 1 : 0), 0);
    const list: Extra[] = [
      {
        kind: 'metric', id: 'coverage', label: 'Coverage', value: covered / total, csvColumn: 'cast_coverage',
        help: 'Fraction of tokens (over all heads) that joined at least one cluster; the others get only cluster summaries.',
      },
      {
        kind: 'metric', id: 'multiAssigned', label: 'Multiply assigned', value: multi / total, csvColumn: 'cast_multi_assigned',
        help: 'Fraction of tokens in two or more clusters (Top-K only: SA Top-K assigns each token at most once).',
      },
      {
        kind: 'metric', id: 'emptyClusters', label: 'Empty clusters', value: empty, csvColumn: 'cast_empty_clusters',
        help: 'Clusters (over all heads) that took no token; they are dropped from the mixing and W is renormalized.',
      },
      {
        kind: 'strip', id: 'cluster', label: 'Cluster of each token (head 0)', categorical: true,
        values: Int32Array.from(best.subarray(0, n), (b) => (b === NONE ? -1 : b)),
        help: 'The cluster each token joined (the one with the largest mixing weight W when it joined several); −1: in no cluster.',
      },
      {
        kind: 'strip', id: 'joined', label: 'Clusters joined per token (head 0)', categorical: false,
        values: Uint32Array.from(count.subarray(0, n)),
        help: '0: the token is in no cluster (summaries only); ≥ 2: multiply assigned (Top-K).',
      },
    ];
    if (sa) {
      const st = await plan.readSaState();
      list.push({
        kind: 'metric', id: 'saRounds', label: 'SA Top-K rounds', value: st.rounds, csvColumn: 'cast_sa_rounds',
        help: 'Rounds of the parallel deferred-acceptance assignment on the GPU, the last one confirming the fixed point.',
      });
      if (!st.converged) {
        list.push({
          kind: 'note', id: 'saNotConverged', tone: 'warning',
          text: `SA Top-K did not reach its fixed point within ${opts.saRounds ?? saMaxRounds(nc)} rounds: clusters were capped at κ by their last thresholds, so the assignment may differ from the greedy one.`,
        });
      }
    }
    return list;
  }

  return plan;
}
