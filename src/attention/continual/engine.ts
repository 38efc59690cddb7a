// The stream engine (spec/variants.md §2): tokens arrive one per step into a window of N; every
// step runs on the GPU — CoSi, CoRe, Continual Nyström (single-output | retroactive, fixed |
// continual landmarks), or a baseline recomputing exact attention or Nyström over the window.
//
// A batch of B steps is encoded into one compute pass (or a few, when the steps are long): each
// step has its own 256-byte uniform slot (step index, ring slot, flags), so the host decides per
// step which kernels run (landmark updates, refreshes) and the GPU never waits for the CPU
// between steps. The tokens of the batch are uploaded once per batch; the newest output of every
// step (and optionally the whole window) is read back once per batch.
import streamWgsl from '../../../shaders/stream/stream.wgsl';
import baselineWgsl from '../../../shaders/stream/baseline.wgsl';
import emitWgsl from '../../../shaders/stream/emit.wgsl';
import indirectWgsl from '../../../shaders/stream/indirect.wgsl';
import type { Gpu } from '../../gpu/gpu';
import type { CompiledPipeline } from '../../gpu/pipelines';
import { packUniform } from '../../gpu/uniforms';
import { GpuError } from '../../gpu/errors';
import { NystromKernels } from '../nystrom/kernels';
import { Allocations, packParts, type Step } from '../../gpu/plan-kit';
import { planExact } from '../exact/plan';
import { planNystrom } from '../nystrom/plan';
import type { Plan } from '../types';
import { isLandmarkStep, opsAtStep, stabilityOps } from './ops';
import { validateStreamConfig, type StreamConfig, type StreamEngineOptions, type StreamTokens, type StreamBatchResult } from './config';

export { STREAM_MAX_D, STREAM_MAX_M, validateStreamConfig, type StreamConfig, type StreamEngineOptions, type StreamTokens, type StreamBatchResult } from './config';

const STREAM = streamWgsl;
const BASELINE = baselineWgsl;
const EMIT = emitWgsl;
const INDIRECT = indirectWgsl;

const PARAMS_U = {
  t: 'u32', b: 'u32', wslot: 'u32', slot: 'u32', count: 'u32', n: 'u32', d: 'u32', dv: 'u32', heads: 'u32', m: 'u32',
  batch: 'u32', wcap: 'u32', flags: 'u32', newLm: 'u32', blk0: 'u32', blockLen: 'u32', evict: 'u32', zOff: 'u32', g0: 'u32',
  qscale: 'f32', kscale: 'f32',
} as const;
type ParamValues = Record<keyof typeof PARAMS_U, number>;

export const F = { refresh: 1, guard: 2, update: 4, windows: 8, allRows: 16, allCols: 32 } as const;
const SLOT_BYTES = 256;

/**
 * Invocations per workgroup of the stream kernels: 16 when the window and the head are small
 * (the per-step kernels are then latency-bound: fewer idle invocations, cheaper barriers), else
 * 64. Each invocation owns up to four value channels, so WG ≥ dv/4.
 */
export function streamWorkgroupSize(n: number, d: number, dv: number): number {
  return n <= 256 && Math.max(d, dv) <= 64 ? 16 : 64;
}

type Kernel = 'push' | 'cosi' | 'core' | 'coreSlide' | 'coreRedo' | 'nysBlockMean' | 'nysLand' | 'nysPhi' | 'nysOut' | 'nysRetroG' | 'nysEmit';
const KERNELS: Kernel[] = ['push', 'cosi', 'core', 'coreSlide', 'coreRedo', 'nysBlockMean', 'nysLand', 'nysPhi', 'nysOut', 'nysRetroG', 'nysEmit'];

type Item =
  | { kind: 'kernel'; name: Kernel; count: number }
  | { kind: 'indirect'; name: Kernel }
  | { kind: 'gather' }
  | { kind: 'emit' }
  | { kind: 'steps'; steps: Step[] }
  | { kind: 'plan' };

interface StepSpec {
  params: ParamValues;
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

export class StreamEngine {
  /** index of the next step */
  t = 0;
  /** totals since creation */
  readonly totals = { ops: 0, fullSteps: 0, refreshes: 0, guardRecomputes: 0 };
  readonly batch: number;
  readonly wcap: number;
  private guardSeen = 0;
  private destroyed = false;

  private constructor(
    readonly gpu: Gpu,
    readonly cfg: Required<Pick<StreamConfig, 'method' | 'n' | 'd' | 'dv' | 'heads' | 'refresh' | 'guard' | 'iters'>> & StreamConfig,
    private readonly own: Allocations,
    private readonly pipes: Record<Kernel, CompiledPipeline>,
    private readonly bufs: {
      xq: GPUBuffer; xk: GPUBuffer; xv: GPUBuffer; r: GPUBuffer; s: GPUBuffer; y: GPUBuffer; m: GPUBuffer; st: GPUBuffer; uni: GPUBuffer;
      args: GPUBuffer; argsPipe: CompiledPipeline; argsBg: GPUBindGroup;
    },
    private readonly bindGroups: GPUBindGroup[],
    private readonly landmarkSteps: Step[],
    private readonly baseline: { plan: Plan; gather: { pipe: CompiledPipeline; bgs: GPUBindGroup[] }; emit: { pipe: CompiledPipeline; bgs: GPUBindGroup[] } } | undefined,
    readonly zOff: number,
    batch: number,
    wcap: number,
    /** every step's window is returned (wcap = batch) */
    readonly keepWindows: boolean,
    /** invocations per workgroup of the stream kernels */
    readonly wg: number,
  ) {
    this.batch = batch;
    this.wcap = wcap;
  }

  get bytesAllocated(): number {
    return this.own.bytes;
  }

  /**
   * The first step whose output is defined: continual landmarks and the baselines need a full
   * window; CoSi, CoRe and fixed-landmark Continual Nyström attend to the tokens so far before.
   */
  get firstValidStep(): number {
    const { method, landmarks, n } = this.cfg;
    return (method === 'conys' && landmarks === 'continual') || method === 'exact' || method === 'nystrom' ? n - 1 : 0;
  }

  static async create(gpu: Gpu, config: StreamConfig, opts: StreamEngineOptions = {}, internals: EngineInternals = {}): Promise<StreamEngine> {
    const errs = validateStreamConfig(config);
    if (errs.length) throw new GpuError('validation', errs.join('; '));
    const cfg = { ...config, refresh: config.refresh ?? config.n, guard: config.guard ?? true, iters: config.iters ?? 6 };
    const { n, d, dv, heads: H, method } = cfg;
    const m = cfg.m ?? 1;
    const B = Math.max(1, opts.batch ?? 64);
    const retro = method === 'core' || (method === 'conys' && cfg.output === 'retroactive') || method === 'exact' || method === 'nystrom';
    // retroactive methods always emit their window (its cost is part of a retroactive step): into
    // one scratch slot when the caller does not keep the windows
    const wcap = internals.wcap ?? (retro ? (opts.keepWindows ? B : 1) : 0);
    const own = new Allocations(gpu);
    const L = `stream.${method}`;
    try {
      const bindings = ['uniform', 'read', 'read', 'read', 'storage', 'storage', 'storage', 'storage', 'storage'] as const;
      const wg = streamWorkgroupSize(n, d, dv);
      const list = await Promise.all(KERNELS.map((e) => gpu.pipelines.get({ shader: STREAM, entryPoint: e, bindings: [...bindings], defines: { WG: wg } })));
      const pipes = Object.fromEntries(KERNELS.map((k, i) => [k, list[i]])) as Record<Kernel, CompiledPipeline>;
      const xq = internals.x?.q ?? own.buffer(`${L}.tokens.q`, H * B * d);
      const xk = internals.x?.k ?? own.buffer(`${L}.tokens.k`, H * B * d);
      const xv = internals.x?.v ?? own.buffer(`${L}.tokens.v`, H * B * dv);
      const r = own.buffer(`${L}.ring`, H * (2 * n * d + n * dv + d + dv));
      const sFloats = method === 'core' ? H * n * (2 + dv) : method === 'conys' ? H * (2 * m + 2 * m * dv + 2 * n * m + 2 * n) : 1;
      const s = own.buffer(`${L}.state`, sFloats);
      const y = own.buffer(`${L}.outputs`, H * wcap * n * dv + H * B * dv);
      const zOff = 2 * H * m * d;
      const mBuf = own.buffer(`${L}.landmarks`, method === 'conys' ? zOff + H * m * m : 1);
      // counters, and CoRe's queue of rows to recompute with its indirect dispatch arguments
      const st = own.add(gpu.buffer(`${L}.counters`, 4 * (8 + H * n), GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | GPUBufferUsage.INDIRECT));
      gpu.device.queue.writeBuffer(st, 0, new Uint32Array(8));
      const args = own.add(gpu.buffer(`${L}.indirect`, 16, GPUBufferUsage.STORAGE | GPUBufferUsage.INDIRECT | GPUBufferUsage.COPY_DST));
      const argsPipe = await gpu.pipelines.get({ shader: INDIRECT, entryPoint: 'main', bindings: ['read', 'storage'] });
      const argsBg = gpu.bindGroup(argsPipe, `${L}.indirect`, [st, args]);
      const slots = Math.max(1, internals.slots ?? B);
      const uni = own.add(gpu.buffer(`${L}.step uniforms`, slots * SLOT_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST));
      const bindGroups: GPUBindGroup[] = [];
      for (let k = 0; k < slots; k++) {
        bindGroups.push(gpu.bindGroup(pipes.push, `${L}.step ${k}`, [{ buffer: uni, offset: k * SLOT_BYTES, size: SLOT_BYTES }, xq, xk, xv, r, s, y, mBuf, st]));
      }
      const bufs = { xq, xk, xv, r, s, y, m: mBuf, st, uni, args, argsPipe, argsBg };

      // Continual Nyström: A = softmax(Q̃K̃ᵀ), Z = pinvIter(A), copied next to the landmarks
      let landmarkSteps: Step[] = [];
      if (method === 'conys') {
        const kernels = await NystromKernels.load(gpu);
        const a = own.buffer(`${L}.A`, H * m * m);
        const [z0, z1, p, u, w] = ['Z', 'Z′', 'P', 'U', 'W'].map((x) => own.buffer(`${L}.pinv.${x}`, H * m * m));
        const big = Number.MAX_SAFE_INTEGER; // these steps are encoded inside a step, never cut
        landmarkSteps = [
          ...kernels.matmul(own, { label: `${L}.A`, x: mBuf, y: mBuf, c: a, rows: m, inner: d, cols: m, batches: H, xOff: 0, yOff: H * m * d, xStride: m * d, yStride: m * d, transY: true }, big),
          ...kernels.softmax(own, `${L}.softmaxA`, a, { cols: m, rowsPerBatch: m, batches: H }, big),
        ];
        const pinv = kernels.pinv(own, a, z0, z1, p, u, w, m, H, cfg.iters);
        landmarkSteps.push(...pinv.steps);
        landmarkSteps.push(...kernels.matmul(own, { label: `${L}.copyZ`, x: pinv.result, y: pinv.result, c: mBuf, rows: m, inner: m, cols: m, batches: H, cOff: zOff, sigma: 0, gamma: 1 }, big));
      }

      let baseline: StreamEngine['baseline'];
      if (method === 'exact' || method === 'nystrom') {
        const wq = own.buffer(`${L}.window.q`, H * n * d);
        const wk = own.buffer(`${L}.window.k`, H * n * d);
        const wv = own.buffer(`${L}.window.v`, H * n * dv);
        const shape = { n, d, dv, heads: H, causal: false };
        const plan = method === 'exact'
          ? await planExact(gpu, shape, 'flash', { q: wq, k: wk, v: wv })
          : await planNystrom(gpu, shape, m, cfg.iters, { q: wq, k: wk, v: wv }, { label: `${L}.nystrom` });
        const gPipe = await gpu.pipelines.get({ shader: BASELINE, entryPoint: 'gather', bindings: ['uniform', 'read', 'storage', 'storage', 'storage'] });
        const ePipe = await gpu.pipelines.get({ shader: EMIT, entryPoint: 'emit', bindings: ['uniform', 'read', 'storage'] });
        const slotB = (k: number) => ({ buffer: uni, offset: k * SLOT_BYTES, size: SLOT_BYTES });
        baseline = {
          plan,
          gather: { pipe: gPipe, bgs: bindGroups.map((_, k) => gpu.bindGroup(gPipe, `${L}.gather ${k}`, [slotB(k), r, wq, wk, wv])) },
          emit: { pipe: ePipe, bgs: bindGroups.map((_, k) => gpu.bindGroup(ePipe, `${L}.emit ${k}`, [slotB(k), plan.output, y])) },
        };
      }

      const engine = new StreamEngine(gpu, cfg, own, pipes, bufs, bindGroups, landmarkSteps, baseline, zOff, B, wcap, Boolean(opts.keepWindows && retro), wg);
      if (method === 'conys' && cfg.landmarks !== 'continual') {
        // fixed landmarks: scale into the logit space, then A and Z once
        const s4 = d ** -0.25;
        const lm = new Float32Array(2 * H * m * d);
        lm.set(cfg.fixedLandmarks!.q.map((x) => x * s4), 0);
        lm.set(cfg.fixedLandmarks!.k.map((x) => x * s4), H * m * d);
        gpu.device.queue.writeBuffer(mBuf, 0, lm);
        await gpu.scoped('fixed landmarks: pseudo-inverse', () => engine.submitSteps(landmarkSteps));
      }
      return engine;
    } catch (e) {
      own.releaseAll();
      throw e;
    }
  }

  private async submitSteps(steps: Step[]) {
    for (const part of packParts(steps, this.gpu.maxFlopsPerSubmit)) {
      const enc = this.gpu.device.createCommandEncoder({ label: 'stream setup' });
      const pass = enc.beginComputePass({ label: 'stream setup' });
      for (const s of part) s.encode(pass);
      pass.end();
      this.gpu.device.queue.submit([enc.finish()]);
      await this.gpu.device.queue.onSubmittedWorkDone();
    }
  }

  /** What step t runs (kernels, uniform values, FLOPs). */
  private stepSpec(t: number, k: number): StepSpec {
    const { n, d, dv, heads, method, refresh, guard } = this.cfg;
    const m = this.cfg.m ?? 1;
    const count = Math.min(t + 1, n);
    let flags = guard ? F.guard : 0;
    if (this.wcap > 0) flags |= F.windows;
    const s4 = d ** -0.25;
    const scales = method === 'conys' ? [s4, s4] : method === 'cosi' || method === 'core' ? [1 / Math.sqrt(d), 1] : [1, 1];
    const periodic = refresh > 0 && (t + 1) % refresh === 0 && (method === 'core' || method === 'conys');
    let isRefresh = periodic;
    const params: ParamValues = {
      t, b: k, wslot: this.keepWindows ? k : 0, slot: t % n, count, n, d, dv, heads, m, batch: this.batch, wcap: this.wcap,
      flags: 0, newLm: 0, blk0: 0, blockLen: method === 'conys' ? Math.max(1, Math.floor(n / m)) : 1,
      evict: t >= n ? 1 : 0, zOff: this.zOff, g0: 0, qscale: scales[0], kscale: scales[1],
    };
    const items: Item[] = [{ kind: 'kernel', name: 'push', count: 1 }];
    const retro = this.cfg.output === 'retroactive';
    switch (method) {
      case 'cosi':
        items.push({ kind: 'kernel', name: 'cosi', count: 1 });
        break;
      case 'core':
        // slide every row by one token (one invocation each), then recompute the queued ones
        items.push({ kind: 'kernel', name: 'coreSlide', count: Math.ceil(count / this.wg) }, { kind: 'indirect', name: 'coreRedo' });
        break;
      case 'exact':
      case 'nystrom':
        if (t >= n - 1) items.push({ kind: 'gather' }, { kind: 'plan' }, { kind: 'emit' });
        break;
      case 'conys': {
        const continual = this.cfg.landmarks === 'continual';
        if (continual && t < n - 1) break; // no landmarks before the first full window
        let update = false;
        let init = false;
        if (continual && t === n - 1) {
          init = true;
          params.blk0 = 0;
          flags |= F.allCols;
          items.push({ kind: 'kernel', name: 'nysBlockMean', count: m }, { kind: 'steps', steps: this.landmarkSteps });
        } else if (continual && isLandmarkStep(t, n, m)) {
          update = true;
          const j = (t + 1) / params.blockLen - 1;
          params.blk0 = j;
          params.newLm = j % m;
          flags |= F.update;
          items.push({ kind: 'kernel', name: 'nysBlockMean', count: 1 }, { kind: 'steps', steps: this.landmarkSteps });
        }
        // the first step of fixed landmarks and the first full window of continual ones start the sums
        if (init || (!continual && t === 0)) isRefresh = true;
        items.push({ kind: 'kernel', name: 'nysLand', count: m });
        if (retro && (init || update)) items.push({ kind: 'kernel', name: 'nysPhi', count });
        items.push({ kind: 'kernel', name: 'nysOut', count: 1 });
        if (retro && (init || update)) items.push({ kind: 'kernel', name: 'nysRetroG', count });
        if (retro) items.push({ kind: 'kernel', name: 'nysEmit', count: Math.ceil(count / this.wg) });
        break;
      }
    }
    if (isRefresh) flags |= F.refresh;
    params.flags = flags;
    const shape = { n, d, m, output: this.cfg.output, landmarks: this.cfg.landmarks };
    const flops = 2 * (opsAtStep(method, shape, t) + (isRefresh ? stabilityOps(method, shape, 1, 0) : 0)) + 4 * n * (d + dv);
    return { params, items, flops, refresh: periodic };
  }

  private encodeItems(pass: GPUComputePassEncoder, k: number, items: Item[]) {
    const bg = this.bindGroups[k];
    const H = this.cfg.heads;
    for (const it of items) {
      if (it.kind === 'kernel') this.gpu.dispatch(pass, this.pipes[it.name], bg, it.count, H);
      else if (it.kind === 'indirect') {
        this.gpu.dispatch(pass, this.bufs.argsPipe, this.bufs.argsBg, 1);
        pass.setPipeline(this.pipes[it.name].pipeline);
        pass.setBindGroup(0, bg);
        pass.dispatchWorkgroupsIndirect(this.bufs.args, 0);
      }
      else if (it.kind === 'steps') for (const s of it.steps) s.encode(pass);
      else if (it.kind === 'gather') this.gpu.dispatch(pass, this.baseline!.gather.pipe, this.baseline!.gather.bgs[k], this.cfg.n, H);
      else if (it.kind === 'emit') this.gpu.dispatch(pass, this.baseline!.emit.pipe, this.baseline!.emit.bgs[k], this.cfg.n, H);
      else for (let p = 0; p < this.baseline!.plan.parts; p++) this.baseline!.plan.encode(pass, p);
    }
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
    const uni = new Uint8Array(steps * SLOT_BYTES);
    specs.forEach((s, k) => uni.set(new Uint8Array(packUniform(PARAMS_U, s.params)), k * SLOT_BYTES));
    q.writeBuffer(this.bufs.uni, 0, uni);

    // cut the batch into submits of at most maxFlopsPerSubmit
    const groups: number[][] = [];
    let cur: number[] = [];
    let sum = 0;
    specs.forEach((s, k) => {
      if (cur.length && sum + s.flops > gpu.maxFlopsPerSubmit) {
        groups.push(cur);
        cur = [];
        sum = 0;
      }
      cur.push(k);
      sum += s.flops;
    });
    groups.push(cur);

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
          for (const k of groups[g]) this.encodeItems(pass, k, specs[k].items);
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
    const counters = new Uint32Array((await gpu.read(this.bufs.st, 0, 16)).buffer);
    // (the guard counter is ST[0]; the queue behind it is scratch)
    const guard = counters[0] - this.guardSeen;
    this.guardSeen = counters[0];
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
   * newest one. Used by the registry's plan for cosi/core/conys (see continual/plan.ts).
   * Returns the dispatches, cut at `budget` FLOPs, as parts.
   */
  windowParts(budget: number): ((pass: GPUComputePassEncoder) => void)[] {
    const { n, d, dv, heads: H, method } = this.cfg;
    const m = this.cfg.m ?? 1;
    const t = n - 1;
    const base = this.stepSpec(t, 0).params;
    const uniforms: ParamValues[] = [];
    const slotFor = (p: Partial<ParamValues>) => {
      uniforms.push({ ...base, b: n - 1, wslot: 0, ...p });
      return uniforms.length - 1;
    };
    const work: { flops: number; run: (pass: GPUComputePassEncoder) => void }[] = [];
    const kernel = (slot: number, name: Kernel, count: number, flops: number) =>
      work.push({ flops, run: (pass) => this.gpu.dispatch(pass, this.pipes[name], this.bindGroups[slot], count, H) });
    const flagsAll = F.windows | (this.cfg.guard ? F.guard : 0);
    const push = slotFor({ flags: F.allRows });
    kernel(push, 'push', n, n * (2 * d + dv));
    if (method === 'cosi' || method === 'core') {
      // one row costs ≈ 4N(d + dv); cut the rows into chunks of at most `budget`
      const perRow = 4 * n * (d + dv) * H;
      const rows = Math.max(1, Math.floor(budget / perRow));
      for (let g0 = 0; g0 < n; g0 += rows) {
        const slot = slotFor({ g0, flags: flagsAll | (method === 'cosi' ? F.allRows : F.refresh) });
        kernel(slot, method, Math.min(rows, n - g0), Math.min(rows, n - g0) * perRow);
      }
    } else if (method === 'conys') {
      const slot = slotFor({ flags: flagsAll | F.refresh | F.allCols, blk0: 0 });
      if (this.cfg.landmarks === 'continual') {
        kernel(slot, 'nysBlockMean', m, 2 * n * d * H);
        for (const s of this.landmarkSteps) work.push({ flops: s.flops, run: (pass) => s.encode(pass) });
      }
      kernel(slot, 'nysLand', m, 4 * n * m * (d + dv) * H);
      kernel(slot, 'nysPhi', n, 2 * n * m * d * H);
      kernel(slot, 'nysOut', 1, 2 * m * (d + m + dv) * H);
      kernel(slot, 'nysRetroG', n, 2 * n * m * m * H);
      kernel(slot, 'nysEmit', Math.ceil(n / this.wg), 2 * n * m * dv * H);
    } else {
      throw new Error(`${method} has no window plan`);
    }
    if (uniforms.length > this.bindGroups.length) throw new Error(`window plan needs ${uniforms.length} uniform slots, has ${this.bindGroups.length}`);
    const data = new Uint8Array(uniforms.length * SLOT_BYTES);
    uniforms.forEach((u, k) => data.set(new Uint8Array(packUniform(PARAMS_U, u)), k * SLOT_BYTES));
    this.gpu.device.queue.writeBuffer(this.bufs.uni, 0, data);
    const parts: ((pass: GPUComputePassEncoder) => void)[] = [];
    let cur: typeof work = [];
    let sum = 0;
    const flush = () => {
      const list = cur;
      if (list.length) parts.push((pass) => list.forEach((w) => w.run(pass)));
      cur = [];
      sum = 0;
    };
    for (const w of work) {
      if (cur.length && sum + w.flops > budget) flush();
      cur.push(w);
      sum += w.flops;
    }
    flush();
    return parts;
  }

  /** The window output buffer of a window plan (H×N×dv at offset 0, since wcap = 1). */
  get windowOutput(): GPUBuffer {
    return this.bufs.y;
  }

  /** the counters buffer (tests) */
  async guardCount(): Promise<number> {
    return new Uint32Array((await this.gpu.read(this.bufs.st, 0, 16)).buffer)[0];
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.baseline?.plan.destroy();
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
