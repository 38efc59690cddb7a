// The Web Worker behind the browser's runs: everything CPU-heavy of a run — the seeded
// inputs, the float64 exact reference, the error metrics, parsing the user's .npy files —
// and of the views: the attention-map panels' pixels (block means, colour scales, PNG) and
// a variant's alternative reference map (its `altReferences`); so the page's main thread never blocks
// (issue 7: no task over 50 ms during runs and sweeps). It runs the very functions the runner
// uses on Node (src/bench/cpu-work.ts); the protocol is private to src/state/cpu-offload.ts.
import { makeInputs, measureOnCpu, type InputSpec, type MeasureJob, type Measured, type UserInputs } from '../bench/cpu-work';
import type { Inputs64, MapWindow } from '../attention/types';
import { mapErrors, type MapErrors } from '../metrics/errors';
import type { ParamValues } from '../params/schema';
import { computeMapImages, type MapImages, type MapImagesRequest, type Pixels } from './map-images';
import { asAttentionTensor, parseNpy } from '../workloads/npy';

export type WorkerRequest =
  | { id: number; op: 'inputs'; key: number; spec: InputSpec; user?: UserInputs; keep64: boolean }
  | { id: number; op: 'measure'; key: number; job: MeasureJob }
  | { id: number; op: 'release'; key: number }
  | { id: number; op: 'npy'; name: string; bytes: ArrayBuffer }
  | { id: number; op: 'mapImages'; req: MapImagesRequest }
  | { id: number; op: 'altReference'; variant: string; ref: string; spec: InputSpec; params: ParamValues; map: MapWindow };

export type WorkerResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

/** A variant's alternative reference map over a window of rows, and the window's errors against it. */
export interface AltReferenceMap {
  data: Float32Array;
  errors: MapErrors;
}

/** One tensor read from a .npy file (asAttentionTensor's result). */
export interface NpyTensor {
  name: string;
  heads: number;
  n: number;
  d: number;
  data: Float64Array;
}

interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/** float64 inputs kept for the measurement of a run, by the page's key for the run */
const kept = new Map<number, Inputs64 | undefined>();

type Registry = typeof import('../attention/registry');
let registry: Promise<Registry> | undefined;

/** The variants' registry, loaded on first need (the alternative references are the variants' own code). */
function variants(): Promise<Registry> {
  registry ??= import('../attention/registry');
  return registry;
}

/** The pixels as a PNG data URL (what a Plotly layout image takes without a round trip through the page). */
async function pngDataUrl(p: Pixels): Promise<string> {
  if (typeof OffscreenCanvas === 'undefined') throw new Error('this browser has no OffscreenCanvas in workers: the map cannot be drawn');
  const canvas = new OffscreenCanvas(p.width, p.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D context on an OffscreenCanvas: the map cannot be drawn');
  ctx.putImageData(new ImageData(p.data as Uint8ClampedArray<ArrayBuffer>, p.width, p.height), 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error ?? new Error('could not read the PNG'));
    reader.readAsDataURL(blob);
  });
}

async function handle(req: WorkerRequest): Promise<{ value: unknown; transfer: Transferable[] }> {
  switch (req.op) {
    case 'inputs': {
      const { x32, x64 } = makeInputs(req.spec, req.user);
      kept.set(req.key, req.keep64 ? x64 : undefined);
      return { value: { key: req.key, x32 }, transfer: [x32.q.buffer, x32.k.buffer, x32.v.buffer] };
    }
    case 'measure': {
      const x64 = kept.get(req.key);
      // the alternative references are the variant's own code: the registry loads on first need
      const altRefs = req.job.alt ? (await variants()).getVariant(req.job.alt.variant).altReferences : undefined;
      const measured: Measured = measureOnCpu(x64, req.job, altRefs);
      const transfer: Transferable[] = [];
      // a map the page sent (gpu-exact) came over as a copy; one computed here moves back
      if (measured.exactMap && !req.job.refMap) transfer.push(measured.exactMap.data.buffer);
      return { value: measured, transfer };
    }
    case 'release':
      kept.delete(req.key);
      return { value: undefined, transfer: [] };
    case 'npy': {
      const t = asAttentionTensor(parseNpy(new Uint8Array(req.bytes), req.name), req.name);
      // asAttentionTensor may hand back the parsed file's own Float64Array: copy it out of the file's buffer
      const data = t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength ? t.data : t.data.slice();
      const tensor: NpyTensor = { name: req.name, heads: t.heads, n: t.n, d: t.d, data };
      return { value: tensor, transfer: [data.buffer] };
    }
    case 'mapImages': {
      const { grids, scales, pixels } = computeMapImages(req.req);
      const images: MapImages['images'] = {};
      for (const [role, px] of Object.entries(pixels) as [keyof MapImages['images'], Pixels][]) images[role] = await pngDataUrl(px);
      const value: MapImages = { grids, scales, images };
      const transfer = [grids.approx, grids.reference, grids.diff].flatMap((g) => (g ? [g.z.buffer] : []));
      return { value, transfer };
    }
    case 'altReference': {
      const { map } = req;
      const alt = (await variants()).getVariant(req.variant).altReferences?.find((a) => a.id === req.ref);
      if (!alt?.mapRows) throw new Error(`${req.variant} has no alternative reference map '${req.ref}'`);
      const { x64 } = makeInputs(req.spec);
      const data = Float32Array.from(alt.mapRows(x64, req.params, map.head, map.row0, map.rows));
      const value: AltReferenceMap = { data, errors: mapErrors(map.data, data, map.rows, map.cols) };
      return { value, transfer: [data.buffer] };
    }
  }
}

scope.onmessage = (e) => {
  const req = e.data;
  handle(req).then(
    ({ value, transfer }) => scope.postMessage({ id: req.id, ok: true, value } satisfies WorkerResponse, transfer),
    (err: unknown) => scope.postMessage({ id: req.id, ok: false, message: (err as Error)?.message ?? String(err) } satisfies WorkerResponse),
  );
};
