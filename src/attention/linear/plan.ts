// GPU plan of linear attention (spec/variants.md §4): the engine (kv → reduce | prefix → out)
// with the feature map fused into kv and out, and the implied-map kernels for display.
//
//   non-causal: kvPartial (chunk partial sums of φ(K)ᵀV and Σφ(K)) → reduceStates
//               (deterministic, in chunk order) → outNC (φ(q_i)ᵀS / (φ(q_i)ᵀz + ε))
//   causal:     kvPartial → prefixStates (exclusive prefix over chunks, in place)
//               → outC (prefix state of the row's chunk + intra-chunk lower triangle)
// Work is split into parts (one submit each) of at most gpu.maxFlopsPerSubmit.
import phiWgsl from '../../../shaders/linear/phi.wgsl';
import kvWgsl from '../../../shaders/linear/kv.wgsl';
import reduceWgsl from '../../../shaders/linear/reduce.wgsl';
import outWgsl from '../../../shaders/linear/out.wgsl';
import featuresWgsl from '../../../shaders/linear/features.wgsl';
import mapWgsl from '../../../shaders/linear/map.wgsl';
import type { Gpu } from '../../gpu/gpu';
import { packUniform, pow2Bucket } from '../../gpu/uniforms';
import { GpuError } from '../../gpu/errors';
import type { BindingKind, ShaderSource } from '../../gpu/pipelines';
import type { Extra, GpuInputs, MapRequest, MapWindow, Plan, Shape } from '../types';
import { checkMapRequest } from '../map-request';
import { KERNEL_CODE, type KernelId, type KernelSpec } from './kernels';
import { chunking, phiFlops, precomputesKeys } from './sizes';

// kept importable from here (the cost model reads them from ./sizes, which loads no WGSL)
export { chunking, phiFlops, precomputesKeys };

/**
 * Keeps only `kernel`'s blocks of phi.wgsl (`// #if kernel=a,b` … `// #endif`): one feature map
 * per shader module, so a software adapter compiles one map, not five.
 */
export function selectKernel(code: string, kernel: KernelId): string {
  return code.replace(/^[ \t]*\/\/ #if kernel=([\w,]+)\n([\s\S]*?)^[ \t]*\/\/ #endif\n/gm, (_m, list: string, body: string) =>
    list.split(',').includes(kernel) ? body : '',
  );
}

/**
 * Unrolls the loops marked `for (var X = 0u; X < NAME; X++) { // @unroll` with NAME's value from
 * `values`: each copy of the body gets the literal index, so arrays of accumulators indexed by X
 * become registers. (A loop over a private array with a variable index keeps it in memory on
 * SwiftShader: the kv accumulation ran 2× slower.)
 */
export function unroll(code: string, values: Record<string, number>): string {
  const head = /for \(var (\w+) = 0u; \1 < (\w+); \1\+\+\) \{ \/\/ @unroll\n/;
  let out = code;
  for (let m = head.exec(out); m; m = head.exec(out)) {
    const [text, v, name] = m;
    const count = values[name];
    if (count === undefined) throw new Error(`unroll: no value for ${name}`);
    const start = m.index + text.length;
    let depth = 1;
    let i = start;
    for (; i < out.length && depth > 0; i++) {
      if (out[i] === '{') depth++;
      else if (out[i] === '}') depth--;
    }
    const body = out.slice(start, i - 1);
    const re = new RegExp(`\\b${v}\\b`, 'g');
    const copies = Array.from({ length: count }, (_, k) => `{${body.replace(re, `${k}u`)}}`).join('\n');
    out = out.slice(0, m.index) + copies + out.slice(i);
  }
  return out;
}

/** `s` with its marked loops unrolled; the values are part of the name (the pipeline cache keys modules by name and defines). */
export function unrolled(s: ShaderSource, values: Record<string, number>): ShaderSource {
  const tag = Object.entries(values).map(([k, v]) => `${k}${v}`).join(',');
  return { name: `${s.name}[${tag}]`, code: unroll(s.code, values) };
}

/** A linear shader with phi.wgsl in front, both reduced to one kernel's blocks. */
export function withPhi(name: string, code: string, kernel: KernelId): ShaderSource {
  return { name: `linear/${name}:${kernel}`, code: selectKernel(phiWgsl.code + '\n' + code, kernel) };
}

export const REDUCE = reduceWgsl;
export const MAP = mapWgsl;

export const K_UNIFORM = {
  d: 'u32', dim: 'u32', m: 'u32', layers: 'u32', xscale: 'f32', logc: 'f32', kside: 'u32', hyp: 'u32',
} as const;
const KV_UNIFORM = {
  n: 'u32', dv: 'u32', chunkLen: 'u32', chunks: 'u32', ftiles: 'u32', chunk0: 'u32', partChunks: 'u32', groups: 'u32',
} as const;
const R_UNIFORM = { dim: 'u32', dv: 'u32', heads: 'u32', chunks: 'u32', ftiles: 'u32', ft: 'u32', total: 'u32', pad: 'u32' } as const;
const O_UNIFORM = {
  n: 'u32', dv: 'u32', block0: 'u32', blocks: 'u32', groups: 'u32', chunkLen: 'u32', chunks: 'u32', ftiles: 'u32', eps: 'f32',
} as const;
export const F_UNIFORM = { rows: 'u32', row0: 'u32', side: 'u32', groups: 'u32', dst0: 'u32' } as const;
const M_UNIFORM = {
  n: 'u32', dim: 'u32', causal: 'u32', rows: 'u32', row0: 'u32', key0: 'u32', keys: 'u32', pool: 'u32', pcols: 'u32', part0: 'u32', groups: 'u32',
} as const;

const KV_IO: BindingKind[] = ['uniform', 'read', 'uniform', 'read', 'read', 'storage', 'storage', 'read'];
const R_IO: BindingKind[] = ['uniform', 'storage', 'read', 'storage', 'storage'];
const O_IO: BindingKind[] = ['uniform', 'read', 'uniform', 'read', 'read', 'read', 'read', 'read', 'read', 'storage', 'read'];
export const F_IO: BindingKind[] = ['uniform', 'read', 'uniform', 'read', 'storage', 'storage'];
const M_IO: BindingKind[] = ['uniform', 'read', 'read', 'read', 'storage', 'storage'];

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

/** The kernel's uniform and weights as the shaders read them. */
export function kernelUniform(spec: KernelSpec): ArrayBuffer {
  const { d, dim } = spec;
  const m = spec.kernel === 'favor' ? spec.m! : spec.arch?.features ?? 0;
  return packUniform(K_UNIFORM, {
    d,
    dim,
    m,
    layers: spec.arch?.layers ?? 1,
    xscale: Math.pow(d, -0.25),
    logc: spec.kernel === 'favor' ? -0.5 * Math.log(spec.hyperbolic ? 2 * m : m) : 0,
    kside: spec.kernel === 'hedgehog' ? m * d + m : 0,
    hyp: Boolean(spec.hyperbolic),
  });
}

export function kernelWeights(spec: KernelSpec): Float32Array {
  if (spec.kernel === 'favor') return Float32Array.from(spec.projection!);
  if (spec.params) return Float32Array.from(spec.params);
  return new Float32Array(4);
}

export function kernelDefines(spec: KernelSpec, dmax: number, fmax: number): Record<string, number> {
  return { DMAX: dmax, FMAX: fmax, KERNEL: KERNEL_CODE[spec.kernel] };
}

/** Owns the buffers a plan allocated and returns them to the pool on destroy. */
export class Allocations {
  readonly list: GPUBuffer[] = [];
  constructor(private readonly gpu: Gpu) {}
  add<T extends GPUBuffer>(b: T): T {
    this.list.push(b);
    return b;
  }
  get bytes(): number {
    return this.list.reduce((s, b) => s + b.size, 0);
  }
  releaseAll() {
    for (const b of this.list) this.gpu.release(b);
    this.list.length = 0;
  }
}

interface Step {
  flops: number;
  encode(pass: GPUComputePassEncoder): void;
}

/** Packs steps (in order) into parts of at most `budget` FLOPs (a step larger than the budget is a part of its own). */
export function packParts(steps: Step[], budget: number): Step[][] {
  const parts: Step[][] = [];
  let cur: Step[] = [];
  let flops = 0;
  for (const s of steps) {
    if (cur.length && flops + s.flops > budget) {
      parts.push(cur);
      cur = [];
      flops = 0;
    }
    cur.push(s);
    flops += s.flops;
  }
  if (cur.length) parts.push(cur);
  return parts;
}

export interface LinearPlanInfo {
  chunkLen: number;
  chunks: number;
  sizes: ReturnType<typeof engineSizes>;
}

export async function planLinear(gpu: Gpu, shape: Shape, spec: KernelSpec, eps: number, inputs: GpuInputs): Promise<Plan & { info: LinearPlanInfo }> {
  const { n, dv, heads, causal } = shape;
  const sz = engineSizes(shape, spec, workgroupBudget(gpu));
  const { D } = sz;
  const budget = Math.min(256 * 1024 ** 2, gpu.limits.maxStorageBufferBindingSize);
  const { chunkLen, chunks } = chunking(shape, D, budget);
  const alloc = new Allocations(gpu);
  const output = alloc.add(gpu.buffer('linear.output', heads * n * dv * 4));
  const kp = alloc.add(gpu.uniform('linear.kernel', kernelUniform(spec)));
  const pw = alloc.add(gpu.upload('linear.weights', kernelWeights(spec)));
  const ps = alloc.add(gpu.buffer('linear.chunk states (H×C×D×(dv+1))', heads * chunks * D * (dv + 1) * 4));
  const pm = alloc.add(gpu.buffer('linear.chunk maxima', heads * chunks * sz.ftiles * 4));
  const fs = causal ? undefined : alloc.add(gpu.buffer('linear.state (H×D×(dv+1))', heads * D * (dv + 1) * 4));
  const fm = alloc.add(gpu.buffer('linear.state scales', heads * (causal ? chunks : 1) * 4));

  const defs = kernelDefines(spec, sz.dmax, sz.fmax);
  // the feed-forward kernel's φ(K) is computed once per key into memory (PRE): fused, every
  // invocation needing a slice of a key's features would recompute the hidden blocks
  const pre = precomputesKeys(spec) ? 1 : 0;
  const [pKv, pRed, pOut, pFeat] = await Promise.all([
    gpu.pipelines.get({ shader: unrolled(withPhi('kv', kvWgsl.code, spec.kernel), { RF: (sz.ft * sz.dv4) / WG, ZR: Math.ceil(sz.ft / WG), DMAX: sz.dmax }), entryPoint: 'kvPartial', bindings: KV_IO, defines: { ...defs, DV4: sz.dv4, FT: sz.ft, T: sz.t, PRE: pre } }),
    gpu.pipelines.get({ shader: REDUCE, entryPoint: causal ? 'prefixStates' : 'reduceStates', bindings: R_IO }),
    gpu.pipelines.get({ shader: unrolled(withPhi('out', outWgsl.code, spec.kernel), { DV4: sz.dv4, DMAX: sz.dmax }), entryPoint: causal ? 'outC' : 'outNC', bindings: O_IO, defines: { ...defs, DV4: sz.dv4, FT2: sz.ft2, TK: sz.tk, FK: sz.fk, PRE: pre } }),
    pre ? gpu.pipelines.get({ shader: unrolled(withPhi('features', featuresWgsl.code, spec.kernel), { DMAX: sz.dmax }), entryPoint: 'features', bindings: F_IO, defines: defs }) : undefined,
  ]);

  const phi = phiFlops(spec);
  const steps: Step[] = [];
  let phiK: GPUBuffer = inputs.k; // a read-only stand-in when φ(K) is not precomputed
  if (pre && pFeat) {
    const bytes = heads * n * D * 4;
    if (bytes > budget) {
      throw new GpuError('limit', `the feed-forward kernel keeps φ(K) in memory: ${heads}×${n}×${D} floats (${Math.ceil(bytes / 2 ** 20)} MiB) exceed ${Math.floor(budget / 2 ** 20)} MiB; use fewer tokens, heads or features`);
    }
    phiK = alloc.add(gpu.buffer('linear.phi(K) (H×N×D)', bytes));
    const offK = alloc.add(gpu.buffer('linear.phi(K) scales', heads * n * 4));
    const rowsPer = Math.max(WG, Math.floor(gpu.maxFlopsPerSubmit / Math.max(phi, 1) / WG) * WG);
    for (let r0 = 0; r0 < heads * n; r0 += rowsPer) {
      const rows = Math.min(rowsPer, heads * n - r0);
      const groups = Math.ceil(rows / WG);
      const u = alloc.add(gpu.uniform('linear.features.params', packUniform(F_UNIFORM, { rows, row0: r0, side: 1, groups, dst0: r0 })));
      const bg = gpu.bindGroup(pFeat, 'linear.features', [kp, pw, u, inputs.k, phiK, offK]);
      steps.push({ flops: rows * phi, encode: (pass) => gpu.dispatch(pass, pFeat, bg, groups) });
    }
  }
  // kv: parts over chunks
  const kvChunkFlops = heads * sz.ftiles * Math.min(chunkLen, n) * ((pre ? 0 : phi) / sz.ftiles + 2 * sz.ft * (dv + 1));
  const kvPer = Math.max(1, Math.min(chunks, Math.floor(gpu.maxFlopsPerSubmit / Math.max(kvChunkFlops, 1))));
  for (let c0 = 0; c0 < chunks; c0 += kvPer) {
    const partChunks = Math.min(kvPer, chunks - c0);
    const groups = heads * partChunks * sz.ftiles;
    const u = alloc.add(gpu.uniform('linear.kv.params', packUniform(KV_UNIFORM, { n, dv, chunkLen, chunks, ftiles: sz.ftiles, chunk0: c0, partChunks, groups })));
    const bg = gpu.bindGroup(pKv, 'linear.kv', [kp, pw, u, inputs.k, inputs.v, ps, pm, phiK]);
    steps.push({ flops: kvChunkFlops * partChunks, encode: (pass) => gpu.dispatch(pass, pKv, bg, groups) });
  }
  // reduce / prefix
  {
    const total = heads * D * (dv + 1);
    const u = alloc.add(gpu.uniform('linear.reduce.params', packUniform(R_UNIFORM, { dim: D, dv, heads, chunks, ftiles: sz.ftiles, ft: sz.ft, total, pad: 0 })));
    // causal: FS is unused by prefixStates (a scratch stands in: writable bindings must not alias)
    const fsOrScratch = fs ?? alloc.add(gpu.buffer('linear.unused', 16));
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
    const blocks = Math.min(outPer, blocksPerHead - b0);
    const groups = heads * blocks;
    const u = alloc.add(
      gpu.uniform('linear.out.params', packUniform(O_UNIFORM, { n, dv, block0: b0, blocks, groups, chunkLen, chunks, ftiles: sz.ftiles, eps })),
    );
    const bg = gpu.bindGroup(pOut, 'linear.out', [kp, pw, u, inputs.q, inputs.k, inputs.v, causal ? ps : fs!, fm, pm, output, phiK]);
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
      return alloc.bytes;
    },
    readMap: (req) => readLinearMap(gpu, shape, spec, inputs, kp, pw, req),
    extras: async (): Promise<Extra[]> => [
      { kind: 'metric', id: 'feature-dim', label: 'Feature dimension D', value: D, help: 'Dimension of φ(x); the state φ(K)ᵀV is D×dv.', csvColumn: 'feature_dim' },
      {
        kind: 'metric', id: 'chunk-len', label: causal ? 'Chunk length (prefix scan)' : 'Chunk length (partial sums)', value: chunkLen,
        help: causal ? 'Tokens per chunk of the causal scan: prefix states across chunks, the lower triangle inside.' : 'Tokens per chunk of the split-N partial sums, reduced in chunk order (deterministic).',
      },
    ],
    destroy: () => alloc.releaseAll(),
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
async function readLinearMap(gpu: Gpu, shape: Shape, spec: KernelSpec, inputs: GpuInputs, kp: GPUBuffer, pw: GPUBuffer, req: MapRequest): Promise<MapWindow> {
  const errs = checkLinearMap(shape, spec, req, gpu.limits.maxStorageBufferBindingSize);
  if (errs.length) throw new GpuError('validation', errs.join('; '));
  const { n, causal } = shape;
  const D = spec.dim;
  const sz = engineSizes(shape, spec, workgroupBudget(gpu));
  const defs = kernelDefines(spec, sz.dmax, sz.fmax);
  const pooled = req.kind === 'pooled';
  const fq = pow2Bucket(D, 4);
  const pcolsMax = pooled ? pow2Bucket(Math.ceil(n / req.pool), 4) : 4;
  const mapPipe = (entryPoint: string) =>
    gpu.pipelines.get({ shader: MAP, entryPoint, bindings: M_IO, defines: { FQ: fq, MAXPCOLS: entryPoint === 'pooled' ? pcolsMax : 4 } });
  const [pFeat, pMax, pSums, pLast] = await Promise.all([
    gpu.pipelines.get({ shader: unrolled(withPhi('features', featuresWgsl.code, spec.kernel), { DMAX: sz.dmax }), entryPoint: 'features', bindings: F_IO, defines: defs }),
    mapPipe('keyMax'),
    mapPipe('rowSums'),
    mapPipe(pooled ? 'pooled' : 'writeRows'),
  ]);
  const rows = pooled ? n : req.rows;
  const row0 = pooled ? 0 : req.row0;
  const keyChunk = pooled ? n : Math.max(1, Math.min(n, Math.floor((64 * 1024 ** 2) / (4 * D))));
  const pool = pooled ? req.pool : 1;
  const pcols = Math.ceil(n / pool);
  const outRows = pooled ? pcols : rows;
  const outCols = pooled ? pcols : n;
  const temp: GPUBuffer[] = [];
  const buf = (label: string, bytes: number) => {
    const b = gpu.buffer(label, bytes);
    temp.push(b);
    return b;
  };
  const uni = (label: string, data: ArrayBuffer) => {
    const b = gpu.uniform(label, data);
    temp.push(b);
    return b;
  };
  try {
    return await gpu.scoped('linear attention map', async () => {
      const phiQ = buf('linear.map.phiQ', rows * D * 4);
      const offQ = buf('linear.map.offQ', rows * 4);
      const phiK = buf('linear.map.phiK', Math.min(keyChunk, n) * D * 4);
      const offK = buf('linear.map.offK', Math.min(keyChunk, n) * 4);
      const acc = buf('linear.map.acc', (rows + 1) * 4);
      const out = buf('linear.map.out', outRows * outCols * 4);
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
        const u = uni('linear.features.params', packUniform(F_UNIFORM, { rows: count, row0: first, side, groups, dst0: 0 }));
        const bg = gpu.bindGroup(pFeat, 'linear.features', [kp, pw, u, src, phi, off]);
        submit((pass) => gpu.dispatch(pass, pFeat, bg, groups));
      };
      const head0 = req.head * n;
      features(inputs.q, head0 + row0, rows, 0, phiQ, offQ);
      const chunksK = Math.ceil(n / keyChunk);
      const mapPass = (p: typeof pMax, key0: number, keys: number, units: number, unitFlops: number) => {
        const per = Math.max(1, Math.floor(gpu.maxFlopsPerSubmit / Math.max(1, unitFlops)));
        for (let part0 = 0; part0 < Math.max(units, 1); part0 += per) {
          const count = Math.max(1, Math.min(per, units - part0));
          const u = uni('linear.map.params', packUniform(M_UNIFORM, { n, dim: D, causal, rows, row0, key0, keys, pool, pcols, part0, groups: count }));
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
    for (const b of temp) gpu.release(b);
  }
}
