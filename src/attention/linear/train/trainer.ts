// Training a trainable feature map (hedgehog, ffk) by distillation against exact softmax
// attention — the one implementation behind the CLI's `train` command and the browser's
// training panel. Fresh seeded batches from the chosen workload every step, a fixed held-out
// set drawn from a disjoint seed stream, Adam on the GPU (./gpu.ts), and the
// weights as JSON (src/attention/linear/weights.ts).
import type { Gpu } from '../../../gpu/gpu';
import { WORKLOADS, type WorkloadId } from '../../../bench/run-params';
import { generateInputs } from '../../../workloads/generate';
import { initParams, paramCount, type TrainableArch } from '../kernels';
import type { TrainableWeights } from '../weights';
import { GpuDistiller, DEFAULT_ADAM, type BatchStats } from './gpu';
import type { Batch } from './reference';
import { archOfConfig, checkTrainConfig, type TrainConfig } from './config';

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
