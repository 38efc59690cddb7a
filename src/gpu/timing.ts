// Timing of a plan (docs/spec/benchmarks.md, method steps 3–4).
//
// With timestamp-query: timestamps at the start and end of one compute pass holding R
// repetitions of the plan's dispatches; R is chosen so that the span is ≥ ~10 ms. A plan
// split into several parts (long work, one submit each) gets a timestamp pair per part and
// the parts' spans are summed. Without timestamp-query: wall clock around
// onSubmittedWorkDone, minus the latency of an empty submit, labelled `wall`.
import type { Gpu } from './gpu';

/** What timing needs of a plan (src/attention/types.ts Plan has these): its parts and how to encode one. */
export interface Encodable {
  readonly parts: number;
  encode(pass: GPUComputePassEncoder, part: number): void;
}

export type TimingSource = 'timestamp' | 'wall';

export interface Timing {
  /** per-trial time of one forward, ms */
  samplesMs: number[];
  medianMs: number;
  minMs: number;
  p90Ms: number;
  source: TimingSource;
  /** forwards per timed span (R) */
  repeats: number;
}

export interface TimingOptions {
  trials?: number;
  warmup?: number;
  /** target span of one trial, ms */
  minSpanMs?: number;
  maxRepeats?: number;
  signal?: AbortSignal;
  /** force the wall-clock path (tests of the fallback) */
  forceWall?: boolean;
  /** progress of long work: called after each part of a plan split into several */
  onPart?: (done: number, total: number, phase: 'warmup' | 'timed') => void;
}

export function summarize(samplesMs: number[], source: TimingSource, repeats: number): Timing {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { samplesMs, medianMs: median, minMs: sorted[0], p90Ms: q(0.9), source, repeats };
}

/** Submits one full forward (every part in its own submit) and waits for it. */
export async function runForward(gpu: Gpu, plan: Encodable, label = 'forward', onPart?: (done: number, total: number) => void): Promise<void> {
  for (let part = 0; part < plan.parts; part++) {
    const enc = gpu.device.createCommandEncoder({ label });
    const pass = enc.beginComputePass({ label: `${label} part ${part}` });
    plan.encode(pass, part);
    pass.end();
    gpu.device.queue.submit([enc.finish()]);
    // wait per part so that one long forward never queues more than a part's work at once
    await gpu.device.queue.onSubmittedWorkDone();
    if (plan.parts > 1) onPart?.(part + 1, plan.parts);
  }
}

export async function timePlan(gpu: Gpu, plan: Encodable, opts: TimingOptions = {}): Promise<Timing> {
  const trials = opts.trials ?? 5;
  const warmup = opts.warmup ?? 2;
  const minSpan = opts.minSpanMs ?? 10;
  const maxRepeats = opts.maxRepeats ?? 256;
  const check = () => {
    if (opts.signal?.aborted) throw new DOMException('cancelled', 'AbortError');
  };
  for (let i = 0; i < warmup; i++) {
    check();
    await runForward(gpu, plan, 'warmup', opts.onPart && ((a, b) => opts.onPart!(a, b, 'warmup')));
  }
  const useTimestamps = gpu.hasTimestamps && !opts.forceWall;
  const onPart = opts.onPart && ((a: number, b: number) => opts.onPart!(a, b, 'timed'));
  const timer = useTimestamps ? new TimestampTimer(gpu, plan.parts, onPart) : new WallTimer(gpu, onPart);
  try {
    // calibrate R from one forward (a plan split into parts is long work: R = 1, no calibration)
    let repeats = 1;
    if (plan.parts === 1) {
      check();
      const one = await timer.time(plan, 1);
      repeats = Math.max(1, Math.min(maxRepeats, Math.ceil(minSpan / Math.max(one, 1e-3))));
    }
    const samples: number[] = [];
    for (let t = 0; t < trials; t++) {
      check();
      samples.push((await timer.time(plan, repeats)) / repeats);
    }
    return summarize(samples, useTimestamps ? 'timestamp' : 'wall', repeats);
  } finally {
    timer.destroy();
  }
}

interface Timer {
  /** total ms of `repeats` forwards */
  time(plan: Encodable, repeats: number): Promise<number>;
  destroy(): void;
}

class TimestampTimer implements Timer {
  private readonly set: GPUQuerySet;
  private readonly resolve: GPUBuffer;
  private readonly staging: GPUBuffer;

  constructor(
    private readonly gpu: Gpu,
    private readonly parts: number,
    private readonly onPart?: (done: number, total: number) => void,
  ) {
    const count = 2 * parts;
    this.set = gpu.device.createQuerySet({ label: 'timing', type: 'timestamp', count });
    this.resolve = gpu.device.createBuffer({ label: 'timing.resolve', size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    this.staging = gpu.device.createBuffer({ label: 'timing.read', size: count * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  async time(plan: Encodable, repeats: number): Promise<number> {
    const { device } = this.gpu;
    for (let part = 0; part < plan.parts; part++) {
      const enc = device.createCommandEncoder({ label: 'timed' });
      const pass = enc.beginComputePass({
        label: `timed part ${part}`,
        timestampWrites: { querySet: this.set, beginningOfPassWriteIndex: 2 * part, endOfPassWriteIndex: 2 * part + 1 },
      });
      for (let r = 0; r < repeats; r++) plan.encode(pass, part);
      pass.end();
      if (part === plan.parts - 1) {
        enc.resolveQuerySet(this.set, 0, 2 * this.parts, this.resolve, 0);
        enc.copyBufferToBuffer(this.resolve, 0, this.staging, 0, 16 * this.parts);
      }
      device.queue.submit([enc.finish()]);
      if (plan.parts > 1) {
        await device.queue.onSubmittedWorkDone();
        this.onPart?.(part + 1, plan.parts);
      }
    }
    await this.staging.mapAsync(GPUMapMode.READ);
    const ts = new BigUint64Array(this.staging.getMappedRange().slice(0));
    this.staging.unmap();
    let ns = 0;
    for (let part = 0; part < this.parts; part++) ns += Number(ts[2 * part + 1] - ts[2 * part]);
    return ns / 1e6;
  }

  destroy() {
    this.set.destroy();
    this.resolve.destroy();
    this.staging.destroy();
  }
}

class WallTimer implements Timer {
  private emptyMs: number | undefined;
  constructor(
    private readonly gpu: Gpu,
    private readonly onPart?: (done: number, total: number) => void,
  ) {}

  private async emptySubmit(): Promise<number> {
    const t0 = performance.now();
    this.gpu.device.queue.submit([this.gpu.device.createCommandEncoder().finish()]);
    await this.gpu.device.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  }

  async time(plan: Encodable, repeats: number): Promise<number> {
    if (this.emptyMs === undefined) {
      const e = [await this.emptySubmit(), await this.emptySubmit(), await this.emptySubmit()].sort((a, b) => a - b);
      this.emptyMs = e[1];
    }
    const { device } = this.gpu;
    const t0 = performance.now();
    for (let part = 0; part < plan.parts; part++) {
      const enc = device.createCommandEncoder({ label: 'timed' });
      const pass = enc.beginComputePass({ label: `timed part ${part}` });
      for (let r = 0; r < repeats; r++) plan.encode(pass, part);
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      if (plan.parts > 1) this.onPart?.(part + 1, plan.parts);
    }
    const total = performance.now() - t0 - plan.parts * this.emptyMs;
    return Math.max(total, 1e-3);
  }

  destroy() {}
}
