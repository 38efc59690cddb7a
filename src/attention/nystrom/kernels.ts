// The Nyström kernels as reusable dispatch steps: the batch Nyström plan and the continual
// engine's landmark updates (src/attention/continual) build their work from these.
//
// A Step is one dispatch with a FLOP estimate; long products are cut into several steps
// (ranges of workgroups, `g0`) so that `packParts` can keep each submit within
// gpu.maxFlopsPerSubmit. Every kernel takes the one Params uniform of shaders/nystrom/params.wgsl.
import MATMUL from '../../../shaders/nystrom/matmul.wgsl';
import SOFTMAX from '../../../shaders/nystrom/softmax.wgsl';
import LANDMARKS from '../../../shaders/nystrom/landmarks.wgsl';
import PINV from '../../../shaders/nystrom/pinv.wgsl';
import type { Gpu } from '../../gpu/gpu';
import type { CompiledPipeline } from '../../gpu/pipelines';
import type { Allocations, Step } from '../../gpu/plan-kit';
import { uniformLayout, type ShaderSource } from '../../gpu/wgsl';

/** Largest m whose pseudo-inverse runs fused in one workgroup (pinv.wgsl `fused`). */
const PINV_FUSED_MAX_M = 64;

/** The Params uniform for one dispatch of `shader`: `values`, and 0 in every field the kernel does not read. */
function params(own: Allocations, shader: ShaderSource, label: string, values: Record<string, number>): GPUBuffer {
  const zeros = Object.fromEntries(Object.keys(uniformLayout(shader)).map((f) => [f, 0]));
  return own.params(shader, label, { ...zeros, ...values });
}

export interface MatmulSpec {
  label: string;
  x: GPUBuffer;
  y: GPUBuffer;
  c: GPUBuffer;
  rows: number;
  inner: number;
  cols: number;
  batches: number;
  xOff?: number;
  yOff?: number;
  cOff?: number;
  /** per-batch strides (default: the dense sizes) */
  xStride?: number;
  yStride?: number;
  cStride?: number;
  ldx?: number;
  ldy?: number;
  ldc?: number;
  /** Y is cols×inner and used transposed */
  transY?: boolean;
  alpha?: number;
  beta?: number;
  gamma?: number;
  sigma?: number;
  /** split-K: a scratch buffer for the partial tiles (batches·splits·rows·cols floats) */
  splitScratch?: { buffer: GPUBuffer; splits: number };
}

const TILE = 64;

export class NystromKernels {
  private constructor(
    readonly gpu: Gpu,
    readonly matmulPipe: CompiledPipeline,
    readonly sumPipe: CompiledPipeline,
    readonly softmaxPipe: CompiledPipeline,
    readonly softmaxShortPipe: CompiledPipeline,
    readonly landmarksPipe: CompiledPipeline,
    readonly pinvPipe: CompiledPipeline,
    readonly pinvFusedPipe: CompiledPipeline,
  ) {}

  static async load(gpu: Gpu): Promise<NystromKernels> {
    const [mm, sum, sm, sms, lm, pi, pf] = await Promise.all(
      ([[MATMUL, 'main'], [MATMUL, 'sumSplits'], [SOFTMAX, 'main'], [SOFTMAX, 'short'], [LANDMARKS, 'main'], [PINV, 'init'], [PINV, 'fused']] as const).map(
        ([shader, entryPoint]) => gpu.pipelines.get({ shader, entryPoint }),
      ),
    );
    return new NystromKernels(gpu, mm, sum, sm, sms, lm, pi, pf);
  }

  /** Workgroup ranges of at most `budget` FLOPs (and at most 65 535² workgroups each). */
  private chunks(groups: number, flopsPerGroup: number, budget: number): [number, number][] {
    const per = Math.max(1, Math.floor(budget / Math.max(flopsPerGroup, 1)));
    const out: [number, number][] = [];
    for (let g0 = 0; g0 < groups; g0 += per) out.push([g0, Math.min(per, groups - g0)]);
    return out;
  }

  matmul(own: Allocations, s: MatmulSpec, budget = this.gpu.maxFlopsPerSubmit): Step[] {
    const { rows, inner, cols, batches } = s;
    const splits = s.splitScratch?.splits ?? 1;
    const splitLen = Math.ceil(inner / splits / 16) * 16;
    const tilesC = Math.ceil(cols / TILE);
    const tiles = Math.ceil(rows / TILE) * tilesC;
    const groups = batches * splits * tiles;
    const flopsPerGroup = 2 * TILE * TILE * Math.min(inner, splitLen);
    const base = {
      rows, inner, cols, batches,
      xOff: s.xOff ?? 0, yOff: s.yOff ?? 0,
      xStride: s.xStride ?? rows * inner, yStride: s.yStride ?? inner * cols,
      ldx: s.ldx ?? inner, ldy: s.ldy ?? (s.transY ? inner : cols),
      transY: s.transY ? 1 : 0, tilesC, tiles, splits, splitLen,
      alpha: s.alpha ?? 1, beta: s.beta ?? 0, gamma: s.gamma ?? 0, sigma: s.sigma ?? 1,
    };
    const out = s.splitScratch ? s.splitScratch.buffer : s.c;
    const steps: Step[] = [];
    for (const [g0, count] of this.chunks(groups, flopsPerGroup, budget)) {
      const u = params(own, MATMUL, `${s.label}.params`, {
        ...base,
        cOff: s.splitScratch ? 0 : (s.cOff ?? 0),
        cStride: s.splitScratch ? rows * cols : (s.cStride ?? rows * cols),
        ldc: s.splitScratch ? cols : (s.ldc ?? cols),
        g0, groups: count,
      });
      const bg = this.gpu.bindGroup(this.matmulPipe, s.label, [u, s.x, s.y, out]);
      steps.push({ label: s.label, flops: count * flopsPerGroup, encode: (pass) => this.gpu.dispatch(pass, this.matmulPipe, bg, count) });
    }
    if (s.splitScratch) {
      const elems = batches * rows * cols;
      const sumGroups = Math.ceil(elems / 64);
      const u = params(own, MATMUL, `${s.label}.sum.params`, {
        ...base, xOff: 0, xStride: rows * cols, ldx: cols,
        cOff: s.cOff ?? 0, cStride: s.cStride ?? rows * cols, ldc: s.ldc ?? cols, g0: 0, groups: sumGroups,
      });
      const bg = this.gpu.bindGroup(this.sumPipe, `${s.label}.sum`, [u, s.splitScratch.buffer, s.y, s.c]);
      steps.push({ label: `${s.label}.sum`, flops: elems * splits, encode: (pass) => this.gpu.dispatch(pass, this.sumPipe, bg, sumGroups) });
    }
    return steps;
  }

  /**
   * In-place row softmax of `rowsPerBatch` rows of `cols` in each of `batches` batches: one
   * invocation per row for short rows (≤ 256), one workgroup per row for long ones.
   */
  softmax(own: Allocations, label: string, buf: GPUBuffer, o: { cols: number; rowsPerBatch: number; batches: number; ld?: number; off?: number; batchStride?: number }, budget = this.gpu.maxFlopsPerSubmit): Step[] {
    const rows = o.rowsPerBatch * o.batches;
    const short = o.cols <= 256;
    const pipe = short ? this.softmaxShortPipe : this.softmaxPipe;
    // work items: rows (short: 64 per workgroup) and their FLOPs
    const perGroup = short ? 64 : 1;
    const groups = Math.ceil(rows / perGroup);
    const steps: Step[] = [];
    for (const [g0, count] of this.chunks(groups, 6 * o.cols * perGroup, budget)) {
      const u = params(own, SOFTMAX, `${label}.params`, {
        rows: o.rowsPerBatch, batches: o.batches, cols: o.cols, ldc: o.ld ?? o.cols, cOff: o.off ?? 0,
        cStride: o.batchStride ?? o.rowsPerBatch * (o.ld ?? o.cols), g0: g0 * perGroup, groups: count,
      });
      const bg = this.gpu.bindGroup(pipe, label, [u, buf]);
      steps.push({ label, flops: count * 6 * o.cols * perGroup, encode: (pass) => this.gpu.dispatch(pass, pipe, bg, count) });
    }
    return steps;
  }

  /** Segment-mean landmarks of q and k (H×N×d) into ql, kl (H×m×d), scaled by d^(−1/4). */
  landmarks(own: Allocations, q: GPUBuffer, k: GPUBuffer, ql: GPUBuffer, kl: GPUBuffer, n: number, d: number, m: number, heads: number): Step {
    const groups = Math.ceil((heads * m * d) / 64);
    const u = params(own, LANDMARKS, 'nystrom.landmarks.params', { rows: m, inner: n, cols: d, batches: heads, alpha: d ** -0.25, groups });
    const bg = this.gpu.bindGroup(this.landmarksPipe, 'nystrom.landmarks', [u, q, k, ql, kl]);
    return { label: 'nystrom.landmarks', flops: 2 * heads * n * d, encode: (pass) => this.gpu.dispatch(pass, this.landmarksPipe, bg, groups) };
  }

  /**
   * The iterative pseudo-inverse of the m×m matrices in `a` (H of them, dense): Z₀ then `iters`
   * steps. Up to m = 64 one fused dispatch (result in z, w as scratch); above, ping-ponging
   * between z and z2 with four tiled products per step. Returns the steps and the result buffer.
   */
  pinv(own: Allocations, a: GPUBuffer, z: GPUBuffer, z2: GPUBuffer, p: GPUBuffer, u: GPUBuffer, w: GPUBuffer, m: number, heads: number, iters: number, aOff = 0): { steps: Step[]; result: GPUBuffer } {
    const steps: Step[] = [];
    const ui = params(own, PINV, 'nystrom.pinv.params', { rows: m, batches: heads, xOff: aOff, xStride: m * m, cStride: m * m, iters });
    if (m <= PINV_FUSED_MAX_M) {
      const bg = this.gpu.bindGroup(this.pinvFusedPipe, 'nystrom.pinv', [ui, a, z, w]);
      steps.push({ label: 'nystrom.pinv', flops: heads * (3 * m * m + iters * 8 * m ** 3), encode: (pass) => this.gpu.dispatch(pass, this.pinvFusedPipe, bg, heads) });
      return { steps, result: z };
    }
    const bg = this.gpu.bindGroup(this.pinvPipe, 'nystrom.pinv.init', [ui, a, z, w]);
    steps.push({ label: 'nystrom.pinv.init', flops: heads * 3 * m * m, encode: (pass) => this.gpu.dispatch(pass, this.pinvPipe, bg, heads) });
    let cur = z;
    let next = z2;
    const mm = { rows: m, inner: m, cols: m, batches: heads };
    for (let k = 0; k < iters; k++) {
      steps.push(...this.matmul(own, { ...mm, label: 'nystrom.pinv.P', x: a, y: cur, c: p, xOff: aOff }));
      // U = 15I − P·(7I − P)
      steps.push(...this.matmul(own, { ...mm, label: 'nystrom.pinv.U', x: p, y: p, c: u, gamma: 7, sigma: -1, alpha: -1, beta: 15 }));
      // W = 13I − P·U
      steps.push(...this.matmul(own, { ...mm, label: 'nystrom.pinv.W', x: p, y: u, c: w, alpha: -1, beta: 13 }));
      // Z' = ¼·Z·W
      steps.push(...this.matmul(own, { ...mm, label: 'nystrom.pinv.Z', x: cur, y: w, c: next, alpha: 0.25 }));
      [cur, next] = [next, cur];
    }
    return { steps, result: cur };
  }
}
