// Training a trainable feature map (hedgehog, ffk) by distillation against exact softmax
// attention — the one implementation behind the CLI's `train` command and the browser's
// training panel. Fresh seeded batches from the chosen workload every step, a fixed held-out
// set drawn from a disjoint seed stream, Adam on the GPU (./gpu.ts), and the
// weights as JSON (src/attention/linear/weights.ts).
import type { Gpu } from '../../../gpu/gpu';
import { WORKLOADS, type WorkloadId } from '../../../bench/run-params';
import { generateInputs } from '../../../workloads/generate';
import { initParams, paramCount, type TrainableArch, type TrainableKernel } from '../kernels';
import type { TrainableWeights } from '../weights';
import { GpuDistiller, DEFAULT_ADAM, type BatchStats } from './gpu';
import type { Batch, LossKind } from './reference';

export type TrainWorkload = WorkloadId | 'mixed';

export interface TrainConfig {
  kernel: TrainableKernel;
  d: number;
  /** ffk width (hedgehog: d) */
  features: number;
  /** ffk blocks (hedgehog: 1) */
  layers: number;
  loss: LossKind;
  lr: number;
  steps: number;
  /** tokens per training sequence */
  n: number;
  /** sequences (heads) per batch */
  batch: number;
  /** 'mixed' cycles through every workload, one per step */
  workload: TrainWorkload;
  logitScale: number;
  causal: boolean;
  /** seed of the batches (the held-out set comes from a disjoint stream) */
  seed: number;
  /** seed of the initialization */
  initSeed: number;
  /** held-out evaluation every this many steps (and at the start and the end) */
  evalEvery: number;
  /** held-out batches (per workload when mixed) */
  evalBatches: number;
}

export const DEFAULT_TRAIN: TrainConfig = {
  kernel: 'ffk', d: 64, features: 64, layers: 2, loss: 'ce', lr: 3e-3, steps: 300, n: 256, batch: 4,
  workload: 'mixed', logitScale: 1, causal: false, seed: 1, initSeed: 0, evalEvery: 25, evalBatches: 1,
};

/** Limits of the trainer (it materializes the H×N×N exact and implied maps). */
export const TRAIN_LIMITS = { n: [8, 1024], batch: [1, 16], steps: [1, 100_000], d: [1, 256], features: [1, 256], layers: [1, 4] } as const;

export function archOfConfig(c: TrainConfig): TrainableArch {
  return c.kernel === 'hedgehog' ? { kernel: 'hedgehog', d: c.d, features: c.d, layers: 1 } : { kernel: 'ffk', d: c.d, features: c.features, layers: c.layers };
}

/** Problems with a configuration, one clear sentence each ([] = ok). */
export function checkTrainConfig(c: TrainConfig): string[] {
  const errs: string[] = [];
  const range = (name: keyof typeof TRAIN_LIMITS, v: number) => {
    const [lo, hi] = TRAIN_LIMITS[name];
    if (!Number.isInteger(v) || v < lo || v > hi) errs.push(`${name} must be an integer in ${lo}…${hi}, got ${v}`);
  };
  if (c.kernel !== 'ffk' && c.kernel !== 'hedgehog') errs.push(`only hedgehog and ffk are trainable, got ${String(c.kernel)}`);
  range('n', c.n);
  range('batch', c.batch);
  range('steps', c.steps);
  range('d', c.d);
  if (c.kernel === 'ffk') {
    range('features', c.features);
    range('layers', c.layers);
  }
  if (!(c.lr > 0 && c.lr < 1)) errs.push(`lr must be in (0, 1), got ${c.lr}`);
  if (c.loss !== 'ce' && c.loss !== 'mse') errs.push(`loss must be ce or mse, got ${String(c.loss)}`);
  if (c.workload !== 'mixed' && !WORKLOADS.includes(c.workload)) errs.push(`workload must be mixed or one of ${WORKLOADS.join(', ')}, got ${String(c.workload)}`);
  if (!(c.logitScale > 0 && c.logitScale <= 100)) errs.push(`logit scale must be in (0, 100], got ${c.logitScale}`);
  if (!Number.isInteger(c.evalEvery) || c.evalEvery < 1) errs.push(`evalEvery must be a positive integer, got ${c.evalEvery}`);
  if (!Number.isInteger(c.evalBatches) || c.evalBatches < 1 || c.evalBatches > 16) errs.push(`evalBatches must be an integer in 1…16, got ${c.evalBatches}`);
  return errs;
}

function fmix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Seed of training batch `index` (stream 0) or held-out batch `index` (stream 1): disjoint streams. */
export function batchSeed(seed: number, index: number, heldOut: boolean): number {
  return fmix32(fmix32((seed >>> 0) ^ (heldOut ? 0x68e31da4 : 0x1b873593)) + Math.imul(index + 1, 0x9e3779b9)) & 0x7fffffff;
}

/** A batch of `c.batch` sequences from `workload`, rounded to f32 like every run's inputs. */
export function makeBatch(c: TrainConfig, workload: WorkloadId, seed: number): Batch {
  const x = generateInputs({ workload, n: c.n, d: c.d, dv: c.d, heads: c.batch, seed, logitScale: c.logitScale });
  const r = (a: Float64Array) => Float64Array.from(Float32Array.from(a));
  return { heads: c.batch, n: c.n, d: c.d, dv: c.d, causal: c.causal, q: r(x.q), k: r(x.k), v: r(x.v) };
}

export interface EvalResult {
  step: number;
  /** mean held-out loss */
  loss: number;
  /** held-out relative Frobenius error of the implied-map output Â·V against exact attention */
  relErr: number;
}

export interface StepResult {
  step: number;
  loss: number;
  relErr: number;
  workload: WorkloadId;
}

/** A training session: holds the GPU state (parameters, Adam moments) between steps, so it can stop and resume. */
export class Trainer {
  readonly arch: TrainableArch;
  readonly history: StepResult[] = [];
  readonly evals: EvalResult[] = [];
  private readonly heldOut: { workload: WorkloadId; batch: Batch }[] = [];
  step = 0;

  private constructor(
    readonly config: TrainConfig,
    private readonly gpu: Gpu,
    private readonly distiller: GpuDistiller,
  ) {
    this.arch = archOfConfig(config);
    const workloads: WorkloadId[] = config.workload === 'mixed' ? [...WORKLOADS] : [config.workload];
    let i = 0;
    for (const w of workloads) {
      for (let b = 0; b < config.evalBatches; b++) this.heldOut.push({ workload: w, batch: makeBatch(config, w, batchSeed(config.seed, i++, true)) });
    }
  }

  static async create(gpu: Gpu, config: TrainConfig, init?: TrainableWeights): Promise<Trainer> {
    const errs = checkTrainConfig(config);
    if (errs.length) throw new Error(errs.join('; '));
    const arch = archOfConfig(config);
    let params = initParams(arch, config.initSeed);
    if (init) {
      const a = init.arch;
      if (a.kernel !== arch.kernel || a.d !== arch.d || a.features !== arch.features || a.layers !== arch.layers || init.params.length !== paramCount(arch)) {
        throw new Error(`the initial weights are ${a.kernel} d=${a.d} features=${a.features} layers=${a.layers}; the trainer is set to ${arch.kernel} d=${arch.d} features=${arch.features} layers=${arch.layers}`);
      }
      params = init.params;
    }
    const shape = { heads: config.batch, n: config.n, d: config.d, dv: config.d, causal: config.causal };
    const distiller = await GpuDistiller.create(gpu, arch, shape, config.loss, params, { ...DEFAULT_ADAM, lr: config.lr });
    return new Trainer(config, gpu, distiller);
  }

  /** The workload of training step s. */
  workloadOf(s: number): WorkloadId {
    return this.config.workload === 'mixed' ? WORKLOADS[s % WORKLOADS.length] : this.config.workload;
  }

  /** One Adam step on a fresh batch. */
  async trainStep(): Promise<StepResult> {
    const s = this.step;
    const workload = this.workloadOf(s);
    const stats = await this.distiller.step(makeBatch(this.config, workload, batchSeed(this.config.seed, s, false)), this.config.lr);
    this.step++;
    const r: StepResult = { step: this.step, loss: stats.loss, relErr: Math.sqrt(stats.errSq / stats.refSq), workload };
    this.history.push(r);
    return r;
  }

  /** Loss and error on the held-out set (per workload too). */
  async evaluate(): Promise<EvalResult & { perWorkload: Record<string, { loss: number; relErr: number }> }> {
    const acc = new Map<WorkloadId, BatchStats & { count: number }>();
    for (const h of this.heldOut) {
      const st = await this.distiller.evaluate(h.batch);
      const a = acc.get(h.workload) ?? { loss: 0, errSq: 0, refSq: 0, count: 0 };
      acc.set(h.workload, { loss: a.loss + st.loss, errSq: a.errSq + st.errSq, refSq: a.refSq + st.refSq, count: a.count + 1 });
    }
    let loss = 0;
    let errSq = 0;
    let refSq = 0;
    let count = 0;
    const perWorkload: Record<string, { loss: number; relErr: number }> = {};
    for (const [w, a] of acc) {
      perWorkload[w] = { loss: a.loss / a.count, relErr: Math.sqrt(a.errSq / a.refSq) };
      loss += a.loss;
      errSq += a.errSq;
      refSq += a.refSq;
      count += a.count;
    }
    const r = { step: this.step, loss: loss / count, relErr: Math.sqrt(errSq / refSq), perWorkload };
    this.evals.push({ step: r.step, loss: r.loss, relErr: r.relErr });
    return r;
  }

  /**
   * Runs steps until `until` (or the configured step count), evaluating every evalEvery steps;
   * stops early, between two steps, when `signal` aborts (the state stays: call run again to resume).
   */
  async run(opts: { until?: number; signal?: AbortSignal; onStep?: (r: StepResult) => void; onEval?: (r: EvalResult) => void } = {}): Promise<void> {
    const until = opts.until ?? this.config.steps;
    // (not `opts.onEval?.(await …)`: an optional call skips evaluating its arguments)
    const evaluate = async () => {
      const e = await this.evaluate();
      opts.onEval?.(e);
    };
    if (this.evals.length === 0 || this.evals[this.evals.length - 1].step !== this.step) await evaluate();
    while (this.step < until) {
      if (opts.signal?.aborted) return;
      const r = await this.trainStep();
      opts.onStep?.(r);
      if (this.step % this.config.evalEvery === 0 || this.step === until) await evaluate();
      // let the page breathe between steps (the browser's event loop, the UI's repaint)
      await new Promise((r) => setTimeout(r, 0));
    }
  }

  async weights(extra: Record<string, unknown> = {}): Promise<TrainableWeights> {
    const params = await this.distiller.readParams();
    const c = this.config;
    const first = this.evals[0];
    const last = this.evals[this.evals.length - 1];
    return {
      arch: this.arch,
      params,
      training: {
        trainer: 'attention-playground src/attention/linear/train (distillation against exact softmax attention, Adam on the GPU)',
        loss: c.loss === 'ce' ? 'soft-label cross-entropy between exact A and implied Â' : 'output MSE between Â·V and softmax(QKᵀ/√d)·V',
        steps: this.step, lr: c.lr, n: c.n, batch: c.batch, workload: c.workload, logitScale: c.logitScale, causal: c.causal,
        seed: c.seed, initSeed: c.initSeed,
        heldOut: first && last ? { before: { loss: first.loss, relErr: first.relErr }, after: { loss: last.loss, relErr: last.relErr } } : undefined,
        adapter: `${this.gpu.adapter.vendor} ${this.gpu.adapter.architecture} ${this.gpu.adapter.description}`.trim(),
        ...extra,
      },
    };
  }

  /** Replaces the parameters (e.g. loaded weights) and restarts Adam. */
  setParams(p: Float64Array) {
    this.distiller.setParams(p);
  }

  destroy() {
    this.distiller.destroy();
  }
}
