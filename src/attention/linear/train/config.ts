// The trainer's settings (the training panel's fields, the flags of `cli train`), their
// limits and checks, and the command's usage: kept apart from the trainer (trainer.ts, which
// loads the WGSL) so that the variant declares its command without loading it.
import { WORKLOADS, type WorkloadId } from '../../../bench/run-params';
import type { TrainableArch, TrainableKernel } from '../kernels';
import type { LossKind } from './reference';

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

/** `cli help`'s block for `train` (the command: ../cli-train.ts). */
export const HELP_TRAIN = `  train --kernel ffk|hedgehog --out W.json
      [--d D] [--features F] [--layers L] [--loss ce|mse] [--lr X] [--steps S]
      [--n N] [--batch B] [--workload mixed|${WORKLOADS.join('|')}] [--logit-scale X]
      [--causal] [--seed S] [--init-seed S] [--init W0.json] [--eval-every E]
      [--eval-batches K] [--log LOG.csv]
      distils the kernel against exact softmax attention (Adam on the GPU, a fresh
      seeded batch of B sequences of N tokens per step, a held-out set from another seed
      stream) and writes its weights JSON (use with run/bench --set weights=W.json);
      defaults: d ${DEFAULT_TRAIN.d}, features ${DEFAULT_TRAIN.features}, layers ${DEFAULT_TRAIN.layers}, loss ${DEFAULT_TRAIN.loss}, lr ${DEFAULT_TRAIN.lr}, steps ${DEFAULT_TRAIN.steps}, n ${DEFAULT_TRAIN.n},
      batch ${DEFAULT_TRAIN.batch}, workload ${DEFAULT_TRAIN.workload}; --init continues from saved weights; Ctrl-C stops
      after the current step and writes the weights so far`;
