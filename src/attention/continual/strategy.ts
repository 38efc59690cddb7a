// What a stream method gives the ring-buffer core (ring.ts), and what the core gives it back.
//
// The core owns what every method shares: the ring buffers of the window, the upload of a
// batch's tokens and the `push` kernel that stores them, the per-step uniform slots and their
// bind groups, CoRe's recomputation queue with its indirect dispatch, cutting a batch into
// submits, the timestamps and the readback. A strategy (one file per method: steps-*.ts)
// declares the kernels it runs and the size of its state, and plans its part of each step and
// of the batch (one-window) run.
import type { Gpu } from '../../gpu/gpu';
import type { Allocations, Step } from '../../gpu/plan-kit';
import type { StreamConfig } from './config';

/** Flags of the per-step uniform (shaders/stream/params.wgsl, the F_* constants). */
export const F = { refresh: 1, guard: 2, update: 4, windows: 8, allRows: 16, allCols: 32 } as const;

/** Entry points of shaders/stream/stream.wgsl: `push` is the core's, the others the methods'. */
export type StreamKernel = 'push' | 'cosi' | 'core' | 'coreSlide' | 'coreRedo' | 'nysBlockMean' | 'nysLand' | 'nysPhi' | 'nysOut' | 'nysRetroG' | 'nysEmit';

/** Values of the per-step uniform, by field of `struct Params` (the WGSL declares the layout). */
export type StepParams = Record<string, number>;

/** The engine's configuration with its defaults filled in. */
export type EngineConfig = Required<Pick<StreamConfig, 'method' | 'n' | 'd' | 'dv' | 'heads' | 'refresh' | 'guard' | 'iters'>> & StreamConfig;

/** Something a step encodes, given the pass and the step's uniform slot. */
export type Item = (pass: GPUComputePassEncoder, slot: number) => void;

/** What the core gives a strategy to build its resources and dispatches with. */
export interface Ring {
  readonly gpu: Gpu;
  readonly cfg: EngineConfig;
  /** the engine's allocations (released on destroy) */
  readonly own: Allocations;
  /** label prefix of the engine's buffers */
  readonly label: string;
  /** invocations per workgroup of the stream kernels */
  readonly wg: number;
  /** the ring buffers, the method's state, the outputs and Continual Nyström's landmarks */
  readonly r: GPUBuffer;
  readonly y: GPUBuffer;
  readonly m: GPUBuffer;
  /** offset (floats) of Z in the landmark buffer */
  readonly zOff: number;
  /** uniform slots (one bind group each) */
  readonly slots: number;
  /** the uniform slot k, for a method's own pipelines */
  slot(k: number): GPUBufferBinding;
  /** runs a stream.wgsl kernel over `count` workgroups per head, bound to the step's slot */
  kernel(name: StreamKernel, count: number): Item;
  /** runs a kernel over the rows queued this step, one workgroup each (an indirect dispatch) */
  queued(name: StreamKernel): Item;
  /** encodes steps that bind their own buffers */
  steps(list: Step[]): Item;
}

/** One step being planned: the core has set the common uniform values and queued the push. */
export interface StepPlan {
  readonly t: number;
  /** tokens in the window: min(t + 1, N) */
  readonly count: number;
  /** the uniform values; a strategy sets its own fields (blockLen, blk0, newLm) */
  readonly params: StepParams;
  /** flags the strategy adds (F.update, F.allCols) */
  flags: number;
  /** recompute the running sums this step: set by the core on periodic refreshes, by a strategy when it starts its sums */
  refresh: boolean;
  /** the step's dispatches, in order */
  readonly items: Item[];
}

/** The batch (one-window) run being planned: the core has queued the push of every token. */
export interface WindowPlan {
  /** FLOPs a part may hold */
  readonly budget: number;
  /** flags of a window dispatch: F.windows, and F.guard when the guard is on */
  readonly flags: number;
  /** a uniform slot holding step N − 1's values overlaid with `values` */
  slot(values: StepParams): number;
  kernel(slot: number, name: StreamKernel, count: number, flops: number): void;
  steps(list: Step[]): void;
}

/** A method's resources and planning, made once per engine. */
export interface MethodSteps {
  step(s: StepPlan): void;
  /** the batch run (undefined: this method has none) */
  window?(w: WindowPlan): void;
  /** one-off work once the engine exists (fixed landmarks: their pseudo-inverse) */
  init?(): Promise<void>;
  destroy?(): void;
}

export interface StreamStrategy {
  /** the stream.wgsl kernels it dispatches besides `push` */
  readonly kernels: readonly StreamKernel[];
  /** floats of the state buffer S and of the landmark buffer M, all heads */
  stateFloats(cfg: EngineConfig): number;
  landmarkFloats(cfg: EngineConfig): number;
  prepare(ring: Ring): Promise<MethodSteps>;
}

/**
 * The batch run of a method that computes each row of the window on its own (CoSi, CoRe):
 * `kernel` over the N rows, in chunks of rows whose ≈ 4N(d + dv) FLOPs each fit a part.
 */
export function windowByRows(w: WindowPlan, cfg: EngineConfig, kernel: StreamKernel, flags: number): void {
  const { n, d, dv, heads } = cfg;
  const perRow = 4 * n * (d + dv) * heads;
  const rows = Math.max(1, Math.floor(w.budget / perRow));
  for (let g0 = 0; g0 < n; g0 += rows) {
    const count = Math.min(rows, n - g0);
    w.kernel(w.slot({ g0, flags }), kernel, count, count * perRow);
  }
}
