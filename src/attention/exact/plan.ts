// GPU plan of exact attention: the flash kernel (timed baseline), the materialized
// three-kernel path (for comparison), and the map kernels (display).
import flashWgsl from '../../../shaders/exact/flash.wgsl';
import mapWgsl from '../../../shaders/exact/map.wgsl';
import materializedWgsl from '../../../shaders/exact/materialized.wgsl';
import type { Gpu } from '../../gpu/gpu';
import { packUniform, pow2Bucket } from '../../gpu/uniforms';
import { GpuError } from '../../gpu/errors';
import type { BindingKind } from '../../gpu/pipelines';
import type { GpuInputs, MapRequest, MapWindow, Plan, Shape } from '../types';
import { checkMapRequest } from '../map-request';

// kept importable from here while other variants still import it from this module
export { checkMapRequest };

export const FLASH = flashWgsl;
export const MAP = mapWgsl;
export const MATERIALIZED = materializedWgsl;

/** query rows per flash workgroup (BR in flash.wgsl; the cost model in variant.ts assumes it too) */
export const FLASH_ROWS = 64;
if (!/const BR: u32 = 64u;/.test(flashWgsl.code)) throw new Error('flash.wgsl BR differs from FLASH_ROWS');

const FLASH_UNIFORM = {
  n: 'u32', d: 'u32', dv: 'u32', heads: 'u32', causal: 'u32', block0: 'u32', blocks: 'u32', groups: 'u32', scale: 'f32',
} as const;
const MAP_UNIFORM = {
  n: 'u32', d: 'u32', causal: 'u32', head: 'u32', row0: 'u32', rows: 'u32', pool: 'u32', pcols: 'u32', scale: 'f32', base: 'u32',
} as const;
const MAT_UNIFORM = {
  n: 'u32', d: 'u32', dv: 'u32', heads: 'u32', causal: 'u32', rowTiles: 'u32', colTiles: 'u32', groups: 'u32', scale: 'f32',
} as const;

const IO: BindingKind[] = ['uniform', 'read', 'read', 'read', 'storage'];
const MAP_IO: BindingKind[] = ['uniform', 'read', 'read', 'storage'];
const MAT_IO: BindingKind[] = ['uniform', 'read', 'read', 'storage'];

/** Compile-time sizes of the flash kernel for a shape: head-dim bucket and key tile. */
export function flashTiles(shape: Shape): { dmax: number; bc: number } {
  const dmax = pow2Bucket(Math.max(shape.d, shape.dv), 4);
  // two BC×DMAX f32 tiles in 32 KiB of workgroup memory, and at most 64 keys per tile
  return { dmax, bc: Math.min(64, 4096 / dmax) };
}

/** FLOPs of exact attention over `rows` query rows (causal: each row sees i + 1 keys). */
function rowFlops(shape: Shape, rows: number, visibleKeys: number): number {
  return rows * visibleKeys * (2 * shape.d + 2 * shape.dv + 5);
}

/** Owns the buffers a plan allocated and returns them to the pool on destroy. */
class Allocations {
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

export async function planExact(gpu: Gpu, shape: Shape, impl: 'flash' | 'materialized', inputs: GpuInputs): Promise<Plan> {
  const { n, d, dv, heads, causal } = shape;
  const scale = 1 / Math.sqrt(d);
  const alloc = new Allocations(gpu);
  const output = alloc.add(gpu.buffer('exact.output', heads * n * dv * 4));
  const encoders: ((pass: GPUComputePassEncoder) => void)[] = [];

  if (impl === 'flash') {
    const { dmax, bc } = flashTiles(shape);
    const pipe = await gpu.pipelines.get({ shader: FLASH, entryPoint: 'main', bindings: IO, defines: { DMAX: dmax, BC: bc } });
    const blocksPerHead = Math.ceil(n / FLASH_ROWS);
    const total = heads * rowFlops(shape, n, causal ? (n + 1) / 2 : n);
    const parts = Math.min(blocksPerHead, Math.max(1, Math.ceil(total / gpu.maxFlopsPerSubmit)));
    const perPart = Math.ceil(blocksPerHead / parts);
    for (let block0 = 0; block0 < blocksPerHead; block0 += perPart) {
      const blocks = Math.min(perPart, blocksPerHead - block0);
      const u = alloc.add(
        gpu.uniform('exact.flash.params', packUniform(FLASH_UNIFORM, { n, d, dv, heads, causal, block0, blocks, groups: blocks * heads, scale })),
      );
      const bg = gpu.bindGroup(pipe, 'exact.flash', [u, inputs.q, inputs.k, inputs.v, output]);
      encoders.push((pass) => gpu.dispatch(pass, pipe, bg, blocks * heads));
    }
  } else {
    const scores = alloc.add(gpu.buffer('exact.scores (H×N×N)', heads * n * n * 4));
    const [pScores, pSoftmax, pPv] = await Promise.all(
      ['scores', 'softmaxRows', 'pv'].map((entryPoint) => gpu.pipelines.get({ shader: MATERIALIZED, entryPoint, bindings: MAT_IO })),
    );
    const tiles = (x: number) => Math.ceil(x / 16);
    const uni = (rowTiles: number, colTiles: number, groups: number) =>
      alloc.add(gpu.uniform('exact.materialized.params', packUniform(MAT_UNIFORM, { n, d, dv, heads, causal, rowTiles, colTiles, groups, scale })));
    const gS = heads * tiles(n) * tiles(n);
    const gO = heads * tiles(n) * tiles(dv);
    const bgS = gpu.bindGroup(pScores, 'exact.scores', [uni(tiles(n), tiles(n), gS), inputs.q, inputs.k, scores]);
    const bgM = gpu.bindGroup(pSoftmax, 'exact.softmax', [uni(0, 0, heads * n), inputs.q, inputs.k, scores]);
    const bgO = gpu.bindGroup(pPv, 'exact.pv', [uni(tiles(n), tiles(dv), gO), scores, inputs.v, output]);
    encoders.push((pass) => gpu.dispatch(pass, pScores, bgS, gS));
    encoders.push((pass) => gpu.dispatch(pass, pSoftmax, bgM, heads * n));
    encoders.push((pass) => gpu.dispatch(pass, pPv, bgO, gO));
  }

  const readMap = (req: MapRequest) => readExactMap(gpu, shape, inputs, req);
  return {
    parts: encoders.length,
    encode: (pass, part) => encoders[part](pass),
    output,
    get bytesAllocated() {
      return alloc.bytes;
    },
    readMap,
    destroy: () => alloc.releaseAll(),
  };
}

async function readExactMap(gpu: Gpu, shape: Shape, inputs: GpuInputs, req: MapRequest): Promise<MapWindow> {
  const errs = checkMapRequest(shape, req);
  if (errs.length) throw new GpuError('validation', errs.join('; '));
  const { n, d, causal } = shape;
  const scale = 1 / Math.sqrt(d);
  const entryPoint = req.kind === 'rows' ? 'rows' : 'pooledMap';
  const pipe = await gpu.pipelines.get({ shader: MAP, entryPoint, bindings: MAP_IO });
  const pool = req.kind === 'rows' ? 1 : req.pool;
  const pcols = Math.ceil(n / pool);
  const outRows = req.kind === 'rows' ? req.rows : pcols;
  const outCols = req.kind === 'rows' ? n : pcols;
  // units of work: rows of the window, or block rows of the overview; each costs ~2 passes over the keys
  const units = req.kind === 'rows' ? req.rows : pcols;
  const unitFlops = 2 * rowFlops({ ...shape, dv: 0 }, pool, causal ? n / 2 : n);
  const perPart = Math.max(1, Math.floor(gpu.maxFlopsPerSubmit / unitFlops));
  const out = gpu.buffer('exact.map', outRows * outCols * 4);
  const uniforms: GPUBuffer[] = [];
  try {
    return await gpu.scoped('attention map', async () => {
      for (let u0 = 0; u0 < units; u0 += perPart) {
        const count = Math.min(perPart, units - u0);
        const row0 = req.kind === 'rows' ? req.row0 + u0 : u0;
        const base = req.kind === 'rows' ? req.row0 : 0;
        const uni = gpu.uniform('exact.map.params', packUniform(MAP_UNIFORM, { n, d, causal, head: req.head, row0, rows: count, pool, pcols, scale, base }));
        uniforms.push(uni);
        const bg = gpu.bindGroup(pipe, 'exact.map', [uni, inputs.q, inputs.k, out]);
        const enc = gpu.device.createCommandEncoder({ label: 'exact.map' });
        const pass = enc.beginComputePass({ label: 'exact.map' });
        gpu.dispatch(pass, pipe, bg, count);
        pass.end();
        gpu.device.queue.submit([enc.finish()]);
      }
      const data = await gpu.read(out, 0, outRows * outCols * 4);
      return { kind: req.kind, head: req.head, data, rows: outRows, cols: outCols, row0: req.kind === 'rows' ? req.row0 : 0, pool, signed: false };
    });
  } finally {
    gpu.release(out);
    for (const u of uniforms) gpu.release(u);
  }
}
