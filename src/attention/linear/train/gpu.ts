// The distillation step on the GPU (every forward and backward pass is a WGSL kernel; the
// math is ./reference.ts). One step on a batch of H sequences of N tokens:
//   forward      φ'(q), φ'(k) with the activations the backward needs  (train-forward.wgsl)
//   keyMax, scores, exactRows, rowStats                                 (train-loss.wgsl)
//   gradScores (G = ∂L/∂s), gradPhi (∂L/∂φ')                           (train-loss, train-gradphi)
//   backFeatures, weightGrad (∂L/∂θ)                                    (train-back.wgsl)
//   adam                                                                (train-adam.wgsl)
// Only the per-row statistics (loss, output error) come back to the CPU each step.
import forwardWgsl from '../../../../shaders/linear/train-forward.wgsl';
import lossWgsl from '../../../../shaders/linear/train-loss.wgsl';
import gradPhiWgsl from '../../../../shaders/linear/train-gradphi.wgsl';
import backWgsl from '../../../../shaders/linear/train-back.wgsl';
import adamWgsl from '../../../../shaders/linear/train-adam.wgsl';
import type { Gpu } from '../../../gpu/gpu';
import { pow2Bucket } from '../../../gpu/uniforms';
import type { CompiledPipeline } from '../../../gpu/pipelines';
import type { ShaderSource } from '../../../gpu/wgsl';
import { Allocations } from '../../../gpu/plan-kit';
import { kernelFields, linearShader, packParams, paramsBuffer, type ParamsValues } from '../plan';
import { KERNEL_CODE, paramCount, type KernelSpec, type TrainableArch } from '../kernels';
import type { Batch, LossKind } from './reference';

/** weight-gradient tile edge (TM of common/matmul-tile.wgsl, used by train-back.wgsl) */
const WT = 64;
const WG = 64;

export interface TrainShape {
  heads: number;
  n: number;
  d: number;
  dv: number;
  causal: boolean;
}

export interface AdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export const DEFAULT_ADAM: AdamSettings = { lr: 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** Per-batch statistics (summed over the batch's rows; loss is the mean over rows). */
export interface BatchStats {
  loss: number;
  errSq: number;
  refSq: number;
}

interface Dispatch {
  pipe: CompiledPipeline;
  bg: GPUBindGroup;
  groups: number;
}

export class GpuDistiller {
  private readonly alloc: Allocations;
  private readonly q: GPUBuffer;
  private readonly k: GPUBuffer;
  private readonly v: GPUBuffer;
  readonly params: GPUBuffer;
  private readonly grad: GPUBuffer;
  private readonly row: GPUBuffer;
  private readonly uniform: GPUBuffer;
  private readonly forwardList: Dispatch[] = [];
  private readonly backwardList: Dispatch[] = [];
  private readonly adamList: Dispatch[] = [];
  private readonly rowStride: number;
  /** the step's Params (shaders/linear/params.wgsl): the feature map, the batch, the loss, Adam */
  private readonly uvals: ParamsValues;
  /** Adam steps taken */
  t = 0;
  readonly nparams: number;

  private constructor(
    private readonly gpu: Gpu,
    readonly arch: TrainableArch,
    readonly shape: TrainShape,
    readonly loss: LossKind,
    init: Float64Array,
    readonly adam: AdamSettings,
  ) {
    const { heads, n, d, dv } = shape;
    const F = arch.features;
    const D = arch.kernel === 'hedgehog' ? 2 * F : F;
    const rows = 2 * heads * n;
    this.nparams = paramCount(arch);
    if (init.length !== this.nparams) throw new Error(`trainer: ${init.length} initial parameters, the architecture has ${this.nparams}`);
    this.rowStride = 8 + dv;
    const astride = arch.kernel === 'ffk' ? 3 * arch.layers * F : 1;
    const dstride = arch.kernel === 'ffk' ? 2 * arch.layers * F : F;
    this.alloc = new Allocations(gpu);
    const a = this.alloc;
    this.q = a.buffer('train.q', heads * n * d);
    this.k = a.buffer('train.k', heads * n * d);
    this.v = a.buffer('train.v', heads * n * dv);
    this.params = a.upload('train.params', Float32Array.from(init));
    this.grad = a.buffer('train.grad', this.nparams);
    this.m1 = a.buffer('train.adam.m', this.nparams);
    this.m2 = a.buffer('train.adam.v', this.nparams);
    gpu.fill(this.m1, 0);
    gpu.fill(this.m2, 0);
    this.phi = a.buffer('train.phi', rows * D);
    this.off = a.buffer('train.off', rows);
    this.act = a.buffer('train.act', rows * astride);
    this.sc = a.buffer('train.scores (H×N×N)', heads * n * n);
    this.am = a.buffer('train.exact map (H×N×N)', heads * n * n);
    this.row = a.buffer('train.rows', heads * n * this.rowStride + heads + heads * n);
    this.dphi = a.buffer('train.dphi', rows * D);
    this.del = a.buffer('train.deltas', rows * dstride);
    const spec: KernelSpec = { kernel: arch.kernel, d, dim: D, arch, params: init, source: 'trainer' };
    this.uvals = {
      ...kernelFields(spec), n, dv, heads, causal: shape.causal, rows, astride, dstride,
      rstride: this.rowStride, loss: loss === 'ce' ? 0 : 1, nparams: this.nparams, invRows: 1 / (heads * n), scale: 1 / Math.sqrt(d),
      lr: adam.lr, beta1: adam.beta1, beta2: adam.beta2, bc1: 1, bc2: 1, adamEps: adam.eps,
    };
    this.uniform = paramsBuffer(a, 'train.params', this.uvals);
  }

  private readonly m1: GPUBuffer;
  private readonly m2: GPUBuffer;
  private readonly phi: GPUBuffer;
  private readonly off: GPUBuffer;
  private readonly act: GPUBuffer;
  private readonly sc: GPUBuffer;
  private readonly am: GPUBuffer;
  private readonly dphi: GPUBuffer;
  private readonly del: GPUBuffer;

  static async create(gpu: Gpu, arch: TrainableArch, shape: TrainShape, loss: LossKind, init: Float64Array, adam: AdamSettings = DEFAULT_ADAM): Promise<GpuDistiller> {
    const t = new GpuDistiller(gpu, arch, shape, loss, init, adam);
    await t.build();
    return t;
  }

  private async build() {
    const { gpu, arch, shape } = this;
    const dmax = pow2Bucket(shape.d, 4);
    const fmax = pow2Bucket(Math.max(arch.features, shape.d), 4);
    const defines = { DMAX: dmax, FMAX: fmax, KERNEL: KERNEL_CODE[arch.kernel] };
    // the forward and the backward evaluate the feature map (phi.wgsl): one kernel's blocks of it
    const fwd = linearShader(forwardWgsl, arch.kernel);
    const back = linearShader(backWgsl, arch.kernel);
    const get = (shader: ShaderSource, entryPoint: string, defs?: Record<string, number>) => gpu.pipelines.get({ shader, entryPoint, defines: defs });
    const [pFwd, pKeyMax, pScores, pExact, pRows, pGradS, pGradPhi, pBackF, pWGrad, pAdam] = await Promise.all([
      get(fwd, 'forward', defines),
      get(lossWgsl, 'keyMax'),
      get(lossWgsl, 'scores'),
      get(lossWgsl, 'exactRows'),
      get(lossWgsl, 'rowStats'),
      get(lossWgsl, 'gradScores'),
      get(gradPhiWgsl, 'gradPhi'),
      get(back, 'backFeatures', defines),
      get(back, 'weightGrad', defines),
      get(adamWgsl, 'adam'),
    ]);
    const { heads, n } = shape;
    const rows = 2 * heads * n;
    const D = Number(this.uvals.dim);
    const u = this.uniform;
    const bgs = {
      fwd: gpu.bindGroup(pFwd, 'train.forward', [u, this.params, this.q, this.k, this.phi, this.off, this.act]),
      loss: (p: CompiledPipeline) => gpu.bindGroup(p, 'train.loss', [u, this.q, this.k, this.v, this.phi, this.off, this.sc, this.am, this.row]),
      gphi: gpu.bindGroup(pGradPhi, 'train.gradPhi', [u, this.phi, this.off, this.sc, this.row, this.dphi]),
      // backFeatures reads the step's Params, weightGrad a job's (`params`)
      back: (p: CompiledPipeline, params: GPUBuffer) => gpu.bindGroup(p, 'train.back', [params, this.params, this.q, this.k, this.phi, this.act, this.dphi, this.del, this.grad]),
      adam: gpu.bindGroup(pAdam, 'train.adam', [u, this.params, this.grad, this.m1, this.m2]),
    };
    const groupsOf = (units: number) => Math.ceil(units / WG);
    this.forwardList.push(
      { pipe: pFwd, bg: bgs.fwd, groups: groupsOf(rows) },
      { pipe: pKeyMax, bg: bgs.loss(pKeyMax), groups: heads },
      { pipe: pScores, bg: bgs.loss(pScores), groups: groupsOf(heads * n * n) },
      { pipe: pExact, bg: bgs.loss(pExact), groups: groupsOf(heads * n) },
      { pipe: pRows, bg: bgs.loss(pRows), groups: groupsOf(heads * n) },
    );
    // weight-gradient jobs: one per (W, b) pair, over the rows that use it
    const F = arch.features;
    const d = shape.d;
    const jobs: { r0: number; r1: number; doff: number; fromX: number; inOff: number; din: number; gW: number; gB: number }[] = [];
    if (arch.kernel === 'hedgehog') {
      const per = F * d + F;
      jobs.push({ r0: 0, r1: rows / 2, doff: 0, fromX: 1, inOff: 0, din: d, gW: 0, gB: F * d });
      jobs.push({ r0: rows / 2, r1: rows, doff: 0, fromX: 1, inOff: 0, din: d, gW: per, gB: per + F * d });
    } else {
      let base = 0;
      for (let l = 0; l < arch.layers; l++) {
        const din = l === 0 ? d : F;
        const inOff = l === 0 ? 0 : (3 * (l - 1) + 2) * F;
        const fromX = l === 0 ? 1 : 0;
        jobs.push({ r0: 0, r1: rows, doff: 2 * l * F, fromX, inOff, din, gW: base, gB: base + F * din });
        jobs.push({ r0: 0, r1: rows, doff: (2 * l + 1) * F, fromX, inOff, din, gW: base + F * din + F, gB: base + 2 * F * din + F });
        base += 2 * F * din + 2 * F;
      }
    }
    const jobList = jobs.map((j) => {
      const ctiles = Math.ceil((j.din + 1) / WT);
      const groups = Math.ceil(F / WT) * ctiles;
      // the step's fields with the job's (weightGrad reads no Adam field, so they need no update)
      const buf = paramsBuffer(this.alloc, 'train.weightGrad.job', { ...this.uvals, ...j, ctiles, groups });
      return { pipe: pWGrad, bg: bgs.back(pWGrad, buf), groups };
    });
    this.backwardList.push(
      { pipe: pGradS, bg: bgs.loss(pGradS), groups: groupsOf(heads * n * n) },
      { pipe: pGradPhi, bg: bgs.gphi, groups: groupsOf(rows * D) },
      { pipe: pBackF, bg: bgs.back(pBackF, u), groups: groupsOf(rows) },
      ...jobList,
    );
    this.adamList.push({ pipe: pAdam, bg: bgs.adam, groups: groupsOf(this.nparams) });
  }

  /** Uploads a batch (rounded to f32). */
  loadBatch(b: Batch) {
    const { heads, n, d, dv, causal } = this.shape;
    if (b.heads !== heads || b.n !== n || b.d !== d || b.dv !== dv || b.causal !== causal) {
      throw new Error(`trainer: batch ${b.heads}×${b.n}×${b.d} (dv ${b.dv}) does not match the trainer's ${heads}×${n}×${d} (dv ${dv})`);
    }
    const q = this.gpu.device.queue;
    q.writeBuffer(this.q, 0, Float32Array.from(b.q));
    q.writeBuffer(this.k, 0, Float32Array.from(b.k));
    q.writeBuffer(this.v, 0, Float32Array.from(b.v));
  }

  /** Each kernel in its own compute pass and submit (no single submit holds a whole step's work). */
  private submit(list: Dispatch[], label: string) {
    for (const x of list) {
      const enc = this.gpu.device.createCommandEncoder({ label });
      const pass = enc.beginComputePass({ label });
      this.gpu.dispatch(pass, x.pipe, x.bg, x.groups);
      pass.end();
      this.gpu.device.queue.submit([enc.finish()]);
    }
  }

  private async readStats(): Promise<BatchStats> {
    const { heads, n } = this.shape;
    const rows = await this.gpu.read(this.row, 0, heads * n * this.rowStride * 4);
    let loss = 0;
    let errSq = 0;
    let refSq = 0;
    for (let r = 0; r < heads * n; r++) {
      loss += rows[r * this.rowStride + 1];
      errSq += rows[r * this.rowStride + 2];
      refSq += rows[r * this.rowStride + 3];
    }
    return { loss: loss / (heads * n), errSq, refSq };
  }

  /** Loss and output error of the current parameters on `b` (no update). */
  async evaluate(b: Batch): Promise<BatchStats> {
    return this.gpu.scoped('training evaluation', async () => {
      this.loadBatch(b);
      this.submit(this.forwardList, 'train.forward');
      return this.readStats();
    });
  }

  /** ∂L/∂θ on `b` at the current parameters (tests), with the batch statistics. */
  async gradient(b: Batch): Promise<{ stats: BatchStats; grad: Float32Array }> {
    return this.gpu.scoped('training gradient', async () => {
      this.loadBatch(b);
      this.submit(this.forwardList, 'train.forward');
      this.submit(this.backwardList, 'train.backward');
      const stats = await this.readStats();
      return { stats, grad: await this.gpu.read(this.grad, 0, this.nparams * 4) };
    });
  }

  /** One Adam step on `b`; returns the batch's statistics before the update. */
  async step(b: Batch, lr = this.adam.lr): Promise<BatchStats> {
    return this.gpu.scoped('training step', async () => {
      this.loadBatch(b);
      this.t++;
      const { beta1, beta2 } = this.adam;
      const vals = { ...this.uvals, lr, bc1: 1 / (1 - beta1 ** this.t), bc2: 1 / (1 - beta2 ** this.t) };
      this.gpu.device.queue.writeBuffer(this.uniform, 0, packParams(vals));
      this.submit(this.forwardList, 'train.forward');
      this.submit(this.backwardList, 'train.backward');
      this.submit(this.adamList, 'train.adam');
      return this.readStats();
    });
  }

  /** The current parameters (f32 values as float64). */
  async readParams(): Promise<Float64Array> {
    return Float64Array.from(await this.gpu.read(this.params, 0, this.nparams * 4));
  }

  /** Replaces the parameters (and restarts Adam's moments). */
  setParams(p: Float64Array) {
    if (p.length !== this.nparams) throw new Error(`trainer: ${p.length} parameters, the architecture has ${this.nparams}`);
    this.gpu.device.queue.writeBuffer(this.params, 0, Float32Array.from(p));
    this.gpu.fill(this.m1, 0);
    this.gpu.fill(this.m2, 0);
    this.t = 0;
  }

  get bytesAllocated(): number {
    return this.alloc.bytes;
  }

  destroy() {
    this.alloc.releaseAll();
  }
}
