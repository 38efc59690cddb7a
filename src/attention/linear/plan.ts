// GPU plan of linear attention (docs/spec/variants.md §4): the engine (kv → reduce | prefix →
// out) with the feature map fused into kv and out, and the implied-map kernels for display.
//
//   non-causal: kvPartial (chunk partial sums of φ(K)ᵀV and Σφ(K)) → reduceStates
//               (deterministic, in chunk order) → outNC (φ(q_i)ᵀS / (φ(q_i)ᵀz + ε))
//   causal:     kvPartial → prefixStates (exclusive prefix over chunks, in place)
//               → outC (prefix state of the row's chunk + intra-chunk lower triangle)
// Work is split into parts (one submit each) of at most gpu.maxFlopsPerSubmit. Every kernel
// (and the trainer's) reads one uniform, Params (shaders/linear/params.wgsl), packed from the
// WGSL's declaration.
import paramsWgsl from '../../../shaders/linear/params.wgsl';
import kvWgsl from '../../../shaders/linear/kv.wgsl';
import reduceWgsl from '../../../shaders/linear/reduce.wgsl';
import outWgsl from '../../../shaders/linear/out.wgsl';
import featuresWgsl from '../../../shaders/linear/features.wgsl';
import mapWgsl from '../../../shaders/linear/map.wgsl';
import type { Gpu } from '../../gpu/gpu';
import { packUniform, pow2Bucket } from '../../gpu/uniforms';
import { GpuError } from '../../gpu/errors';
import { Allocations, packParts, type Step } from '../../gpu/plan-kit';
import { selectBlocks, unroll, uniformLayout, type ShaderSource } from '../../gpu/wgsl';
import type { Extra, GpuInputs, MapRequest, MapWindow, Plan, Shape } from '../types';
import { checkMapRequest } from '../map-request';
import { KERNEL_CODE, type KernelId, type KernelSpec } from './kernels';
import { chunking, phiFlops, precomputesKeys } from './sizes';

/**
 * A linear shader reduced to `kernel`'s blocks (`// #if kernel=…`: one feature map per module,
 * so a software adapter compiles one map, not five), its marked loops unrolled with `values`.
 * Both keep the line count, so compile errors still name the original file and line. Without
 * `values` the marked loops stay loops.
 */
export function linearShader(src: ShaderSource, kernel: KernelId, values?: Record<string, number>): ShaderSource {
  const code = selectBlocks(src.code, { kernel });
  return { ...src, name: `${src.name}:${kernel}`, code: values ? unroll(code, values) : code };
}

export type ParamsValues = Record<string, number | boolean>;

let zeroFields: ParamsValues | undefined;

/** `values` completed with a 0 for every other field of Params (shaders/linear/params.wgsl). */
function allFields(values: ParamsValues): ParamsValues {
  zeroFields ??= Object.fromEntries(Object.keys(uniformLayout(paramsWgsl)).map((k) => [k, 0]));
  return { ...zeroFields, ...values };
}

/** A Params uniform holding `values`; every field not given is 0. */
export function paramsBuffer(own: Allocations, label: string, values: ParamsValues): GPUBuffer {
  return own.params(paramsWgsl, label, allFields(values));
}

/** Params packed as the uniform holds it (for rewriting one in place). */
export function packParams(values: ParamsValues): ArrayBuffer {
  return packUniform(uniformLayout(paramsWgsl), allFields(values));
}

const WG = 64;
/** the map's query-feature row lives in workgroup memory (FMAXQ in map.wgsl) */
const MAP_MAX_DIM = 1024;
/** pooled overview: largest block-column count (MAXPCOLS in map.wgsl) */
const MAP_MAX_PCOLS = 2048;

const pow2Floor = (x: number) => 2 ** Math.floor(Math.log2(Math.max(1, x)));

/**
 * Workgroup memory the linear kernels size their tiles for. On a software adapter compile time
 * grows with it (Dawn zero-initializes workgroup memory, and SwiftShader compiles that and the
 * tile loops unrolled: ~15 s for 32 KiB against ~2 s for 4 KiB on a shared CPU), while the
 * run time hardly depends on it; on a GPU larger tiles pay off and compile time is small.
 */
export function workgroupBudget(gpu: Gpu): number {
  const limit = gpu.limits.maxComputeWorkgroupStorageSize ?? 16384;
  return Math.min(limit, gpu.adapter.isFallback ? 4096 + 256 : 16384);
}

/** Compile-time sizes of the engine for a shape and kernel, fitted to `wgBytes` of workgroup memory. */
export function engineSizes(shape: Shape, spec: KernelSpec, wgBytes: number) {
  const D = spec.dim;
  const dmax = pow2Bucket(shape.d, 4);
  const fdim = pow2Bucket(D, 4);
  const dvPad = pow2Bucket(shape.dv, 4);
  const dv4 = dvPad / 4;
  const nfg = WG / dv4;
  // kv: FT features × dvPad columns of state per workgroup (64 accumulators per invocation)
  const ft = Math.max(nfg, Math.min(fdim, 4096 / dvPad));
  // private feature arrays (FMAX) hold a whole row of φ and a kv slice of the tile
  const fmax = Math.max(fdim, ft);
  let fmaxAll = fmax;
  const floats = Math.floor((wgBytes - 16) / 4);
  const tooSmall = () => new GpuError('limit', `linear attention: workgroup memory (${wgBytes} bytes) is too small for D = ${D}, dv = ${shape.dv}`);
  // kv: T tokens per tile, each evaluated by WG/T invocations (slices of FT/(WG/T) features)
  let t = 64;
  while (t > 1 && (t * (ft + dvPad) > floats || WG / t > ft)) t /= 2;
  if (t * (ft + dvPad) > floats || WG / t > ft) throw tooSmall();
  const ftiles = Math.ceil(D / ft);
  // out: the staged state and (causal) the intra-chunk key tile share the memory
  const half = Math.floor(floats / 2);
  const ft2 = Math.min(fdim, pow2Floor((shape.causal ? half : floats) / (dvPad + 1)));
  let tk = 64;
  let fk = fdim;
  for (; tk >= 1; tk /= 2) {
    fk = Math.max(fdim, WG / tk);
    if (tk * (fk + dvPad) <= half) break;
  }
  if (tk < 1 || ft2 < 1) throw tooSmall();
  fmaxAll = Math.max(fmax, fk);
  return { D, dmax, fmax: fmaxAll, dvPad, dv4, ft, t, ftiles, ft2, tk, fk };
}

/** The fields of Params that describe the feature map φ (read by phi.wgsl). */
export function kernelFields(spec: KernelSpec): ParamsValues {
  const { d, dim } = spec;
  const m = spec.kernel === 'favor' ? spec.m! : spec.arch?.features ?? 0;
  return {
    d,
    dim,
    m,
    layers: spec.arch?.layers ?? 1,
    xscale: Math.pow(d, -0.25),
    logc: spec.kernel === 'favor' ? -0.5 * Math.log(spec.hyperbolic ? 2 * m : m) : 0,
    kside: spec.kernel === 'hedgehog' ? m * d + m : 0,
    hyp: Boolean(spec.hyperbolic),
  };
}

/** The weights the shaders read (binding 1 of phi.wgsl). */
export function kernelWeights(spec: KernelSpec): Float32Array {
  if (spec.kernel === 'favor') return Float32Array.from(spec.projection!);
  if (spec.params) return Float32Array.from(spec.params);
  return new Float32Array(4);
}

export function kernelDefines(spec: KernelSpec, dmax: number, fmax: number): Record<string, number> {
  return { DMAX: dmax, FMAX: fmax, KERNEL: KERNEL_CODE[spec.kernel] };
}

export interface LinearPlanInfo {
  chunkLen: number;
  chunks: number;
  sizes: ReturnType<typeof engineSizes>;
}

/** The features kernel (φ of rows into memory) for `spec`. */
function featuresPipeline(gpu: Gpu, spec: KernelSpec, sz: ReturnType<typeof engineSizes>) {
  return gpu.pipelines.get({ shader: linearShader(featuresWgsl, spec.kernel, { DMAX: sz.dmax }), entryPoint: 'features', defines: kernelDefines(spec, sz.dmax, sz.fmax) });
}

export async function planLinear(gpu: Gpu, shape: Shape, spec: KernelSpec, eps: number, inputs: GpuInputs): Promise<Plan & { info: LinearPlanInfo }> {
  const { n, dv, heads, causal } = shape;
  const sz = engineSizes(shape, spec, workgroupBudget(gpu));
  const { D } = sz;
  const budget = Math.min(256 * 1024 ** 2, gpu.limits.maxStorageBufferBindingSize);
  const { chunkLen, chunks } = chunking(shape, D, budget);
  const own = new Allocations(gpu);
  const output = own.buffer('linear.output', heads * n * dv);
  const pw = own.upload('linear.weights', kernelWeights(spec));
  const ps = own.buffer('linear.chunk states (H×C×D×(dv+1))', heads * chunks * D * (dv + 1));
  const pm = own.buffer('linear.chunk maxima', heads * chunks * sz.ftiles);
  const fs = causal ? undefined : own.buffer('linear.state (H×D×(dv+1))', heads * D * (dv + 1));
  const fm = own.buffer('linear.state scales', heads * (causal ? chunks : 1));
  // the fields every dispatch shares: the feature map, the problem, the engine's chunking
  const base = { ...kernelFields(spec), n, dv, heads, causal, eps, chunkLen, chunks, ftiles: sz.ftiles, ft: sz.ft };

  const defs = kernelDefines(spec, sz.dmax, sz.fmax);
  // the feed-forward kernel's φ(K) is computed once per key into memory (PRE): fused, every
  // invocation needing a slice of a key's features would recompute the hidden blocks
  const pre = precomputesKeys(spec) ? 1 : 0;
  const [pKv, pRed, pOut, pFeat] = await Promise.all([
    gpu.pipelines.get({ shader: linearShader(kvWgsl, spec.kernel, { RF: (sz.ft * sz.dv4) / WG, ZR: Math.ceil(sz.ft / WG), DMAX: sz.dmax }), entryPoint: 'kvPartial', defines: { ...defs, DV4: sz.dv4, FT: sz.ft, T: sz.t, PRE: pre } }),
    gpu.pipelines.get({ shader: reduceWgsl, entryPoint: causal ? 'prefixStates' : 'reduceStates' }),
    gpu.pipelines.get({ shader: linearShader(outWgsl, spec.kernel, { DV4: sz.dv4, DMAX: sz.dmax }), entryPoint: causal ? 'outC' : 'outNC', defines: { ...defs, DV4: sz.dv4, FT2: sz.ft2, TK: sz.tk, FK: sz.fk, PRE: pre } }),
    pre ? featuresPipeline(gpu, spec, sz) : undefined,
  ]);

  const phi = phiFlops(spec);
  const steps: Step[] = [];
  let phiK: GPUBuffer = inputs.k; // a read-only stand-in when φ(K) is not precomputed
  if (pre && pFeat) {
    const bytes = heads * n * D * 4;
    if (bytes > budget) {
      throw new GpuError('limit', `the feed-forward kernel keeps φ(K) in memory: ${heads}×${n}×${D} floats (${Math.ceil(bytes / 2 ** 20)} MiB) exceed ${Math.floor(budget / 2 ** 20)} MiB; use fewer tokens, heads or features`);
    }
    phiK = own.buffer('linear.phi(K) (H×N×D)', heads * n * D);
    const offK = own.buffer('linear.phi(K) scales', heads * n);
    const rowsPer = Math.max(WG, Math.floor(gpu.maxFlopsPerSubmit / Math.max(phi, 1) / WG) * WG);
    for (let r0 = 0; r0 < heads * n; r0 += rowsPer) {
      const rows = Math.min(rowsPer, heads * n - r0);
      const groups = Math.ceil(rows / WG);
      const u = paramsBuffer(own, 'linear.features.params', { ...base, rows, row0: r0, side: 1, groups, dst0: r0 });
      const bg = gpu.bindGroup(pFeat, 'linear.features', [u, pw, inputs.k, phiK, offK]);
      steps.push({ flops: rows * phi, encode: (pass) => gpu.dispatch(pass, pFeat, bg, groups) });
    }
  }
  // kv: parts over chunks
  const kvChunkFlops = heads * sz.ftiles * Math.min(chunkLen, n) * ((pre ? 0 : phi) / sz.ftiles + 2 * sz.ft * (dv + 1));
  const kvPer = Math.max(1, Math.min(chunks, Math.floor(gpu.maxFlopsPerSubmit / Math.max(kvChunkFlops, 1))));
  for (let c0 = 0; c0 < chunks; c0 += kvPer) {
    const units = Math.min(kvPer, chunks - c0);
    const groups = heads * units * sz.ftiles;
    const u = paramsBuffer(own, 'linear.kv.params', { ...base, part0: c0, units, groups });
    const bg = gpu.bindGroup(pKv, 'linear.kv', [u, pw, inputs.k, inputs.v, phiK, ps, pm]);
    steps.push({ flops: kvChunkFlops * units, encode: (pass) => gpu.dispatch(pass, pKv, bg, groups) });
  }
  // reduce / prefix
  {
    const total = heads * D * (dv + 1);
    const u = paramsBuffer(own, 'linear.reduce.params', base);
    // causal: FS is unused by prefixStates (a scratch stands in: writable bindings must not alias)
    const fsOrScratch = fs ?? own.buffer('linear.unused', 4);
    const bg = gpu.bindGroup(pRed, 'linear.reduce', [u, ps, pm, fsOrScratch, fm]);
    const groups = Math.ceil(total / WG);
    steps.push({ flops: total * chunks * 4, encode: (pass) => gpu.dispatch(pass, pRed, bg, groups) });
  }
  // out: parts over row blocks
  const blocksPerHead = Math.ceil(n / WG);
  const intraPerRow = causal ? (Math.min(chunkLen, n) / 2 + WG / 2) * (2 * D + 2 * dv + 2) + ((Math.min(chunkLen, n) / 2 + WG / 2) * (pre ? 0 : phi)) / WG : 0;
  const rowFlops = phi + 2 * D * (dv + 1) + intraPerRow;
  const outPer = Math.max(1, Math.min(blocksPerHead, Math.floor(gpu.maxFlopsPerSubmit / (heads * WG * rowFlops))));
  for (let b0 = 0; b0 < blocksPerHead; b0 += outPer) {
    const units = Math.min(outPer, blocksPerHead - b0);
    const groups = heads * units;
    const u = paramsBuffer(own, 'linear.out.params', { ...base, part0: b0, units, groups });
    const bg = gpu.bindGroup(pOut, 'linear.out', [u, pw, inputs.k, inputs.v, phiK, inputs.q, causal ? ps : fs!, fm, pm, output]);
    steps.push({ flops: groups * WG * rowFlops, encode: (pass) => gpu.dispatch(pass, pOut, bg, groups) });
  }
  const parts = packParts(steps, gpu.maxFlopsPerSubmit);

  const info: LinearPlanInfo = { chunkLen, chunks, sizes: sz };
  return {
    parts: parts.length,
    encode: (pass, part) => {
      for (const s of parts[part]) s.encode(pass);
    },
    output,
    get bytesAllocated() {
      return own.bytes;
    },
    readMap: (req) => readLinearMap(gpu, shape, spec, inputs, base, pw, req),
    extras: async (): Promise<Extra[]> => [
      { kind: 'metric', id: 'feature-dim', label: 'Feature dimension D', value: D, help: 'Dimension of φ(x); the state φ(K)ᵀV is D×dv.', csvColumn: 'feature_dim' },
      {
        kind: 'metric', id: 'chunk-len', label: causal ? 'Chunk length (prefix scan)' : 'Chunk length (partial sums)', value: chunkLen,
        help: causal ? 'Tokens per chunk of the causal scan: prefix states across chunks, the lower triangle inside.' : 'Tokens per chunk of the split-N partial sums, reduced in chunk order (deterministic).',
      },
    ],
    destroy: () => own.releaseAll(),
    info,
  };
}

/** Checks the map request against what the map kernels can do. */
function checkLinearMap(shape: Shape, spec: KernelSpec, req: MapRequest, maxBinding: number): string[] {
  const errs = checkMapRequest(shape, req);
  if (spec.dim > MAP_MAX_DIM) errs.push(`the map of a kernel with D = ${spec.dim} features is not available (at most ${MAP_MAX_DIM})`);
  if (req.kind === 'pooled') {
    const need = shape.n * spec.dim * 4;
    if (need > Math.min(maxBinding, 256 * 1024 ** 2)) errs.push(`the pooled map needs φ of all ${shape.n} tokens (${need} bytes); use a window of rows instead`);
    if (Math.ceil(shape.n / req.pool) > MAP_MAX_PCOLS) errs.push(`pooled map has more than ${MAP_MAX_PCOLS} columns`);
  }
  return errs;
}

/**
 * The implied map Â for a window of rows or a pooled overview. φ of the window's queries and of
 * the keys (in chunks of at most 64 MiB) is written by features.wgsl; three passes over the key
 * chunks: the largest key scale, the row normalizers, the probabilities.
 */
async function readLinearMap(gpu: Gpu, shape: Shape, spec: KernelSpec, inputs: GpuInputs, base: ParamsValues, pw: GPUBuffer, req: MapRequest): Promise<MapWindow> {
  const errs = checkLinearMap(shape, spec, req, gpu.limits.maxStorageBufferBindingSize);
  if (errs.length) throw new GpuError('validation', errs.join('; '));
  const { n } = shape;
  const D = spec.dim;
  const sz = engineSizes(shape, spec, workgroupBudget(gpu));
  const pooled = req.kind === 'pooled';
  const fq = pow2Bucket(D, 4);
  const pcolsMax = pooled ? pow2Bucket(Math.ceil(n / req.pool), 4) : 4;
  const mapPipe = (entryPoint: string) => gpu.pipelines.get({ shader: mapWgsl, entryPoint, defines: { FQ: fq, MAXPCOLS: entryPoint === 'pooled' ? pcolsMax : 4 } });
  const [pFeat, pMax, pSums, pLast] = await Promise.all([featuresPipeline(gpu, spec, sz), mapPipe('keyMax'), mapPipe('rowSums'), mapPipe(pooled ? 'pooled' : 'writeRows')]);
  const rows = pooled ? n : req.rows;
  const row0 = pooled ? 0 : req.row0;
  const keyChunk = pooled ? n : Math.max(1, Math.min(n, Math.floor((64 * 1024 ** 2) / (4 * D))));
  const pool = pooled ? req.pool : 1;
  const pcols = Math.ceil(n / pool);
  const outRows = pooled ? pcols : rows;
  const outCols = pooled ? pcols : n;
  const own = new Allocations(gpu);
  try {
    return await gpu.scoped('linear attention map', async () => {
      const phiQ = own.buffer('linear.map.phiQ', rows * D);
      const offQ = own.buffer('linear.map.offQ', rows);
      const phiK = own.buffer('linear.map.phiK', Math.min(keyChunk, n) * D);
      const offK = own.buffer('linear.map.offK', Math.min(keyChunk, n));
      const acc = own.buffer('linear.map.acc', rows + 1);
      const out = own.buffer('linear.map.out', outRows * outCols);
      const init = new Float32Array(rows + 1);
      init[0] = -3e38;
      gpu.device.queue.writeBuffer(acc, 0, init);
      const submit = (fn: (pass: GPUComputePassEncoder) => void) => {
        const enc = gpu.device.createCommandEncoder({ label: 'linear.map' });
        const pass = enc.beginComputePass({ label: 'linear.map' });
        fn(pass);
        pass.end();
        gpu.device.queue.submit([enc.finish()]);
      };
      const features = (src: GPUBuffer, first: number, count: number, side: number, phi: GPUBuffer, off: GPUBuffer) => {
        const groups = Math.ceil(count / WG);
        const u = paramsBuffer(own, 'linear.features.params', { ...base, rows: count, row0: first, side, groups, dst0: 0 });
        const bg = gpu.bindGroup(pFeat, 'linear.features', [u, pw, src, phi, off]);
        submit((pass) => gpu.dispatch(pass, pFeat, bg, groups));
      };
      const head0 = req.head * n;
      features(inputs.q, head0 + row0, rows, 0, phiQ, offQ);
      const chunksK = Math.ceil(n / keyChunk);
      const mapPass = (p: typeof pMax, key0: number, keys: number, units: number, unitFlops: number) => {
        const per = Math.max(1, Math.floor(gpu.maxFlopsPerSubmit / Math.max(1, unitFlops)));
        for (let part0 = 0; part0 < Math.max(units, 1); part0 += per) {
          const count = Math.max(1, Math.min(per, units - part0));
          const u = paramsBuffer(own, 'linear.map.params', { ...base, rows, row0, key0, keys, pool, pcols, part0, groups: count });
          const bg = gpu.bindGroup(p, 'linear.map', [u, phiQ, phiK, offK, acc, out]);
          submit((pass) => gpu.dispatch(pass, p, bg, count));
        }
      };
      const perKeyChunk = async (fn: (key0: number, keys: number) => void) => {
        for (let c = 0; c < chunksK; c++) {
          const key0 = c * keyChunk;
          const keys = Math.min(keyChunk, n - key0);
          if (chunksK > 1 || c === 0) features(inputs.k, head0 + key0, keys, 1, phiK, offK);
          fn(key0, keys);
          await gpu.device.queue.onSubmittedWorkDone();
        }
      };
      await perKeyChunk((key0, keys) => mapPass(pMax, key0, keys, 1, keys));
      // one chunk: the key features stay from the first pass
      const sweep = async (p: typeof pMax, units: number, unitFlops: (keys: number) => number) => {
        if (chunksK === 1) {
          mapPass(p, 0, n, units, unitFlops(n));
          await gpu.device.queue.onSubmittedWorkDone();
        } else await perKeyChunk((key0, keys) => mapPass(p, key0, keys, units, unitFlops(keys)));
      };
      await sweep(pSums, rows, (keys) => 2 * D * keys);
      if (pooled) await sweep(pLast, pcols, (keys) => 2 * D * keys * pool);
      else await sweep(pLast, rows, (keys) => 2 * D * keys);
      const data = await gpu.read(out, 0, outRows * outCols * 4);
      return { kind: req.kind, head: req.head, data, rows: outRows, cols: outCols, row0: pooled ? 0 : row0, pool, signed: false };
    });
  } finally {
    own.releaseAll();
  }
}
