// The Nyström kernels as reusable dispatch steps: the batch Nyström plan and the continual
// engine's landmark updates (src/stream) build their work from these.
//
// A Step is one dispatch with a FLOP estimate; long products are cut into several steps
// (ranges of workgroups, `g0`) so that `packParts` can keep each submit within
// gpu.maxFlopsPerSubmit.
import matmulWgsl from '../../../shaders/nystrom/matmul.wgsl';
import softmaxWgsl from '../../../shaders/nystrom/softmax.wgsl';
import landmarksWgsl from '../../../shaders/nystrom/landmarks.wgsl';
import pinvWgsl from '../../../shaders/nystrom/pinv.wgsl';
import type { Gpu } from '../../gpu/gpu';
import type { CompiledPipeline } from '../../gpu/pipelines';
import { packUniform } from '../../gpu/uniforms';

export const MATMUL = matmulWgsl;
export const SOFTMAX = softmaxWgsl;
export const LANDMARKS = landmarksWgsl;
export const PINV = pinvWgsl;

const MATMUL_U = {
  rows: 'u32', inner: 'u32', cols: 'u32', xOff: 'u32', yOff: 'u32', cOff: 'u32', xStride: 'u32', yStride: 'u32', cStride: 'u32',
  ldx: 'u32', ldy: 'u32', ldc: 'u32', transY: 'u32', tilesC: 'u32', tiles: 'u32', splits: 'u32', splitLen: 'u32', g0: 'u32', groups: 'u32',
  alpha: 'f32', beta: 'f32', gamma: 'f32', sigma: 'f32',
} as const;
const SOFTMAX_U = { cols: 'u32', ld: 'u32', off: 'u32', rowsPerBatch: 'u32', batchStride: 'u32', g0: 'u32', groups: 'u32', rows: 'u32' } as const;
const LANDMARKS_U = { n: 'u32', d: 'u32', m: 'u32', heads: 'u32', base: 'u32', rem: 'u32', scale: 'f32', groups: 'u32' } as const;
const PINV_U = { m: 'u32', heads: 'u32', aOff: 'u32', zOff: 'u32', stride: 'u32', iters: 'u32' } as const;

/** Largest m whose pseudo-inverse runs fused in one workgroup (pinv.wgsl `fused`). */
export const PINV_FUSED_MAX_M = 64;

export interface Step {
  label: string;
  /** floating-point operations of this dispatch (for splitting long work into parts) */
  flops: number;
  encode(pass: GPUComputePassEncoder): void;
}

/** Owns the buffers a plan (or engine) allocated and returns them to the pool on release. */
export class Owner {
  readonly list: GPUBuffer[] = [];
  constructor(readonly gpu: Gpu) {}
  add<T extends GPUBuffer>(b: T): T {
    this.list.push(b);
    return b;
  }
  buffer(label: string, floats: number): GPUBuffer {
    return this.add(this.gpu.buffer(label, Math.max(1, floats) * 4));
  }
  uniform(label: string, data: ArrayBuffer): GPUBuffer {
    return this.add(this.gpu.uniform(label, data));
  }
  get bytes(): number {
    return this.list.reduce((s, b) => s + b.size, 0);
  }
  releaseAll() {
    for (const b of this.list) this.gpu.release(b);
    this.list.length = 0;
  }
}

/** Groups steps in order into parts of at most `budget` FLOPs (a step larger than that is a part alone). */
export function packParts(steps: Step[], budget: number): Step[][] {
  const parts: Step[][] = [];
  let cur: Step[] = [];
  let sum = 0;
  for (const s of steps) {
    if (cur.length && sum + s.flops > budget) {
      parts.push(cur);
      cur = [];
      sum = 0;
    }
    cur.push(s);
    sum += s.flops;
  }
  if (cur.length) parts.push(cur);
  return parts;
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
    const io = ['uniform', 'read', 'read', 'storage'] as const;
    const [mm, sum, sm, sms, lm, pi, pf] = await Promise.all([
      gpu.pipelines.get({ shader: MATMUL, entryPoint: 'main', bindings: [...io] }),
      gpu.pipelines.get({ shader: MATMUL, entryPoint: 'sumSplits', bindings: [...io] }),
      gpu.pipelines.get({ shader: SOFTMAX, entryPoint: 'main', bindings: ['uniform', 'storage'] }),
      gpu.pipelines.get({ shader: SOFTMAX, entryPoint: 'short', bindings: ['uniform', 'storage'] }),
      gpu.pipelines.get({ shader: LANDMARKS, entryPoint: 'main', bindings: ['uniform', 'read', 'read', 'storage', 'storage'] }),
      gpu.pipelines.get({ shader: PINV, entryPoint: 'init', bindings: ['uniform', 'read', 'storage', 'storage'] }),
      gpu.pipelines.get({ shader: PINV, entryPoint: 'fused', bindings: ['uniform', 'read', 'storage', 'storage'] }),
    ]);
    return new NystromKernels(gpu, mm, sum, sm, sms, lm, pi, pf);
  }

  /** Workgroup ranges of at most `budget` FLOPs (and at most 65 535² workgroups each). */
  private chunks(groups: number, flopsPerGroup: number, budget: number): [number, number][] {
    const per = Math.max(1, Math.floor(budget / Math.max(flopsPerGroup, 1)));
    const out: [number, number][] = [];
    for (let g0 = 0; g0 < groups; g0 += per) out.push([g0, Math.min(per, groups - g0)]);
    return out;
  }

  matmul(owner: Owner, s: MatmulSpec, budget = this.gpu.maxFlopsPerSubmit): Step[] {
    const { rows, inner, cols, batches } = s;
    const splits = s.splitScratch?.splits ?? 1;
    const splitLen = Math.ceil(inner / splits / 16) * 16;
    const tilesC = Math.ceil(cols / TILE);
    const tiles = Math.ceil(rows / TILE) * tilesC;
    const groups = batches * splits * tiles;
    const flopsPerGroup = 2 * TILE * TILE * Math.min(inner, splitLen);
    const base = {
      rows, inner, cols,
      xOff: s.xOff ?? 0, yOff: s.yOff ?? 0,
      xStride: s.xStride ?? rows * inner, yStride: s.yStride ?? inner * cols,
      ldx: s.ldx ?? inner, ldy: s.ldy ?? (s.transY ? inner : cols),
      transY: s.transY ? 1 : 0, tilesC, tiles, splits, splitLen,
      alpha: s.alpha ?? 1, beta: s.beta ?? 0, gamma: s.gamma ?? 0, sigma: s.sigma ?? 1,
    };
    const out = s.splitScratch ? s.splitScratch.buffer : s.c;
    const steps: Step[] = [];
    for (const [g0, count] of this.chunks(groups, flopsPerGroup, budget)) {
      const u = owner.uniform(`${s.label}.params`, packUniform(MATMUL_U, {
        ...base,
        cOff: s.splitScratch ? 0 : (s.cOff ?? 0),
        cStride: s.splitScratch ? rows * cols : (s.cStride ?? rows * cols),
        ldc: s.splitScratch ? cols : (s.ldc ?? cols),
        g0, groups: count,
      }));
      const bg = this.gpu.bindGroup(this.matmulPipe, s.label, [u, s.x, s.y, out]);
      steps.push({ label: s.label, flops: count * flopsPerGroup, encode: (pass) => this.gpu.dispatch(pass, this.matmulPipe, bg, count) });
    }
    if (s.splitScratch) {
      const elems = batches * rows * cols;
      const sumGroups = Math.ceil(elems / 64);
      const u = owner.uniform(`${s.label}.sum.params`, packUniform(MATMUL_U, {
        ...base, tiles: batches, xOff: 0, xStride: rows * cols, ldx: cols,
        cOff: s.cOff ?? 0, cStride: s.cStride ?? rows * cols, ldc: s.ldc ?? cols, g0: 0, groups: sumGroups,
      }));
      const bg = this.gpu.bindGroup(this.sumPipe, `${s.label}.sum`, [u, s.splitScratch.buffer, s.y, s.c]);
      steps.push({ label: `${s.label}.sum`, flops: elems * splits, encode: (pass) => this.gpu.dispatch(pass, this.sumPipe, bg, sumGroups) });
    }
    return steps;
  }

  /**
   * In-place row softmax of `rowsPerBatch` rows of `cols` in each of `batches` batches: one
   * invocation per row for short rows (≤ 256), one workgroup per row for long ones.
   */
  softmax(owner: Owner, label: string, buf: GPUBuffer, o: { cols: number; rowsPerBatch: number; batches: number; ld?: number; off?: number; batchStride?: number }, budget = this.gpu.maxFlopsPerSubmit): Step[] {
    const rows = o.rowsPerBatch * o.batches;
    const short = o.cols <= 256;
    const pipe = short ? this.softmaxShortPipe : this.softmaxPipe;
    // work items: rows (short: 64 per workgroup) and their FLOPs
    const perGroup = short ? 64 : 1;
    const groups = Math.ceil(rows / perGroup);
    const steps: Step[] = [];
    for (const [g0, count] of this.chunks(groups, 6 * o.cols * perGroup, budget)) {
      const u = owner.uniform(`${label}.params`, packUniform(SOFTMAX_U, {
        cols: o.cols, ld: o.ld ?? o.cols, off: o.off ?? 0, rowsPerBatch: o.rowsPerBatch,
        batchStride: o.batchStride ?? o.rowsPerBatch * (o.ld ?? o.cols), g0: g0 * perGroup, groups: count, rows,
      }));
      const bg = this.gpu.bindGroup(pipe, label, [u, buf]);
      steps.push({ label, flops: count * 6 * o.cols * perGroup, encode: (pass) => this.gpu.dispatch(pass, pipe, bg, count) });
    }
    return steps;
  }

  /** Segment-mean landmarks of q and k (H×N×d) into ql, kl (H×m×d), scaled by d^(−1/4). */
  landmarks(owner: Owner, q: GPUBuffer, k: GPUBuffer, ql: GPUBuffer, kl: GPUBuffer, n: number, d: number, m: number, heads: number): Step {
    const groups = Math.ceil((heads * m * d) / 64);
    const u = owner.uniform('nystrom.landmarks.params', packUniform(LANDMARKS_U, {
      n, d, m, heads, base: Math.floor(n / m), rem: n % m, scale: d ** -0.25, groups,
    }));
    const bg = this.gpu.bindGroup(this.landmarksPipe, 'nystrom.landmarks', [u, q, k, ql, kl]);
    return { label: 'nystrom.landmarks', flops: 2 * heads * n * d, encode: (pass) => this.gpu.dispatch(pass, this.landmarksPipe, bg, groups) };
  }

  /**
   * The iterative pseudo-inverse of the m×m matrices in `a` (H of them, dense): Z₀ then `iters`
   * steps. Up to m = 64 one fused dispatch (result in z, w as scratch); above, ping-ponging
   * between z and z2 with four tiled products per step. Returns the steps and the result buffer.
   */
  pinv(owner: Owner, a: GPUBuffer, z: GPUBuffer, z2: GPUBuffer, p: GPUBuffer, u: GPUBuffer, w: GPUBuffer, m: number, heads: number, iters: number, aOff = 0): { steps: Step[]; result: GPUBuffer } {
    const steps: Step[] = [];
    const ui = owner.uniform('nystrom.pinv.params', packUniform(PINV_U, { m, heads, aOff, zOff: 0, stride: m * m, iters }));
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
      steps.push(...this.matmul(owner, { ...mm, label: 'nystrom.pinv.P', x: a, y: cur, c: p, xOff: aOff }));
      // U = 15I − P·(7I − P)
      steps.push(...this.matmul(owner, { ...mm, label: 'nystrom.pinv.U', x: p, y: p, c: u, gamma: 7, sigma: -1, alpha: -1, beta: 15 }));
      // W = 13I − P·U
      steps.push(...this.matmul(owner, { ...mm, label: 'nystrom.pinv.W', x: p, y: u, c: w, alpha: -1, beta: 13 }));
      // Z' = ¼·Z·W
      steps.push(...this.matmul(owner, { ...mm, label: 'nystrom.pinv.Z', x: cur, y: w, c: next, alpha: 0.25 }));
      [cur, next] = [next, cur];
    }
    return { steps, result: cur };
  }
}
