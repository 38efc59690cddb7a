// The device and everything bound to it: adapter facts, pipeline cache, buffer pool with
// byte accounting, error scopes, dispatch folding. The same code runs in the browser
// (navigator.gpu) and in Node (Dawn's `webgpu` package, see ./node.ts).
import { GpuError, limitError, formatBytes } from './errors';
import { PipelineCache, type CompiledPipeline } from './pipelines';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** the adapter says it is a fallback (software) adapter, or its name is a known software one */
  isFallback: boolean;
  /** features we enabled on the device */
  features: string[];
  limits: Record<string, number>;
  /** browser user agent, or `node <version> / webgpu (Dawn) <version>` */
  userAgent: string;
}

/** Optional features the kernels can use when present (never required). */
const WANTED_FEATURES = ['timestamp-query', 'subgroups', 'shader-f16'] as const;

/** Limits requested at the adapter's maximum (the defaults are far smaller). */
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|software|warp|basic render/i;

export interface OpenOptions {
  userAgent: string;
  /** keep-alive slot for the objects Dawn needs referenced for the life of the process */
  keep?: unknown[];
}

/** Requests an adapter and a device with the adapter's real limits and the optional features it has. */
export async function openGpu(gpu: GPU, opts: OpenOptions): Promise<Gpu> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new GpuError('unsupported', 'WebGPU is available but no adapter was found (requestAdapter returned null).');
  }
  const features = WANTED_FEATURES.filter((f) => adapter.features.has(f)) as GPUFeatureName[];
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof v === 'number') requiredLimits[name] = v;
  }
  const device = await adapter.requestDevice({ requiredFeatures: features, requiredLimits, label: 'playground' });
  opts.keep?.push(adapter, device);
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const fallbackFlag =
    (info as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
    (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
    false;
  const names = `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`;
  const limits: Record<string, number> = {};
  for (const k in device.limits) {
    const v = (device.limits as unknown as Record<string, number>)[k];
    if (typeof v === 'number') limits[k] = v;
  }
  const summary: AdapterSummary = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallback: fallbackFlag || SOFTWARE_NAMES.test(names),
    features,
    limits,
    userAgent: opts.userAgent,
  };
  return new Gpu(device, summary);
}

export type GpuEvent = { kind: 'uncaptured-error' | 'lost'; message: string };

/** A buffer slice for a bind group entry. */
export type Binding = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

export class Gpu {
  readonly pipelines: PipelineCache;
  readonly hasTimestamps: boolean;
  readonly hasSubgroups: boolean;
  /** resolves when the device is lost (destroyed on purpose or not) */
  readonly lost: Promise<GPUDeviceLostInfo>;
  isLost = false;
  /** bytes in buffers currently handed out by the pool */
  bytesInUse = 0;
  /** bytes held by the pool for reuse */
  bytesPooled = 0;
  peakBytes = 0;
  /**
   * Work budget of one submit, in FLOPs. Plans split longer work into parts so that no
   * single submit runs for more than about a second (browsers and drivers reset a device
   * whose queue hangs). Software adapters do ~1 GFLOP/s, real GPUs > 100 GFLOP/s.
   */
  maxFlopsPerSubmit: number;
  private readonly free = new Map<string, GPUBuffer[]>();
  /** buffers handed out by the pool and not yet released: a foreign or second release throws */
  private readonly handedOut = new Set<GPUBuffer>();
  private readonly listeners = new Set<(e: GpuEvent) => void>();

  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterSummary,
  ) {
    this.pipelines = new PipelineCache(device);
    this.hasTimestamps = device.features.has('timestamp-query');
    this.hasSubgroups = device.features.has('subgroups');
    this.maxFlopsPerSubmit = adapter.isFallback ? 1e9 : 1e11;
    this.lost = device.lost.then((info) => {
      this.isLost = true;
      if (info.reason !== 'destroyed') this.emit({ kind: 'lost', message: `GPU device lost: ${info.message || info.reason}` });
      return info;
    });
    device.addEventListener('uncapturederror', (ev) => {
      const err = (ev as GPUUncapturedErrorEvent).error;
      this.emit({ kind: 'uncaptured-error', message: err.message });
    });
  }

  get limits(): Record<string, number> {
    return this.adapter.limits;
  }

  on(listener: (e: GpuEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: GpuEvent) {
    for (const l of this.listeners) l(e);
  }

  // ---------------------------------------------------------------- buffers

  /**
   * A storage buffer from the pool (reused when one of the same size and usage was
   * released). Checks the adapter's limits first so an oversize request is a clear
   * `limit` error instead of a validation failure.
   */
  buffer(label: string, size: number, usage: GPUBufferUsageFlags = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST): GPUBuffer {
    const bytes = alignUp(Math.max(size, 16), 16);
    if (bytes > this.limits.maxBufferSize) throw limitError(label, bytes, 'maxBufferSize', this.limits.maxBufferSize);
    if (usage & GPUBufferUsage.STORAGE && bytes > this.limits.maxStorageBufferBindingSize) {
      throw limitError(label, bytes, 'maxStorageBufferBindingSize', this.limits.maxStorageBufferBindingSize);
    }
    const key = `${bytes}|${usage}`;
    const list = this.free.get(key);
    let buf = list?.pop();
    if (buf) {
      this.bytesPooled -= bytes;
    } else {
      buf = this.device.createBuffer({ label, size: bytes, usage });
    }
    this.handedOut.add(buf);
    this.bytesInUse += bytes;
    this.peakBytes = Math.max(this.peakBytes, this.bytesInUse);
    return buf;
  }

  /** A uniform buffer holding `data` (written now). */
  uniform(label: string, data: ArrayBuffer | ArrayBufferView): GPUBuffer {
    const bytes = data.byteLength;
    const buf = this.buffer(label, bytes, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.device.queue.writeBuffer(buf, 0, data as BufferSource);
    return buf;
  }

  /** A storage buffer holding `data` (uploaded now). */
  upload(label: string, data: Float32Array | Uint32Array | Int32Array): GPUBuffer {
    const buf = this.buffer(label, data.byteLength);
    this.device.queue.writeBuffer(buf, 0, data as unknown as BufferSource);
    return buf;
  }

  /**
   * Returns a buffer to the pool. Releasing a buffer the pool did not hand out, or one already
   * released, throws: a double release would hand one buffer to two owners.
   */
  release(buf: GPUBuffer) {
    if (!this.handedOut.delete(buf)) {
      throw new Error(`buffer "${buf.label}" returned to the pool twice, or it never came from this pool`);
    }
    const key = `${buf.size}|${buf.usage}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buf);
    this.bytesInUse -= buf.size;
    this.bytesPooled += buf.size;
    // keep the pool from hoarding: at most 256 MiB of idle buffers
    if (this.bytesPooled > 256 * 1024 ** 2) this.trim();
  }

  /** number of buffers handed out and not yet released */
  get buffersInUse(): number {
    return this.handedOut.size;
  }

  /** Destroys every pooled (idle) buffer. */
  trim() {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.bytesPooled = 0;
  }

  /** Reads a buffer back to the CPU as f32 (a staging copy; the source needs COPY_SRC). */
  async read(buf: GPUBuffer, byteOffset = 0, byteLength = buf.size - byteOffset): Promise<Float32Array> {
    const size = alignUp(byteLength, 4);
    const staging = this.device.createBuffer({ label: 'readback', size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      const enc = this.device.createCommandEncoder({ label: 'readback' });
      enc.copyBufferToBuffer(buf, byteOffset, staging, 0, size);
      this.device.queue.submit([enc.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      return new Float32Array(staging.getMappedRange().slice(0));
    } finally {
      staging.destroy();
    }
  }

  /** Fills an f32 buffer with a value (NaN poison in tests: an unwritten element then fails). */
  fill(buf: GPUBuffer, value: number) {
    const data = new Float32Array(buf.size / 4).fill(value);
    this.device.queue.writeBuffer(buf, 0, data);
  }

  // ---------------------------------------------------------------- binding & dispatch

  bindGroup(p: CompiledPipeline, label: string, entries: Binding[]): GPUBindGroup {
    if (entries.length !== p.bindings.length) {
      throw new Error(`${label}: ${entries.length} buffers bound but ${p.label} declares ${p.bindings.length} bindings (${p.bindings.join(', ')})`);
    }
    return this.device.createBindGroup({
      label,
      layout: p.layout,
      entries: entries.map((e, binding) => ({ binding, resource: 'buffer' in e ? { buffer: e.buffer, offset: e.offset, size: e.size } : { buffer: e } })),
    });
  }

  /**
   * Dispatches `count` workgroups along x, folded into a 2-D grid when the count exceeds
   * maxComputeWorkgroupsPerDimension. Kernels recover the linear index as
   * `wid.x + wid.y * nwg.x` and must return when it is ≥ their count.
   */
  dispatch(pass: GPUComputePassEncoder, p: CompiledPipeline, bg: GPUBindGroup, count: number, z = 1) {
    const [x, y] = foldGrid(count, this.limits.maxComputeWorkgroupsPerDimension);
    if (z > this.limits.maxComputeWorkgroupsPerDimension) {
      throw limitError(`${p.label} (z dimension)`, z, 'maxComputeWorkgroupsPerDimension', this.limits.maxComputeWorkgroupsPerDimension);
    }
    pass.setPipeline(p.pipeline);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(x, y, z);
  }

  // ---------------------------------------------------------------- errors

  /**
   * Runs `fn` inside out-of-memory and validation error scopes; a GPU error raised by the
   * commands it issues becomes a GpuError with a clear message instead of a console line.
   */
  async scoped<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.isLost) throw new GpuError('lost', `${what}: the GPU device was lost`);
    this.device.pushErrorScope('internal');
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    let result: T | undefined;
    let thrown: unknown;
    try {
      result = await fn();
    } catch (e) {
      thrown = e;
    }
    const validation = await this.device.popErrorScope();
    const oom = await this.device.popErrorScope();
    const internal = await this.device.popErrorScope();
    if (this.isLost) throw new GpuError('lost', `${what}: the GPU device was lost`);
    if (oom) throw new GpuError('oom', `${what}: out of GPU memory (${oom.message}); in use ${formatBytes(this.bytesInUse)}`);
    if (validation) throw new GpuError('validation', `${what}: WebGPU validation error: ${validation.message}`);
    if (internal) throw new GpuError('internal', `${what}: GPU internal error: ${internal.message}`);
    if (thrown !== undefined) throw thrown;
    return result as T;
  }

  destroy() {
    this.trim();
    this.device.destroy();
  }
}

export function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** Folds a 1-D workgroup count into (x, y) with x, y ≤ maxDim and x·y ≥ count. */
export function foldGrid(count: number, maxDim: number): [number, number] {
  if (count <= maxDim) return [Math.max(count, 1), 1];
  const y = Math.ceil(count / maxDim);
  if (y > maxDim) throw limitError('dispatch', count, 'maxComputeWorkgroupsPerDimension²', maxDim * maxDim);
  return [Math.ceil(count / y), y];
}

/**
 * Holds the current Gpu and re-opens it after a device loss: `run` retries its work once on
 * a fresh device and tells the listener what happened, so the user sees it.
 */
export class GpuHost {
  private current: Promise<Gpu> | undefined;
  constructor(
    private readonly opener: () => Promise<Gpu>,
    private readonly onNotice: (message: string) => void = () => {},
  ) {}

  async get(): Promise<Gpu> {
    if (this.current) {
      const gpu = await this.current.catch(() => undefined);
      if (gpu && !gpu.isLost) return gpu;
      this.current = undefined;
    }
    this.current = this.opener();
    return this.current;
  }

  async run<T>(what: string, fn: (gpu: Gpu) => Promise<T>): Promise<T> {
    const gpu = await this.get();
    try {
      return await fn(gpu);
    } catch (e) {
      if (!(e instanceof GpuError && e.kind === 'lost') && !gpu.isLost) throw e;
      this.onNotice(`The GPU device was lost during ${what}; re-created it and retrying once.`);
      const fresh = await this.get();
      return await fn(fresh);
    }
  }
}
