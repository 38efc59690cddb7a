// The stream engine (docs/spec/variants.md §2): tokens arrive one per step into a window of N
// held in ring buffers on the GPU; every step runs there — CoSi, CoRe, Continual Nyström
// (single-output | retroactive, fixed | continual landmarks), or a baseline recomputing exact
// attention or Nyström over the window. This file is the core every method shares; each
// method's own dispatches are its strategy (strategy.ts, steps-*.ts).
//
// A batch of B steps is encoded into one compute pass (or a few, when the steps are long): each
// step has its own 256-byte uniform slot (step index, ring slot, flags), so the host decides per
// step which kernels run (landmark updates, refreshes) and the GPU never waits for the CPU
// between steps. The tokens of the batch are uploaded once per batch; the newest output of every
// step (and optionally the whole window) is read back once per batch.
import streamWgsl from '../../../shaders/stream/stream.wgsl';
import indirectWgsl from '../../../shaders/stream/indirect.wgsl';
import type { Gpu } from '../../gpu/gpu';
import type { CompiledPipeline } from '../../gpu/pipelines';
import { Allocations, packParts, type Step } from '../../gpu/plan-kit';
import { packUniform } from '../../gpu/uniforms';
import { uniformLayout } from '../../gpu/wgsl';
import { GpuError } from '../../gpu/errors';
import { opsAtStep, stabilityOps, type StreamMethod } from './ops';
import { validateStreamConfig, type StreamConfig, type StreamEngineOptions, type StreamTokens, type StreamBatchResult } from './config';
import { STREAM_METHODS } from './methods';
import { F, type EngineConfig, type Item, type MethodSteps, type Ring, type StepParams, type StepPlan, type StreamKernel, type StreamStrategy, type WindowPlan } from './strategy';
import { cosiSteps } from './steps-cosi';
import { coreSteps } from './steps-core';
import { conysSteps } from './steps-conys';
import { exactRecomputedSteps, nystromRecomputedSteps } from './steps-recomputed';

export { validateStreamConfig, type StreamConfig, type StreamEngineOptions, type StreamTokens, type StreamBatchResult } from './config';

/** Each method's GPU strategy. */
const STRATEGIES: Record<StreamMethod, StreamStrategy> = {
  cosi: cosiSteps,
  core: coreSteps,
  conys: conysSteps,
  exact: exactRecomputedSteps,
  nystrom: nystromRecomputedSteps,
};

const SLOT_BYTES = 256;

/**
 * Invocations per workgroup of the stream kernels: 16 when the window and the head are small
 * (the per-step kernels are then latency-bound: fewer idle invocations, cheaper barriers), else
 * 64. Each invocation owns up to four value channels, so WG ≥ dv/4.
 */
export function streamWorkgroupSize(n: number, d: number, dv: number): number {
  return n <= 256 && Math.max(d, dv) <= 64 ? 16 : 64;
}

interface StepSpec {
  params: StepParams;
  items: Item[];
  /** FLOPs (for cutting a batch into submits) */
  flops: number;
  /** a periodic refresh (not the first computation of the sums) */
  refresh: boolean;
}

export interface EngineInternals {
  /** external token buffers (the batch plan binds its inputs here: B = N) */
  x?: { q: GPUBuffer; k: GPUBuffer; v: GPUBuffer };
  /** uniform slots to allocate (default: the batch size) */
  slots?: number;
  /** window-output slots (the batch plan: 1) */
  wcap?: number;
}

interface CoreBuffers {
  xq: GPUBuffer;
  xk: GPUBuffer;
  xv: GPUBuffer;
  y: GPUBuffer;
  /** counters, and CoRe's queue of rows to recompute */
  st: GPUBuffer;
  uni: GPUBuffer;
}

export class StreamEngine {
  /** index of the next step */
  t = 0;
  /** totals since creation */
  readonly totals = { ops: 0, fullSteps: 0, refreshes: 0, guardRecomputes: 0 };
  private guardSeen = 0;
  private destroyed = false;
  private readonly layout = uniformLayout(streamWgsl);

  private constructor(
    readonly gpu: Gpu,
    readonly cfg: EngineConfig,
    private readonly own: Allocations,
    private readonly ring: Ring,
    private readonly method: MethodSteps,
    private readonly bufs: CoreBuffers,
    readonly batch: number,
    readonly wcap: number,
    /** every step's window is returned (wcap = batch) */
    readonly keepWindows: boolean,
  ) {}

  get bytesAllocated(): number {
    return this.own.bytes;
  }

  /** invocations per workgroup of the stream kernels */
  get wg(): number {
    return this.ring.wg;
  }

  /**
   * The first step whose output is defined: continual landmarks and the baselines need a full
   * window; CoSi, CoRe and fixed-landmark Continual Nyström attend to the tokens so far before.
   */
  get firstValidStep(): number {
    return STREAM_METHODS[this.cfg.method].firstValidStep(this.cfg);
  }

  static async create(gpu: Gpu, config: StreamConfig, opts: StreamEngineOptions = {}, internals: EngineInternals = {}): Promise<StreamEngine> {
    const errs = validateStreamConfig(config);
    if (errs.length) throw new GpuError('validation', errs.join('; '));
    const cfg: EngineConfig = { ...config, refresh: config.refresh ?? config.n, guard: config.guard ?? true, iters: config.iters ?? 6 };
    const { n, d, dv, heads: H, method } = cfg;
    const m = cfg.m ?? 1;
    const strategy = STRATEGIES[method];
    const B = Math.max(1, opts.batch ?? 64);
    const retro = STREAM_METHODS[method].retroactive(cfg);
    // retroactive methods always emit their window (its cost is part of a retroactive step): into
    // one scratch slot when the caller does not keep the windows
    const wcap = internals.wcap ?? (retro ? (opts.keepWindows ? B : 1) : 0);
    const own = new Allocations(gpu);
    const L = `stream.${method}`;
    let method_: MethodSteps | undefined;
    try {
      const wg = streamWorkgroupSize(n, d, dv);
      const names: StreamKernel[] = ['push', ...strategy.kernels];
      const list = await Promise.all(names.map((e) => gpu.pipelines.get({ shader: streamWgsl, entryPoint: e, defines: { WG: wg } })));
      const pipes = new Map(names.map((k, i) => [k, list[i]]));
      const xq = internals.x?.q ?? own.buffer(`${L}.tokens.q`, H * B * d);
      const xk = internals.x?.k ?? own.buffer(`${L}.tokens.k`, H * B * d);
      const xv = internals.x?.v ?? own.buffer(`${L}.tokens.v`, H * B * dv);
      const r = own.buffer(`${L}.ring`, H * (2 * n * d + n * dv + d + dv));
      const s = own.buffer(`${L}.state`, strategy.stateFloats(cfg));
      const y = own.buffer(`${L}.outputs`, H * wcap * n * dv + H * B * dv);
      const zOff = 2 * H * m * d;
      const mBuf = own.buffer(`${L}.landmarks`, strategy.landmarkFloats(cfg));
      // counters, and CoRe's queue of rows to recompute with its indirect dispatch arguments
      const st = own.add(gpu.buffer(`${L}.counters`, 4 * (8 + H * n), GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | GPUBufferUsage.INDIRECT));
      gpu.device.queue.writeBuffer(st, 0, new Uint32Array(8));
      const args = own.add(gpu.buffer(`${L}.indirect`, 16, GPUBufferUsage.STORAGE | GPUBufferUsage.INDIRECT | GPUBufferUsage.COPY_DST));
      const argsPipe = await gpu.pipelines.get({ shader: indirectWgsl, entryPoint: 'main' });
      const argsBg = gpu.bindGroup(argsPipe, `${L}.indirect`, [st, args]);
      const slots = Math.max(1, internals.slots ?? B);
      const uni = own.add(gpu.buffer(`${L}.step uniforms`, slots * SLOT_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST));
      const slot = (k: number): GPUBufferBinding => ({ buffer: uni, offset: k * SLOT_BYTES, size: SLOT_BYTES });
      const pushPipe = pipes.get('push')!;
      const bindGroups = Array.from({ length: slots }, (_, k) => gpu.bindGroup(pushPipe, `${L}.step ${k}`, [slot(k), xq, xk, xv, r, s, y, mBuf, st]));
      const pipe = (name: StreamKernel): CompiledPipeline => {
        const p = pipes.get(name);
        if (!p) throw new Error(`${method} does not declare the kernel ${name}`);
        return p;
      };

      const ring: Ring = {
        gpu, cfg, own, label: L, wg, r, y, m: mBuf, zOff, slots, slot,
        kernel(name, count) {
          const p = pipe(name);
          return (pass, k) => gpu.dispatch(pass, p, bindGroups[k], count, H);
        },
        queued(name) {
          const p = pipe(name);
          return (pass, k) => {
            gpu.dispatch(pass, argsPipe, argsBg, 1);
            pass.setPipeline(p.pipeline);
            pass.setBindGroup(0, bindGroups[k]);
            pass.dispatchWorkgroupsIndirect(args, 0);
          };
        },
        steps: (list: Step[]) => (pass) => {
          for (const x of list) x.encode(pass);
        },
      };
      method_ = await strategy.prepare(ring);
      const engine = new StreamEngine(gpu, cfg, own, ring, method_, { xq, xk, xv, y, st, uni }, B, wcap, Boolean(opts.keepWindows && retro));
      await method_.init?.();
      return engine;
    } catch (e) {
      method_?.destroy?.();
      own.releaseAll();
      throw e;
    }
  }

  /** The uniform values every step starts from (the strategy adds its own). */
  private baseParams(t: number, k: number): StepParams {
    const { n, d, dv, heads, method } = this.cfg;
    const [qscale, kscale] = STREAM_METHODS[method].scales(d);
    return {
      t, b: k, wslot: this.keepWindows ? k : 0, slot: t % n, count: Math.min(t + 1, n), n, d, dv, heads, m: this.cfg.m ?? 1,
      batch: this.batch, wcap: this.wcap, flags: 0, newLm: 0, blk0: 0, blockLen: 1,
      evict: t >= n ? 1 : 0, zOff: this.ring.zOff, g0: 0, qscale, kscale,
    };
  }

  /** What step t runs (kernels, uniform values, FLOPs). */
  private stepSpec(t: number, k: number): StepSpec {
    const { n, d, dv, method, refresh, guard } = this.cfg;
    const params = this.baseParams(t, k);
    const periodic = refresh > 0 && (t + 1) % refresh === 0 && STREAM_METHODS[method].stabilized;
    const step: StepPlan = {
      t, count: params.count, params, flags: (guard ? F.guard : 0) | (this.wcap > 0 ? F.windows : 0), refresh: periodic,
      items: [this.ring.kernel('push', 1)],
    };
    this.method.step(step);
    params.flags = step.flags | (step.refresh ? F.refresh : 0);
    const shape = { n, d, m: this.cfg.m ?? 1, output: this.cfg.output, landmarks: this.cfg.landmarks };
    const flops = 2 * (opsAtStep(method, shape, t) + (step.refresh ? stabilityOps(method, shape, 1, 0) : 0)) + 4 * n * (d + dv);
    return { params, items: step.items, flops, refresh: periodic };
  }

  private writeUniforms(list: StepParams[]) {
    const data = new Uint8Array(list.length * SLOT_BYTES);
    list.forEach((p, k) => data.set(new Uint8Array(packUniform(this.layout, p)), k * SLOT_BYTES));
    this.gpu.device.queue.writeBuffer(this.bufs.uni, 0, data);
  }

  /**
   * Runs tok.steps steps (≤ the batch size) on the GPU and reads their outputs back.
   * With `timed`, timestamp queries measure the GPU time of the batch's passes.
   */
  async run(tok: StreamTokens, opts: { timed?: boolean } = {}): Promise<StreamBatchResult> {
    if (this.destroyed) throw new Error('this stream engine was destroyed');
    const { heads: H, d, dv, n } = this.cfg;
    const steps = tok.steps;
    if (!(steps >= 1 && steps <= this.batch)) throw new RangeError(`a batch holds 1…${this.batch} steps, got ${steps}`);
    if (tok.q.length !== H * steps * d || tok.k.length !== H * steps * d || tok.v.length !== H * steps * dv) {
      throw new RangeError(`tokens must be H×steps×d = ${H}×${steps}×${d} (v: ×${dv})`);
    }
    const { gpu } = this;
    const q = gpu.device.queue;
    for (let h = 0; h < H; h++) {
      q.writeBuffer(this.bufs.xq, h * this.batch * d * 4, tok.q as Float32Array<ArrayBuffer>, h * steps * d, steps * d);
      q.writeBuffer(this.bufs.xk, h * this.batch * d * 4, tok.k as Float32Array<ArrayBuffer>, h * steps * d, steps * d);
      q.writeBuffer(this.bufs.xv, h * this.batch * dv * 4, tok.v as Float32Array<ArrayBuffer>, h * steps * dv, steps * dv);
    }
    const t0 = this.t;
    const specs = Array.from({ length: steps }, (_, k) => this.stepSpec(t0 + k, k));
    this.writeUniforms(specs.map((s) => s.params));

    // cut the batch into submits of at most maxFlopsPerSubmit
    const groups = packParts(specs.map((s, k) => ({ flops: s.flops, k })), gpu.maxFlopsPerSubmit).map((g) => g.map((x) => x.k));

    const timed = Boolean(opts.timed) && gpu.hasTimestamps;
    const qs = timed ? gpu.device.createQuerySet({ type: 'timestamp', count: 2 * groups.length }) : undefined;
    const resolve = timed ? gpu.device.createBuffer({ size: 16 * groups.length, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : undefined;
    const w0 = performance.now();
    let gpuMs: number | undefined;
    try {
      await gpu.scoped(`stream ${this.cfg.method} steps ${t0}…${t0 + steps - 1}`, async () => {
        for (let g = 0; g < groups.length; g++) {
          const enc = gpu.device.createCommandEncoder({ label: 'stream steps' });
          const pass = enc.beginComputePass({
            label: 'stream steps',
            ...(qs ? { timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 2 * g, endOfPassWriteIndex: 2 * g + 1 } } : {}),
          });
          for (const k of groups[g]) for (const item of specs[k].items) item(pass, k);
          pass.end();
          if (qs && g === groups.length - 1) enc.resolveQuerySet(qs, 0, 2 * groups.length, resolve!, 0);
          q.submit([enc.finish()]);
          await q.onSubmittedWorkDone();
        }
        if (resolve) {
          const ts = await readU64(gpu, resolve, 2 * groups.length);
          let ns = 0;
          for (let g = 0; g < groups.length; g++) ns += Number(ts[2 * g + 1] - ts[2 * g]);
          gpuMs = ns / 1e6;
        }
      });
    } finally {
      qs?.destroy();
      resolve?.destroy();
    }
    const yAll = await gpu.read(this.bufs.y, 0, this.bufs.y.size);
    const newestOff = H * this.wcap * n * dv;
    const newest = new Float32Array(H * steps * dv);
    for (let h = 0; h < H; h++) newest.set(yAll.subarray(newestOff + h * this.batch * dv, newestOff + (h * this.batch + steps) * dv), h * steps * dv);
    let windows: Float32Array | undefined;
    if (this.keepWindows) {
      windows = new Float32Array(H * steps * n * dv);
      for (let h = 0; h < H; h++) windows.set(yAll.subarray(h * this.wcap * n * dv, (h * this.wcap + steps) * n * dv), h * steps * n * dv);
    }
    // (the guard counter is ST[0]; the queue behind it is scratch)
    const count = await this.guardCount();
    const guard = count - this.guardSeen;
    this.guardSeen = count;
    const wallMs = performance.now() - w0;

    const shape = { n, d, m: this.cfg.m, output: this.cfg.output, landmarks: this.cfg.landmarks };
    let ops = 0;
    let fullSteps = 0;
    for (let k = 0; k < steps; k++) {
      if (t0 + k >= n - 1) {
        ops += H * opsAtStep(this.cfg.method, shape, t0 + k);
        fullSteps++;
      }
    }
    const refreshes = specs.filter((s) => s.refresh).length;
    this.t += steps;
    this.totals.ops += ops;
    this.totals.fullSteps += fullSteps;
    this.totals.refreshes += refreshes;
    this.totals.guardRecomputes += guard;
    return { t0, steps, newest, windows, gpuMs, wallMs, ops, fullSteps, refreshes, guardRecomputes: guard };
  }

  /**
   * The batch run of a streaming method: the N tokens already in the token buffers (B = N) are
   * stored in the ring at once and the state of step N − 1 is computed from scratch, as a refresh
   * would; then the whole window is emitted, every row computed the way the method computes its
   * newest one. Used by the registry's plan for cosi/core/conys (see plan.ts).
   * Returns the dispatches, cut at `budget` FLOPs, as parts.
   */
  windowParts(budget: number): ((pass: GPUComputePassEncoder) => void)[] {
    const { n, d, dv, method, guard } = this.cfg;
    if (!this.method.window) throw new Error(`${method} has no window plan`);
    const base = this.stepSpec(n - 1, 0).params;
    const uniforms: StepParams[] = [];
    const work: { flops: number; run: (pass: GPUComputePassEncoder) => void }[] = [];
    const plan: WindowPlan = {
      budget,
      flags: F.windows | (guard ? F.guard : 0),
      slot(values) {
        uniforms.push({ ...base, b: n - 1, wslot: 0, ...values });
        return uniforms.length - 1;
      },
      kernel: (slot, name, count, flops) => {
        const item = this.ring.kernel(name, count);
        work.push({ flops, run: (pass) => item(pass, slot) });
      },
      steps(list) {
        for (const s of list) work.push({ flops: s.flops, run: (pass) => s.encode(pass) });
      },
    };
    plan.kernel(plan.slot({ flags: F.allRows }), 'push', n, n * (2 * d + dv));
    this.method.window(plan);
    if (uniforms.length > this.ring.slots) throw new Error(`window plan needs ${uniforms.length} uniform slots, has ${this.ring.slots}`);
    this.writeUniforms(uniforms);
    return packParts(work, budget).map((part) => (pass: GPUComputePassEncoder) => part.forEach((w) => w.run(pass)));
  }

  /** The window output buffer of a window plan (H×N×dv at offset 0, since wcap = 1). */
  get windowOutput(): GPUBuffer {
    return this.bufs.y;
  }

  /** the cancellation guard's recomputations so far (its counter, ST[0]) */
  async guardCount(): Promise<number> {
    return new Uint32Array((await this.gpu.read(this.bufs.st, 0, 16)).buffer)[0];
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.method.destroy?.();
    this.own.releaseAll();
  }
}

async function readU64(gpu: Gpu, buf: GPUBuffer, count: number): Promise<BigUint64Array> {
  const staging = gpu.device.createBuffer({ size: count * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const enc = gpu.device.createCommandEncoder();
    enc.copyBufferToBuffer(buf, 0, staging, 0, count * 8);
    gpu.device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    return new BigUint64Array(staging.getMappedRange().slice(0));
  } finally {
    staging.destroy();
  }
}
