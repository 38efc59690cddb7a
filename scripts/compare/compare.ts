// Side-by-side timing of exact attention on one adapter, in one page:
//   ours (flash, materialized)  — src/attention/exact
//   onnxruntime-web, com.microsoft MultiHeadAttention, WebGPU EP — both of ORT's WebGPU EPs:
//       'onnxruntime-web'         → JSEP (the TypeScript WebGPU kernels)
//       'onnxruntime-web/webgpu'  → the native C++ WebGPU EP compiled to wasm
//   tfjs-webgpu: matMul(q·s, k, transposeB) → softmax → matMul(·, v)
// d = 64, batch 1, one head. Driven by scripts/compare/run.mjs through window.compare.
import * as ortJsep from 'onnxruntime-web';
import * as ortNative from 'onnxruntime-web/webgpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { openGpu, type Gpu } from '../../src/gpu/gpu';
import { runForward, timePlan } from '../../src/gpu/timing';
import { exactVariant } from '../../src/attention/exact/variant';
import { exactReference } from '../../src/attention/exact/reference';
import type { Plan, Shape } from '../../src/attention/types';
import { Rng } from '../../src/workloads/rng';
import { mhaModel } from './onnx-mha';

const D = 64;
type Ort = typeof ortJsep;

// ------------------------------------------------------------------ dispatch tracing
// Wraps the WebGPU entry points every library goes through, so we can list the compute
// pipelines (their labels) each implementation actually dispatches in one forward.

const pipelineLabel = new WeakMap<GPUComputePipeline, string>();
const passPipeline = new WeakMap<GPUComputePassEncoder, string>();
const shaderSources = new Map<string, string>();
let trace: string[] | null = null;

function labelOf(desc: GPUComputePipelineDescriptor): string {
  const mod = desc.compute?.module as GPUShaderModule | undefined;
  return desc.label || mod?.label || '(unlabelled)';
}

function installTracing() {
  const dev = GPUDevice.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const origModule = dev.createShaderModule;
  dev.createShaderModule = function (this: GPUDevice, desc: unknown) {
    const m = origModule.call(this, desc) as GPUShaderModule;
    const d = desc as GPUShaderModuleDescriptor;
    if (d.label) {
      // keep every distinct source per label (ORT builds one label in several variants)
      let key = d.label;
      for (let i = 2; shaderSources.has(key) && shaderSources.get(key) !== d.code; i++) key = `${d.label}#${i}`;
      shaderSources.set(key, d.code);
    }
    return m;
  };
  const origSync = dev.createComputePipeline;
  dev.createComputePipeline = function (this: GPUDevice, desc: unknown) {
    const p = origSync.call(this, desc) as GPUComputePipeline;
    pipelineLabel.set(p, labelOf(desc as GPUComputePipelineDescriptor));
    return p;
  };
  const origAsync = dev.createComputePipelineAsync;
  dev.createComputePipelineAsync = function (this: GPUDevice, desc: unknown) {
    return (origAsync.call(this, desc) as Promise<GPUComputePipeline>).then((p) => {
      pipelineLabel.set(p, labelOf(desc as GPUComputePipelineDescriptor));
      return p;
    });
  };
  const pass = GPUComputePassEncoder.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const origSet = pass.setPipeline;
  pass.setPipeline = function (this: GPUComputePassEncoder, p: unknown) {
    if (trace) passPipeline.set(this, pipelineLabel.get(p as GPUComputePipeline) ?? '(unknown pipeline)');
    return origSet.call(this, p);
  };
  const origDispatch = pass.dispatchWorkgroups;
  pass.dispatchWorkgroups = function (this: GPUComputePassEncoder, x: unknown, y?: unknown, z?: unknown) {
    if (trace) trace.push(`${passPipeline.get(this) ?? '?'} [${x}×${y ?? 1}×${z ?? 1}]`);
    return origDispatch.call(this, x, y, z);
  };
}
installTracing();

/** Dispatches of one call of `fn`, consecutive duplicates folded ("name [grid] ×k"). */
async function traced(fn: () => Promise<void>): Promise<string[]> {
  trace = [];
  try {
    await fn();
  } finally {
    // keep what was recorded
  }
  const raw = trace;
  trace = null;
  const out: string[] = [];
  let last = '';
  let count = 0;
  for (const s of [...raw, '\u0000']) {
    if (s === last) {
      count++;
      continue;
    }
    if (count) out.push(count > 1 ? `${last} ×${count}` : last);
    last = s;
    count = 1;
  }
  return out;
}

// ------------------------------------------------------------------ implementations

interface Impl {
  id: string;
  /** one full forward, resolved once the GPU has finished it */
  forward(): Promise<void>;
  /** the output of the last forward, N×64 row-major */
  read(): Promise<Float32Array>;
  destroy(): Promise<void> | void;
  /** what the wall-clock number includes */
  includes: string;
  /** free-form facts (EP, kernels) */
  info?: Record<string, unknown>;
}

interface Inputs {
  n: number;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
}

let ours: Gpu | undefined;

async function oursImpl(x: Inputs, impl: 'flash' | 'materialized'): Promise<Impl & { plan: Plan }> {
  const gpu = ours!;
  const shape: Shape = { n: x.n, d: D, dv: D, heads: 1, causal: false };
  const q = gpu.upload('q', x.q);
  const k = gpu.upload('k', x.k);
  const v = gpu.upload('v', x.v);
  const plan = await exactVariant.plan(gpu, shape, { impl }, { q, k, v });
  return {
    id: `ours-${impl}`,
    plan,
    includes: `runForward (encode + submit ${plan.parts} part(s), awaiting onSubmittedWorkDone after each) + a final onSubmittedWorkDone; inputs resident on the GPU, output left on the GPU`,
    info: { parts: plan.parts, bytesAllocated: plan.bytesAllocated },
    async forward() {
      await runForward(gpu, plan);
      await gpu.device.queue.onSubmittedWorkDone();
    },
    read: () => gpu.read(plan.output, 0, x.n * D * 4),
    destroy() {
      plan.destroy();
      gpu.release(q);
      gpu.release(k);
      gpu.release(v);
    },
  };
}

interface OrtState {
  ort: Ort;
  session: ortJsep.InferenceSession;
  device: GPUDevice;
  initInfo: Record<string, unknown>;
}

const ortStates = new Map<string, OrtState>();

function ortModule(which: 'jsep' | 'native'): Ort {
  return (which === 'jsep' ? ortJsep : ortNative) as Ort;
}

/**
 * A device on the same adapter without the 'subgroups' feature (ORT's native EP then builds
 * its FlashAttention shader without subgroup shuffles), with the adapter's maximum limits.
 */
async function deviceWithoutSubgroups(): Promise<GPUDevice> {
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('requestAdapter returned null');
  const features = [...adapter.features].filter((f) => !/subgroup/.test(f)) as GPUFeatureName[];
  const requiredLimits: Record<string, number> = {};
  for (const k in adapter.limits) {
    const v = (adapter.limits as unknown as Record<string, number>)[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  return adapter.requestDevice({ requiredFeatures: features, requiredLimits, label: 'ort-native-nosubgroups' });
}

async function ortInit(which: 'jsep' | 'native', withPresent: boolean, noSubgroups = false): Promise<OrtState> {
  const key = `${which}${withPresent ? '+present' : ''}${noSubgroups ? '-nosubgroups' : ''}`;
  const have = ortStates.get(key);
  if (have) return have;
  const ort = ortModule(which);
  const dist = new URL('/node_modules/onnxruntime-web/dist/', location.href).href;
  ort.env.wasm.wasmPaths = { wasm: dist + (which === 'jsep' ? 'ort-wasm-simd-threaded.jsep.wasm' : 'ort-wasm-simd-threaded.asyncify.wasm') };
  ort.env.wasm.numThreads = 1; // no cross-origin isolation here; the CPU side only schedules
  ort.env.wasm.proxy = false;
  // ?ortlog=verbose (a separate page load, never the timed one): ORT logs its node placement
  // ("All nodes placed on [...]") and its shaders; the level is fixed at ORT's first init.
  const verbose = new URLSearchParams(location.search).get('ortlog') === 'verbose';
  ort.env.logLevel = verbose ? 'verbose' : 'warning';
  const model = mhaModel({ d: D, numHeads: 1, withPresent });
  const custom = noSubgroups ? await deviceWithoutSubgroups() : undefined;
  const options: ortJsep.InferenceSession.SessionOptions = {
    executionProviders: [custom ? ({ name: 'webgpu', device: custom } as unknown as 'webgpu') : 'webgpu'],
    preferredOutputLocation: 'gpu-buffer',
    graphOptimizationLevel: 'all',
    ...(verbose ? { logSeverityLevel: 0, logVerbosityLevel: 0 } : { logSeverityLevel: 2 }),
  };
  console.log(`[compare] ORT ${which}${noSubgroups ? ' (device without subgroups)' : ''}: creating the session`);
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(model, options);
  const createMs = performance.now() - t0;
  const device = custom ?? ((await Promise.resolve(ort.env.webgpu.device as unknown)) as GPUDevice);
  if (!device) throw new Error(`ORT (${which}) created a session but env.webgpu.device is not set`);
  const st: OrtState = {
    ort,
    session,
    device,
    initInfo: { sessionCreateMs: createMs, inputNames: session.inputNames, outputNames: session.outputNames, deviceFeatures: [...device.features] },
  };
  ortStates.set(key, st);
  return st;
}

/** Copies a GPU buffer to the CPU (for checking outputs, never inside a timed forward). */
async function readBuffer(device: GPUDevice, buf: GPUBuffer, bytes: number): Promise<Float32Array> {
  const staging = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buf, 0, staging, 0, bytes);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.destroy();
  return out;
}

async function ortImpl(x: Inputs, which: 'jsep' | 'native', withPresent = false, preallocate = true, noSubgroups = false): Promise<Impl> {
  const st = await ortInit(which, withPresent, noSubgroups);
  const { ort, session, device } = st;
  const dims = [1, x.n, D];
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const mk = (label: string, data?: Float32Array) => {
    const b = device.createBuffer({ label, size: x.n * D * 4, usage });
    if (data) device.queue.writeBuffer(b, 0, data as unknown as BufferSource);
    return b;
  };
  const bufs = [mk('ort.q', x.q), mk('ort.k', x.k), mk('ort.v', x.v)];
  const feeds = {
    query: ort.Tensor.fromGpuBuffer(bufs[0], { dataType: 'float32', dims }),
    key: ort.Tensor.fromGpuBuffer(bufs[1], { dataType: 'float32', dims }),
    value: ort.Tensor.fromGpuBuffer(bufs[2], { dataType: 'float32', dims }),
  };
  // pre-allocated GPU output, so a forward allocates nothing
  const outBuf = mk('ort.out');
  let fetches: Record<string, ortJsep.Tensor> | undefined = { output: ort.Tensor.fromGpuBuffer(outBuf, { dataType: 'float32', dims }) };
  let last: ortJsep.InferenceSession.ReturnType | undefined;
  let fetchNote = 'pre-allocated GPU output tensor passed as fetches';
  const run = async () => {
    if (last && !fetches) for (const t of Object.values(last)) t.dispose();
    last = await session.run(feeds, fetches ?? undefined);
    await device.queue.onSubmittedWorkDone();
  };
  if (!preallocate) {
    fetches = undefined;
    fetchNote = 'output allocated by ORT on the GPU each run, disposed before the next';
  } else if (!withPresent) {
    try {
      await run();
    } catch (e) {
      fetches = undefined;
      fetchNote = `pre-allocated fetches rejected (${String(e)}); each run allocates a GPU output that is disposed before the next`;
      last = undefined;
    }
  } else {
    fetches = undefined;
    fetchNote = 'outputs (output, present_key, present_value) allocated by ORT on the GPU each run, disposed before the next';
  }
  return {
    id: `ort-${which}${withPresent ? '+present' : ''}${preallocate ? '' : '-ortalloc'}${noSubgroups ? '-nosubgroups' : ''}`,
    includes: `${noSubgroups ? "ORT's session on a GPUDevice we created on the same adapter without the 'subgroups' feature (passed as the EP's device); " : ''}await session.run(feeds) with GPU-resident inputs (Tensor.fromGpuBuffer) and GPU outputs (preferredOutputLocation 'gpu-buffer'; ${fetchNote}) + await ORT's device.queue.onSubmittedWorkDone(); no upload, no download`,
    info: { ...st.initInfo, fetchNote },
    forward: run,
    async read() {
      if (fetches) return readBuffer(device, outBuf, x.n * D * 4);
      return (await (last!.output as ortJsep.Tensor).getData()) as Float32Array;
    },
    destroy() {
      if (last && !fetches) for (const t of Object.values(last)) t.dispose();
      for (const b of bufs) b.destroy();
      outBuf.destroy();
    },
  };
}

interface TfBackend {
  device: GPUDevice;
  commandEncoder: GPUCommandEncoder | null;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

async function tfImpl(x: Inputs): Promise<Impl> {
  const backend = tf.backend() as unknown as TfBackend;
  const q = tf.tensor2d(x.q, [x.n, D]);
  const k = tf.tensor2d(x.k, [x.n, D]);
  const v = tf.tensor2d(x.v, [x.n, D]);
  const scale = tf.scalar(1 / Math.sqrt(D));
  let out: tf.Tensor | undefined;
  const flush = typeof backend.submitQueue === 'function' && typeof backend.endComputePassEncoder === 'function';
  return {
    id: 'tfjs-webgpu',
    includes: flush
      ? 'tf.tidy(matMul(mul(q, 1/√d), k, false, true) → softmax → matMul(·, v)) + flush of the backend command queue (endComputePassEncoder + submitQueue) + await device.queue.onSubmittedWorkDone(); inputs resident on the GPU after warm-up, output left on the GPU'
      : 'same ops + await out.data() (includes the N×64 download)',
    info: { backend: tf.getBackend(), tfjsVersion: tf.version_core },
    async forward() {
      out?.dispose();
      out = tf.tidy(() => tf.matMul(tf.softmax(tf.matMul(tf.mul(q, scale), k, false, true)), v));
      if (flush) {
        backend.ensureCommandEncoderReady();
        backend.endComputePassEncoder();
        backend.submitQueue();
        await backend.device.queue.onSubmittedWorkDone();
      } else {
        await out.data();
      }
    },
    async read() {
      return (await out!.data()) as Float32Array;
    },
    destroy() {
      out?.dispose();
      tf.dispose([q, k, v, scale]);
    },
  };
}

// ------------------------------------------------------------------ the page API

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  const p90 = s[Math.min(s.length - 1, Math.ceil(0.9 * s.length) - 1)];
  return { medianMs: median, minMs: s[0], p90Ms: p90, samplesMs: samples };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return a.length === b.length ? m : Infinity;
}

function errText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

export interface InitResult {
  adapter: { vendor: string; architecture: string; device: string; description: string; isFallback: boolean; features: string[] };
  userAgent: string;
  versions: Record<string, unknown>;
  tfBackend: string;
  errors: Record<string, string>;
}

async function init(): Promise<InitResult> {
  const errors: Record<string, string> = {};
  ours = await openGpu(navigator.gpu, { userAgent: navigator.userAgent });
  try {
    await tf.setBackend('webgpu');
    await tf.ready();
  } catch (e) {
    errors.tfjs = errText(e);
  }
  const a = ours.adapter;
  return {
    adapter: { vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description, isFallback: a.isFallback, features: a.features },
    userAgent: navigator.userAgent,
    versions: {
      'onnxruntime-web (jsep bundle)': ortJsep.env.versions,
      'onnxruntime-web/webgpu (native EP bundle)': ortNative.env.versions,
      '@tensorflow/tfjs-core': tf.version_core,
    },
    tfBackend: tf.getBackend(),
    errors,
  };
}

export interface RunOptions {
  n: number;
  trials?: number;
  warmup?: number;
  seed?: number;
  impls?: string[];
  /** also time our flash kernel with timestamp queries (timePlan) */
  timestamps?: boolean;
  /** compare against the CPU float64 reference too */
  cpuReference?: boolean;
}

export interface ImplResult {
  id: string;
  status: 'ok' | 'error';
  message?: string;
  includes?: string;
  wall?: ReturnType<typeof stats>;
  setupMs?: number;
  kernels?: string[];
  info?: Record<string, unknown>;
  maxAbsVsCpu?: number;
}

export interface RunResult {
  n: number;
  d: number;
  trials: number;
  warmup: number;
  impls: ImplResult[];
  /** timePlan of our flash plan (timestamp queries) */
  oursFlashTimestamp?: { medianMs: number; minMs: number; p90Ms: number; source: string; repeats: number; samplesMs: number[] };
  /** pairwise max |Δ| between implementation outputs */
  pairwise: Record<string, number>;
  totalMs: number;
}

const ALL_IMPLS = ['ours-flash', 'ours-materialized', 'ort-jsep', 'ort-native', 'ort-native-nosubgroups', 'tfjs-webgpu'];

async function makeImpl(id: string, x: Inputs): Promise<Impl> {
  switch (id) {
    case 'ours-flash':
      return oursImpl(x, 'flash');
    case 'ours-materialized':
      return oursImpl(x, 'materialized');
    case 'ort-jsep':
      return ortImpl(x, 'jsep');
    case 'ort-native':
      return ortImpl(x, 'native');
    case 'ort-native-nosubgroups':
      return ortImpl(x, 'native', false, true, true);
    case 'ort-native-ortalloc':
      return ortImpl(x, 'native', false, false);
    case 'ort-jsep-ortalloc':
      return ortImpl(x, 'jsep', false, false);
    case 'ort-native+present':
      return ortImpl(x, 'native', true);
    case 'ort-jsep+present':
      return ortImpl(x, 'jsep', true);
    case 'tfjs-webgpu':
      return tfImpl(x);
  }
  throw new Error(`unknown implementation ${id}`);
}

async function run(opts: RunOptions): Promise<RunResult> {
  const t00 = performance.now();
  const n = opts.n;
  const trials = opts.trials ?? 5;
  const warmup = opts.warmup ?? 2;
  const rng = new Rng(opts.seed ?? 1234);
  const gen = () => {
    const a = new Float32Array(n * D);
    for (let i = 0; i < a.length; i++) a[i] = rng.normal();
    return a;
  };
  const x: Inputs = { n, q: gen(), k: gen(), v: gen() };
  const ids = opts.impls ?? ALL_IMPLS;
  const results = new Map<string, ImplResult>();
  const live: Impl[] = [];
  for (const id of ids) {
    const t0 = performance.now();
    try {
      const impl = await makeImpl(id, x);
      live.push(impl);
      results.set(id, { id, status: 'ok', includes: impl.includes, info: impl.info, setupMs: performance.now() - t0 });
    } catch (e) {
      console.error(`[compare] setup ${id} failed`, e);
      results.set(id, { id, status: 'error', message: `setup: ${errText(e)}` });
    }
  }
  const samples = new Map<string, number[]>(live.map((i) => [i.id, []]));
  const failed = new Set<string>();
  const attempt = async (impl: Impl, what: string, fn: () => Promise<void>) => {
    if (failed.has(impl.id)) return;
    try {
      await fn();
    } catch (e) {
      console.error(`[compare] ${what} ${impl.id} failed`, e);
      failed.add(impl.id);
      const r = results.get(impl.id)!;
      r.status = 'error';
      r.message = `${what}: ${errText(e)}`;
    }
  };
  // warm-up: the first forward of each is traced (dispatch list); interleaved
  for (let w = 0; w < warmup; w++) {
    for (const impl of live) {
      await attempt(impl, `warm-up ${w}`, async () => {
        if (w === 0) results.get(impl.id)!.kernels = await traced(() => impl.forward());
        else await impl.forward();
      });
    }
  }
  // timed trials, interleaved, order rotated every round; each round also takes one
  // timestamp-query sample of our flash plan (timePlan with one trial), so that the GPU-time
  // number sees the same machine load as the wall-clock ones
  const flash = live.find((i) => i.id === 'ours-flash') as (Impl & { plan?: Plan }) | undefined;
  const tsSamples: number[] = [];
  let tsSource = '';
  let tsRepeats = 0;
  for (let t = 0; t < trials; t++) {
    for (let j = 0; j < live.length; j++) {
      const impl = live[(j + t) % live.length];
      await attempt(impl, `trial ${t}`, async () => {
        const t0 = performance.now();
        await impl.forward();
        samples.get(impl.id)!.push(performance.now() - t0);
      });
    }
    if ((opts.timestamps ?? true) && flash?.plan && !failed.has('ours-flash')) {
      const ts = await timePlan(ours!, flash.plan, { trials: 1, warmup: 0 });
      tsSamples.push(ts.medianMs);
      tsSource = ts.source;
      tsRepeats = ts.repeats;
    }
  }
  for (const impl of live) {
    const s = samples.get(impl.id)!;
    if (s.length) results.get(impl.id)!.wall = stats(s);
  }
  // outputs (each impl's last forward) and agreement
  const outputs = new Map<string, Float32Array>();
  for (const impl of live) {
    if (failed.has(impl.id)) continue;
    await attempt(impl, 'read', async () => {
      outputs.set(impl.id, await impl.read());
    });
  }
  const pairwise: Record<string, number> = {};
  const okIds = [...outputs.keys()];
  for (let i = 0; i < okIds.length; i++)
    for (let j = i + 1; j < okIds.length; j++) pairwise[`${okIds[i]}|${okIds[j]}`] = maxAbsDiff(outputs.get(okIds[i])!, outputs.get(okIds[j])!);
  if (opts.cpuReference ?? true) {
    const ref = exactReference(
      { shape: { n, d: D, dv: D, heads: 1, causal: false }, q: Float64Array.from(x.q), k: Float64Array.from(x.k), v: Float64Array.from(x.v) },
      { withMap: false },
    ).out;
    for (const [id, o] of outputs) results.get(id)!.maxAbsVsCpu = maxAbsDiff(o, ref);
  }
  let oursFlashTimestamp: RunResult['oursFlashTimestamp'];
  if (tsSamples.length) oursFlashTimestamp = { ...stats(tsSamples), source: tsSource, repeats: tsRepeats };
  for (const impl of live) {
    try {
      await impl.destroy();
    } catch (e) {
      console.warn(`[compare] destroy ${impl.id}`, e);
    }
  }
  return { n, d: D, trials, warmup, impls: ids.map((id) => results.get(id)!), oursFlashTimestamp, pairwise, totalMs: performance.now() - t00 };
}

/**
 * Where does an implementation disagree with the CPU reference? Runs one forward of each
 * listed implementation at size n and summarizes the error per query row.
 */
async function diagnose(n: number, ids: string[], seed = 1234) {
  const rng = new Rng(seed);
  const gen = () => Float32Array.from({ length: n * D }, () => rng.normal());
  const x: Inputs = { n, q: gen(), k: gen(), v: gen() };
  const ref = exactReference(
    { shape: { n, d: D, dv: D, heads: 1, causal: false }, q: Float64Array.from(x.q), k: Float64Array.from(x.k), v: Float64Array.from(x.v) },
    { withMap: false },
  ).out;
  const out: Record<string, unknown> = {};
  for (const id of ids) {
    try {
      const impl = await makeImpl(id, x);
      await impl.forward();
      const o = await impl.read();
      const rowErr: number[] = [];
      for (let i = 0; i < n; i++) {
        let m = 0;
        for (let c = 0; c < D; c++) m = Math.max(m, Math.abs(o[i * D + c] - ref[i * D + c]));
        rowErr.push(m);
      }
      const bad = rowErr.map((e, i) => [i, e] as const).filter(([, e]) => e > 1e-4);
      let zeros = 0;
      for (const val of o) if (val === 0) zeros++;
      out[id] = {
        maxAbs: Math.max(...rowErr),
        badRows: bad.length,
        firstBadRows: bad.slice(0, 12).map(([i, e]) => `${i}:${e.toExponential(1)}`),
        zeros,
        sampleRow0: Array.from(o.slice(0, 6)),
        refRow0: Array.from(ref.slice(0, 6)),
        includes: impl.includes,
      };
      await impl.destroy();
    } catch (e) {
      out[id] = { error: errText(e) };
    }
  }
  return out;
}

/** WGSL of the shader modules whose label matches (to check what ORT's kernels do). */
function shaders(match: string): Record<string, string> {
  const re = new RegExp(match, 'i');
  const out: Record<string, string> = {};
  for (const [k, v] of shaderSources) if (re.test(k)) out[k] = v;
  return out;
}

function shaderLabels(): string[] {
  return [...shaderSources.keys()];
}

declare global {
  interface Window {
    compare: { init: typeof init; run: typeof run; diagnose: typeof diagnose; shaders: typeof shaders; shaderLabels: typeof shaderLabels; ready: boolean };
  }
}

window.compare = { init, run, diagnose, shaders, shaderLabels, ready: true };
document.getElementById('status')!.textContent = 'ready';
