// GPU plan of exact attention: the flash kernel (timed baseline), the materialized
// three-kernel path (for comparison), and the map kernels (display). The three shaders share
// one uniform struct (shaders/exact/params.wgsl); each dispatch fills the fields it reads and
// leaves the others 0.
import flashWgsl from '../../../shaders/exact/flash.wgsl';
import mapWgsl from '../../../shaders/exact/map.wgsl';
import materializedWgsl from '../../../shaders/exact/materialized.wgsl';
import type { Gpu } from '../../gpu/gpu';
import { pow2Bucket } from '../../gpu/uniforms';
import { GpuError } from '../../gpu/errors';
import { Allocations, readUnits } from '../../gpu/plan-kit';
import type { ShaderSource } from '../../gpu/wgsl';
import type { GpuInputs, MapRequest, MapWindow, Plan, Shape } from '../types';
import { checkMapRequest } from '../map-request';

const FLASH = flashWgsl;
const MAP = mapWgsl;
const MATERIALIZED = materializedWgsl;

/** query rows per flash workgroup (BR in flash.wgsl; the cost model in variant.ts assumes it too) */
const FLASH_ROWS = 64;
if (!/const BR: u32 = 64u;/.test(flashWgsl.code)) throw new Error('flash.wgsl BR differs from FLASH_ROWS');
/** output tile edge of the materialized products (TM of shaders/common/matmul-tile.wgsl) */
const MAT_TILE = 64;

/** The exact Params fields (shaders/exact/params.wgsl) with every field 0 but the shape's. */
function params(shape: Shape, fields: Partial<Record<'groups' | 'first' | 'rowTiles' | 'colTiles' | 'head' | 'pool' | 'pcols' | 'base', number>>) {
  const { n, d, dv, heads, causal } = shape;
  return { n, d, dv, heads, causal, scale: 1 / Math.sqrt(d), groups: 0, first: 0, rowTiles: 0, colTiles: 0, head: 0, pool: 0, pcols: 0, base: 0, ...fields };
}

/** Compile-time sizes of the flash kernel for a shape: head-dim bucket and key tile. */
function flashTiles(shape: Shape): { dmax: number; bc: number } {
  const dmax = pow2Bucket(Math.max(shape.d, shape.dv), 4);
  // two BC×DMAX f32 tiles in 32 KiB of workgroup memory, and at most 64 keys per tile
  return { dmax, bc: Math.min(64, 4096 / dmax) };
}

/** FLOPs of exact attention over `rows` query rows (causal: each row sees i + 1 keys). */
function rowFlops(shape: Shape, rows: number, visibleKeys: number): number {
  return rows * visibleKeys * (2 * shape.d + 2 * shape.dv + 5);
}

export async function planExact(gpu: Gpu, shape: Shape, impl: 'flash' | 'materialized', inputs: GpuInputs): Promise<Plan> {
  const { n, dv, heads, causal } = shape;
  const own = new Allocations(gpu);
  const output = own.buffer('exact.output', heads * n * dv);
  const encoders: ((pass: GPUComputePassEncoder) => void)[] = [];
  const uniform = (shader: ShaderSource, label: string, fields: Parameters<typeof params>[1]) => own.params(shader, label, params(shape, fields));

  if (impl === 'flash') {
    const { dmax, bc } = flashTiles(shape);
    const pipe = await gpu.pipelines.get({ shader: FLASH, entryPoint: 'main', defines: { DMAX: dmax, BC: bc } });
    const blocksPerHead = Math.ceil(n / FLASH_ROWS);
    const total = heads * rowFlops(shape, n, causal ? (n + 1) / 2 : n);
    const parts = Math.min(blocksPerHead, Math.max(1, Math.ceil(total / gpu.maxFlopsPerSubmit)));
    const perPart = Math.ceil(blocksPerHead / parts);
    for (let first = 0; first < blocksPerHead; first += perPart) {
      const groups = Math.min(perPart, blocksPerHead - first) * heads;
      const u = uniform(FLASH, 'exact.flash.params', { first, groups });
      const bg = gpu.bindGroup(pipe, 'exact.flash', [u, inputs.q, inputs.k, inputs.v, output]);
      encoders.push((pass) => gpu.dispatch(pass, pipe, bg, groups));
    }
  } else {
    const scores = own.buffer('exact.scores (H×N×N)', heads * n * n);
    const [pScores, pSoftmax, pPv] = await Promise.all(
      ['scores', 'softmaxRows', 'pv'].map((entryPoint) => gpu.pipelines.get({ shader: MATERIALIZED, entryPoint })),
    );
    const tiles = (x: number) => Math.ceil(x / MAT_TILE);
    const gS = heads * tiles(n) * tiles(n);
    const gO = heads * tiles(n) * tiles(dv);
    const label = 'exact.materialized.params';
    const bgS = gpu.bindGroup(pScores, 'exact.scores', [uniform(MATERIALIZED, label, { rowTiles: tiles(n), colTiles: tiles(n), groups: gS }), inputs.q, inputs.k, scores]);
    const bgM = gpu.bindGroup(pSoftmax, 'exact.softmax', [uniform(MATERIALIZED, label, { groups: heads * n }), inputs.q, inputs.k, scores]);
    const bgO = gpu.bindGroup(pPv, 'exact.pv', [uniform(MATERIALIZED, label, { rowTiles: tiles(n), colTiles: tiles(dv), groups: gO }), scores, inputs.v, output]);
    encoders.push((pass) => gpu.dispatch(pass, pScores, bgS, gS));
    encoders.push((pass) => gpu.dispatch(pass, pSoftmax, bgM, heads * n));
    encoders.push((pass) => gpu.dispatch(pass, pPv, bgO, gO));
  }

  return {
    parts: encoders.length,
    encode: (pass, part) => encoders[part](pass),
    output,
    get bytesAllocated() {
      return own.bytes;
    },
    readMap: (req: MapRequest) => readExactMap(gpu, shape, inputs, req),
    destroy: () => own.releaseAll(),
  };
}

async function readExactMap(gpu: Gpu, shape: Shape, inputs: GpuInputs, req: MapRequest): Promise<MapWindow> {
  const errs = checkMapRequest(shape, req);
  if (errs.length) throw new GpuError('validation', errs.join('; '));
  const { n, causal } = shape;
  const rows = req.kind === 'rows';
  const pipe = await gpu.pipelines.get({ shader: MAP, entryPoint: rows ? 'rows' : 'pooledMap' });
  const pool = rows ? 1 : req.pool;
  const pcols = Math.ceil(n / pool);
  const outRows = rows ? req.rows : pcols;
  const outCols = rows ? n : pcols;
  const row0 = rows ? req.row0 : 0;
  const own = new Allocations(gpu);
  try {
    const out = own.buffer('exact.map', outRows * outCols);
    const data = await readUnits(gpu, {
      label: 'attention map',
      pipeline: pipe,
      // units of work: rows of the window, or block rows of the overview; each costs ~2 passes over the keys
      units: outRows,
      unitFlops: 2 * rowFlops({ ...shape, dv: 0 }, pool, causal ? n / 2 : n),
      out,
      floats: outRows * outCols,
      bind: (parts, u0, count) => [
        parts.params(MAP, 'exact.map.params', params(shape, { head: req.head, first: row0 + u0, groups: count, pool, pcols, base: row0 })),
        inputs.q,
        inputs.k,
        out,
      ],
    });
    return { kind: req.kind, head: req.head, data, rows: outRows, cols: outCols, row0, pool, signed: false };
  } finally {
    own.releaseAll();
  }
}
