// GPU plan of Fastmax (docs/spec/variants.md §5): normalization (two-stage max-norm reduction),
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
import type { CompiledPipeline } from '../../gpu/pipelines';
import type { ShaderSource } from '../../gpu/wgsl';
import { GpuError } from '../../gpu/errors';
import { Allocations, packParts, readUnits, submitParts, type Step } from '../../gpu/plan-kit';
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

/** The values of shaders/fastmax/params.wgsl's `Params` (every kernel's uniform), by field name. */
type ParamsValues = Record<string, number | boolean>;

export interface FastmaxPlanOptions extends LayoutOptions {}

export async function planFastmax(gpu: Gpu, shape: Shape, fp: FastmaxParams, inputs: GpuInputs, opts: FastmaxPlanOptions = {}): Promise<Plan & { layout: FastmaxLayout; dispatches: readonly Step[] }> {
  const { n, d, dv, heads, causal } = shape;
  const L = fastmaxLayout(shape, fp.p, {
    maxBinding: gpu.limits.maxStorageBufferBindingSize,
    targetGroups: gpu.adapter.isFallback ? TARGET_STATE_GROUPS_SOFTWARE : TARGET_STATE_GROUPS,
    ...opts,
  });
  const D = L.nfeat;
  const W = L.width;
  const runStats = fp.center || fp.normalize;
  const common: ParamsValues = {
    n, d, dv, heads, causal, p: fp.p, nfeat: D, chunk: L.chunk,
    chunks: L.chunks, ftiles: L.ftiles, etiles: L.etiles, rtiles: L.rtiles,
    g0: 0, groups: 0, center: fp.center, normalize: fp.normalize,
    lim: fp.lim, invT: 1 / fp.T, a0: fp.a0, a1: fp.a1,
    a2: fp.a2, mode: 0, row0: 0, rows: 0, pool: 1, pcols: 0, base: 0, head: 0,
    cpg: L.cpg, rpg: L.rpg,
  };
  const alloc = new Allocations(gpu);
  /** every kernel's uniform: the forward's values, with the dispatch's own on top */
  const params = (own: Allocations, shader: ShaderSource, label: string, v: ParamsValues) =>
    own.params(shader, `fastmax.${label}.params`, { ...common, ...v });

  const [pStats, pFinish, pState, pScan, pQuery, pDivide, pIntra] = await Promise.all([
    gpu.pipelines.get({ shader: SHADERS.prep, entryPoint: 'stats' }),
    gpu.pipelines.get({ shader: SHADERS.prep, entryPoint: 'finish' }),
    gpu.pipelines.get({ shader: SHADERS.state, entryPoint: 'main' }),
    gpu.pipelines.get({ shader: SHADERS.scan, entryPoint: 'main' }),
    gpu.pipelines.get({ shader: SHADERS.query, entryPoint: 'rowTiles' }),
    gpu.pipelines.get({ shader: SHADERS.finalize, entryPoint: 'divide' }),
    gpu.pipelines.get({ shader: SHADERS.finalize, entryPoint: 'rowTiles' }),
  ]);

  const mu = alloc.buffer('fastmax.means (2×H×N)', fp.center ? 2 * heads * n : 4);
  const part = alloc.buffer('fastmax.partial max-norms', 2 * heads * L.rtiles);
  const coef = alloc.buffer('fastmax.coefficients', heads * 8);
  const pairs = alloc.upload('fastmax.pairs', pairTable(d, fp.p));
  const state = alloc.buffer(`fastmax.chunk states (H×${L.chunks}×${D}×${W})`, L.stateBytes / 4);
  const y = alloc.buffer('fastmax.numerators+denominators (H×N×(dv+1))', heads * n * W);
  const output = alloc.buffer('fastmax.output', heads * n * dv);

  const terms = fastmaxFlopTerms(shape, fp.center, fp.normalize, L);
  const budget = gpu.maxFlopsPerSubmit;

  /** dispatches `total` workgroups of `pipe` in ranges of at most budget/perGroup FLOPs each */
  const split = (label: string, shader: ShaderSource, pipe: CompiledPipeline, total: number, totalFlops: number, bind: (u: GPUBuffer) => GPUBuffer[], extra: ParamsValues = {}): Step[] => {
    const perGroup = totalFlops / Math.max(total, 1);
    const step = Math.max(1, Math.min(total, Math.floor(budget / Math.max(perGroup, 1))));
    const items: Step[] = [];
    for (let g0 = 0; g0 < total; g0 += step) {
      const groups = Math.min(step, total - g0);
      const u = params(alloc, shader, label, { ...extra, g0, groups });
      const bg = gpu.bindGroup(pipe, `fastmax.${label}`, bind(u));
      items.push({ label, flops: perGroup * groups, encode: (pass) => gpu.dispatch(pass, pipe, bg, groups) });
    }
    return items;
  };

  const prepDispatches = (): Step[] => {
    const items: Step[] = [];
    const bind = (u: GPUBuffer) => [u, inputs.q, inputs.k, mu, part, coef];
    if (runStats) items.push(...split('stats', SHADERS.prep, pStats, 2 * heads * Math.ceil(L.rtiles / L.rpg), terms.stats, bind));
    items.push(...split('finish', SHADERS.prep, pFinish, heads, heads * L.rtiles * 2, bind, { mode: runStats ? 1 : 0 }));
    return items;
  };

  const items: Step[] = [...prepDispatches()];
  items.push(...split('state', SHADERS.state, pState, L.stateGroups, terms.state, (u) => [u, inputs.k, inputs.v, mu, pairs, state]));
  if (causal || L.chunks > 1) {
    const blocks = Math.ceil((D * W) / 256);
    items.push(...split('scan', SHADERS.scan, pScan, heads * blocks, terms.scan, (u) => [u, state], { mode: causal ? 1 : 0 }));
  }
  items.push(...split('query', SHADERS.query, pQuery, L.rowGroups, terms.query, (u) => [u, inputs.q, mu, coef, pairs, state, y]));
  const finBind = (u: GPUBuffer) => [u, inputs.q, inputs.k, inputs.v, mu, coef, y, output];
  if (causal) items.push(...split('intra', SHADERS.finalize, pIntra, L.rowGroups, terms.finalize, finBind));
  else items.push(...split('divide', SHADERS.finalize, pDivide, Math.ceil((heads * n * dv) / 256), terms.finalize, finBind));

  const parts = packParts(items, budget);
  const prepOnly = prepDispatches();

  let mapPipes: Promise<[CompiledPipeline, CompiledPipeline]> | undefined;
  const readMap = async (req: MapRequest): Promise<MapWindow> => {
    const errs = checkMapRequest(shape, req);
    if (errs.length) throw new GpuError('validation', errs.join('; '));
    mapPipes ??= Promise.all([
      gpu.pipelines.get({ shader: SHADERS.map, entryPoint: 'rows' }),
      gpu.pipelines.get({ shader: SHADERS.map, entryPoint: 'pooledMap' }),
    ]);
    const [pRows, pPooled] = await mapPipes;
    const pool = req.kind === 'rows' ? 1 : req.pool;
    const pcols = Math.ceil(n / pool);
    const outRows = req.kind === 'rows' ? req.rows : pcols;
    const outCols = req.kind === 'rows' ? n : pcols;
    const base = req.kind === 'rows' ? req.row0 : 0;
    const out = gpu.buffer('fastmax.map', outRows * outCols * 4);
    try {
      return await gpu.scoped('Fastmax attention map', async () => {
        // the normalization first: the map needs the means and the coefficients, not the forward
        await submitParts(gpu, prepOnly, 'fastmax.map.prep');
        const data = await readUnits(gpu, {
          label: 'fastmax.map',
          pipeline: req.kind === 'rows' ? pRows : pPooled,
          units: req.kind === 'rows' ? req.rows : pcols,
          unitFlops: 2 * pool * (causal ? n / 2 : n) * (2 * d + 5),
          out,
          floats: outRows * outCols,
          bind: (own, u0, rows) => [params(own, SHADERS.map, 'map', { head: req.head, row0: base + u0, rows, pool, pcols, base }), inputs.q, inputs.k, mu, coef, out],
        });
        return {
          kind: req.kind, head: req.head, data, rows: outRows, cols: outCols,
          row0: base, pool,
          // the map is negative where f is: possible when f is not positive on the reachable range
          signed: positivity(fp).fMin < 0,
        };
      });
    } finally {
      gpu.release(out);
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
