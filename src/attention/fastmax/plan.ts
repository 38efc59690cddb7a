// GPU plan of Fastmax (spec/variants.md §5): normalization (two-stage max-norm reduction),
// chunked key moments, their reduction (split-N) or exclusive scan (causal), the per-query
// numerator/denominator, and the division (+ the explicit intra-chunk terms when causal).
// Shaders: shaders/fastmax/*.wgsl; the layout (features, chunks, tiles): layout.ts.
import prepWgsl from '../../../shaders/fastmax/prep.wgsl';
import stateWgsl from '../../../shaders/fastmax/state.wgsl';
import scanWgsl from '../../../shaders/fastmax/scan.wgsl';
import queryWgsl from '../../../shaders/fastmax/query.wgsl';
import finalizeWgsl from '../../../shaders/fastmax/finalize.wgsl';
import mapWgsl from '../../../shaders/fastmax/map.wgsl';
import type { Gpu } from '../../gpu/gpu';
import type { BindingKind, CompiledPipeline } from '../../gpu/pipelines';
import { packUniform } from '../../gpu/uniforms';
import { GpuError } from '../../gpu/errors';
import type { Extra, GpuInputs, MapRequest, MapWindow, Plan, Shape } from '../types';
import { checkMapRequest } from '../map-request';
import { fastmaxLayout, pairTable, TARGET_STATE_GROUPS, TARGET_STATE_GROUPS_SOFTWARE, type FastmaxLayout, type LayoutOptions } from './layout';
import { fastmaxFlopTerms } from './cost';
import { positivity, type FastmaxParams } from './reference';

export const SHADERS = {
  prep: prepWgsl,
  state: stateWgsl,
  scan: scanWgsl,
  query: queryWgsl,
  finalize: finalizeWgsl,
  map: mapWgsl,
};

/** The Params struct shared by every fastmax shader, in declaration order. */
const UNIFORM = {
  n: 'u32', d: 'u32', dv: 'u32', heads: 'u32',
  causal: 'u32', p: 'u32', nfeat: 'u32', chunk: 'u32',
  chunks: 'u32', ftiles: 'u32', etiles: 'u32', rtiles: 'u32',
  g0: 'u32', groups: 'u32', center: 'u32', normalize: 'u32',
  lim: 'f32', invT: 'f32', a0: 'f32', a1: 'f32',
  a2: 'f32', mode: 'u32', row0: 'u32', rows: 'u32',
  pool: 'u32', pcols: 'u32', base: 'u32', head: 'u32',
  cpg: 'u32', rpg: 'u32',
} as const;
type UniformValues = Record<keyof typeof UNIFORM, number | boolean>;

const BIND: Record<'prep' | 'state' | 'scan' | 'query' | 'finalize' | 'map', BindingKind[]> = {
  prep: ['uniform', 'read', 'read', 'storage', 'storage', 'storage'],
  state: ['uniform', 'read', 'read', 'read', 'read', 'storage'],
  scan: ['uniform', 'storage'],
  query: ['uniform', 'read', 'read', 'read', 'read', 'read', 'storage'],
  finalize: ['uniform', 'read', 'read', 'read', 'read', 'read', 'read', 'storage'],
  map: ['uniform', 'read', 'read', 'read', 'read', 'storage'],
};

/** One dispatch of a forward, with its share of the FLOPs (for splitting into parts). */
export interface Dispatch {
  label: string;
  flops: number;
  encode(pass: GPUComputePassEncoder): void;
}

class Allocations {
  readonly list: GPUBuffer[] = [];
  constructor(private readonly gpu: Gpu) {}
  add<T extends GPUBuffer>(b: T): T {
    this.list.push(b);
    return b;
  }
  get bytes(): number {
    return this.list.reduce((s, b) => s + b.size, 0);
  }
  releaseAll() {
    for (const b of this.list) this.gpu.release(b);
    this.list.length = 0;
  }
}

/** Greedy packing of items into parts of at most `budget` FLOPs each (an item is never split here). */
export function packParts<T extends { flops: number }>(items: T[], budget: number): T[][] {
  const parts: T[][] = [];
  let cur: T[] = [];
  let sum = 0;
  for (const it of items) {
    if (cur.length && sum + it.flops > budget) {
      parts.push(cur);
      cur = [];
      sum = 0;
    }
    cur.push(it);
    sum += it.flops;
  }
  if (cur.length) parts.push(cur);
  return parts;
}

export interface FastmaxPlanOptions extends LayoutOptions {}

export async function planFastmax(gpu: Gpu, shape: Shape, fp: FastmaxParams, inputs: GpuInputs, opts: FastmaxPlanOptions = {}): Promise<Plan & { layout: FastmaxLayout; dispatches: readonly Dispatch[] }> {
  const { n, d, dv, heads, causal } = shape;
  const L = fastmaxLayout(shape, fp.p, {
    maxBinding: gpu.limits.maxStorageBufferBindingSize,
    targetGroups: gpu.adapter.isFallback ? TARGET_STATE_GROUPS_SOFTWARE : TARGET_STATE_GROUPS,
    ...opts,
  });
  const D = L.nfeat;
  const W = L.width;
  const runStats = fp.center || fp.normalize;
  const common: UniformValues = {
    n, d, dv, heads, causal, p: fp.p, nfeat: D, chunk: L.chunk,
    chunks: L.chunks, ftiles: L.ftiles, etiles: L.etiles, rtiles: L.rtiles,
    g0: 0, groups: 0, center: fp.center, normalize: fp.normalize,
    lim: fp.lim, invT: 1 / fp.T, a0: fp.a0, a1: fp.a1,
    a2: fp.a2, mode: 0, row0: 0, rows: 0, pool: 1, pcols: 0, base: 0, head: 0,
    cpg: L.cpg, rpg: L.rpg,
  };
  const alloc = new Allocations(gpu);
  const uniform = (label: string, v: Partial<UniformValues>) => alloc.add(gpu.uniform(`fastmax.${label}.params`, packUniform(UNIFORM, { ...common, ...v })));

  const [pStats, pFinish, pState, pScan, pQuery, pDivide, pIntra] = await Promise.all([
    gpu.pipelines.get({ shader: SHADERS.prep, entryPoint: 'stats', bindings: BIND.prep }),
    gpu.pipelines.get({ shader: SHADERS.prep, entryPoint: 'finish', bindings: BIND.prep }),
    gpu.pipelines.get({ shader: SHADERS.state, entryPoint: 'main', bindings: BIND.state }),
    gpu.pipelines.get({ shader: SHADERS.scan, entryPoint: 'main', bindings: BIND.scan }),
    gpu.pipelines.get({ shader: SHADERS.query, entryPoint: 'main', bindings: BIND.query }),
    gpu.pipelines.get({ shader: SHADERS.finalize, entryPoint: 'divide', bindings: BIND.finalize }),
    gpu.pipelines.get({ shader: SHADERS.finalize, entryPoint: 'intra', bindings: BIND.finalize }),
  ]);

  const mu = alloc.add(gpu.buffer('fastmax.means (2×H×N)', fp.center ? 2 * heads * n * 4 : 16));
  const part = alloc.add(gpu.buffer('fastmax.partial max-norms', 2 * heads * L.rtiles * 4));
  const coef = alloc.add(gpu.buffer('fastmax.coefficients', heads * 8 * 4));
  const pairs = alloc.add(gpu.upload('fastmax.pairs', pairTable(d, fp.p)));
  const state = alloc.add(gpu.buffer(`fastmax.chunk states (H×${L.chunks}×${D}×${W})`, L.stateBytes));
  const y = alloc.add(gpu.buffer('fastmax.numerators+denominators (H×N×(dv+1))', heads * n * W * 4));
  const output = alloc.add(gpu.buffer('fastmax.output', heads * n * dv * 4));

  const terms = fastmaxFlopTerms(shape, fp.center, fp.normalize, L);
  const budget = gpu.maxFlopsPerSubmit;

  /** dispatches `total` workgroups of `pipe` in ranges of at most budget/perGroup FLOPs each */
  const split = (label: string, pipe: CompiledPipeline, total: number, totalFlops: number, bind: (u: GPUBuffer) => GPUBuffer[], extra: Partial<UniformValues> = {}): Dispatch[] => {
    const perGroup = totalFlops / Math.max(total, 1);
    const step = Math.max(1, Math.min(total, Math.floor(budget / Math.max(perGroup, 1))));
    const items: Dispatch[] = [];
    for (let g0 = 0; g0 < total; g0 += step) {
      const groups = Math.min(step, total - g0);
      const u = uniform(label, { ...extra, g0, groups });
      const bg = gpu.bindGroup(pipe, `fastmax.${label}`, bind(u));
      items.push({ label, flops: perGroup * groups, encode: (pass) => gpu.dispatch(pass, pipe, bg, groups) });
    }
    return items;
  };

  const prepDispatches = (): Dispatch[] => {
    const items: Dispatch[] = [];
    const bind = (u: GPUBuffer) => [u, inputs.q, inputs.k, mu, part, coef];
    if (runStats) items.push(...split('stats', pStats, 2 * heads * Math.ceil(L.rtiles / L.rpg), terms.stats, bind));
    items.push(...split('finish', pFinish, heads, heads * L.rtiles * 2, bind, { mode: runStats ? 1 : 0 }));
    return items;
  };

  const items: Dispatch[] = [...prepDispatches()];
  items.push(...split('state', pState, L.stateGroups, terms.state, (u) => [u, inputs.k, inputs.v, mu, pairs, state]));
  if (causal || L.chunks > 1) {
    const blocks = Math.ceil((D * W) / 256);
    items.push(...split('scan', pScan, heads * blocks, terms.scan, (u) => [u, state], { mode: causal ? 1 : 0 }));
  }
  items.push(...split('query', pQuery, L.rowGroups, terms.query, (u) => [u, inputs.q, mu, coef, pairs, state, y]));
  const finBind = (u: GPUBuffer) => [u, inputs.q, inputs.k, inputs.v, mu, coef, y, output];
  if (causal) items.push(...split('intra', pIntra, L.rowGroups, terms.finalize, finBind));
  else items.push(...split('divide', pDivide, Math.ceil((heads * n * dv) / 256), terms.finalize, finBind));

  const parts = packParts(items, budget);
  const prepOnly = prepDispatches();

  let mapPipes: Promise<[CompiledPipeline, CompiledPipeline]> | undefined;
  const readMap = async (req: MapRequest): Promise<MapWindow> => {
    const errs = checkMapRequest(shape, req);
    if (errs.length) throw new GpuError('validation', errs.join('; '));
    mapPipes ??= Promise.all([
      gpu.pipelines.get({ shader: SHADERS.map, entryPoint: 'rows', bindings: BIND.map }),
      gpu.pipelines.get({ shader: SHADERS.map, entryPoint: 'pooledMap', bindings: BIND.map }),
    ]);
    const [pRows, pPooled] = await mapPipes;
    const pipe = req.kind === 'rows' ? pRows : pPooled;
    const pool = req.kind === 'rows' ? 1 : req.pool;
    const pcols = Math.ceil(n / pool);
    const outRows = req.kind === 'rows' ? req.rows : pcols;
    const outCols = req.kind === 'rows' ? n : pcols;
    const units = req.kind === 'rows' ? req.rows : pcols;
    const unitFlops = 2 * pool * (causal ? n / 2 : n) * (2 * d + 5);
    const perPart = Math.max(1, Math.floor(budget / unitFlops));
    const out = gpu.buffer('fastmax.map', outRows * outCols * 4);
    const uniforms: GPUBuffer[] = [];
    try {
      return await gpu.scoped('Fastmax attention map', async () => {
        // the normalization first: the map needs the means and the coefficients, not the forward
        submit(gpu, 'fastmax.map.prep', (pass) => prepOnly.forEach((it) => it.encode(pass)));
        for (let u0 = 0; u0 < units; u0 += perPart) {
          const count = Math.min(perPart, units - u0);
          const row0 = req.kind === 'rows' ? req.row0 + u0 : u0;
          const base = req.kind === 'rows' ? req.row0 : 0;
          const uni = gpu.uniform('fastmax.map.params', packUniform(UNIFORM, { ...common, head: req.head, row0, rows: count, pool, pcols, base }));
          uniforms.push(uni);
          const bg = gpu.bindGroup(pipe, 'fastmax.map', [uni, inputs.q, inputs.k, mu, coef, out]);
          submit(gpu, 'fastmax.map', (pass) => gpu.dispatch(pass, pipe, bg, count));
        }
        const data = await gpu.read(out, 0, outRows * outCols * 4);
        return {
          kind: req.kind, head: req.head, data, rows: outRows, cols: outCols,
          row0: req.kind === 'rows' ? req.row0 : 0, pool,
          // the map is negative where f is: possible when f is not positive on the reachable range
          signed: positivity(fp).fMin < 0,
        };
      });
    } finally {
      gpu.release(out);
      for (const u of uniforms) gpu.release(u);
    }
  };

  const extras = async (): Promise<Extra[]> => {
    const c = await gpu.read(coef, 0, heads * 8 * 4);
    let nq = -1;
    let nk = -1;
    let alphaMin = Infinity;
    let alphaMax = -Infinity;
    for (let h = 0; h < heads; h++) {
      nq = Math.max(nq, c[h * 8 + 4]);
      nk = Math.max(nk, c[h * 8 + 5]);
      alphaMin = Math.min(alphaMin, c[h * 8 + 3]);
      alphaMax = Math.max(alphaMax, c[h * 8 + 3]);
    }
    const pos = positivity(fp);
    const range = Number.isFinite(pos.range) ? `|x| ≤ lim²/T = ${Number(pos.range.toPrecision(4))}` : 'every x (no normalization: x is unbounded)';
    const out: Extra[] = [
      {
        kind: 'metric', id: 'positive', label: 'f > 0 on the reachable range', value: pos.positive ? 1 : 0, csvColumn: 'fastmax_positive',
        help: `1 when f(x) = a0 + a1·x${fp.p === 2 ? ' + a2·x²' : ''} > 0 for ${range} (analytic, from a0, a1, a2, lim, T): then every weight is positive and no denominator can vanish.`,
      },
      {
        kind: 'metric', id: 'f-min', label: 'min f on the reachable range', value: Number.isFinite(pos.fMin) ? pos.fMin : null, csvColumn: 'fastmax_f_min',
        help: Number.isFinite(pos.fMin) ? `attained at x = ${Number(pos.argMin.toPrecision(4))}` : 'unbounded below: without normalization x is unbounded',
      },
    ];
    if (runStats) {
      const what = fp.center ? 'centred ' : '';
      out.push(
        { kind: 'metric', id: 'max-norm-q', label: `largest ${what}‖q‖ (max over heads)`, value: nq, csvColumn: 'fastmax_max_norm_q', help: `max_i ‖q_i${fp.center ? ' − mean(q_i)' : ''}‖, measured on the GPU (stage 2 of the max-norm reduction); normalization divides by it per head.` },
        { kind: 'metric', id: 'max-norm-k', label: `largest ${what}‖k‖ (max over heads)`, value: nk, csvColumn: 'fastmax_max_norm_k', help: 'the same for the keys' },
      );
    }
    out.push({
      kind: 'metric', id: 'alpha', label: 'α in x = α·(q − μ)·(k − μ)', value: heads === 1 || alphaMin === alphaMax ? alphaMin : alphaMax,
      help: 'x = α·(q − μ)·(k − μ) with α = lim²/(‖q‖_max‖k‖_max·T) under normalization, 1/T without' + (heads > 1 ? ' (largest over heads)' : ''),
    });
    out.push({
      kind: 'note', id: 'layout', tone: 'info',
      text: `State: ${D} key features (${fp.p === 2 ? `1 + ${d} + ${(d * (d + 1)) / 2} symmetric-packed pairs` : `1 + ${d}`}) × ${dv} values + 1 denominator column, ${L.chunks} chunk${L.chunks > 1 ? 's' : ''} of ${L.chunk} keys (${causal ? 'exclusive prefix scan' : 'split-N partial sums, then a reduction'}), ${parts.length} submit${parts.length > 1 ? 's' : ''} per forward.`,
    });
    return out;
  };

  return {
    /** the forward's dispatches in order (per-kernel profiling) */
    dispatches: items,
    layout: L,
    parts: parts.length,
    encode: (pass, p) => parts[p].forEach((it) => it.encode(pass)),
    output,
    get bytesAllocated() {
      return alloc.bytes;
    },
    readMap,
    extras,
    destroy: () => alloc.releaseAll(),
  };
}

function submit(gpu: Gpu, label: string, fn: (pass: GPUComputePassEncoder) => void) {
  const enc = gpu.device.createCommandEncoder({ label });
  const pass = enc.beginComputePass({ label });
  fn(pass);
  pass.end();
  gpu.device.queue.submit([enc.finish()]);
}
