// The batch (one-window) plan of the streaming variants: the stream engine with the run's inputs
// as its token buffers (B = N), computing the state of step N − 1 from scratch and emitting the
// whole window (see variants.ts for what that means per method).
import type { Gpu } from '../../gpu/gpu';
import type { Extra, FileMap, GpuInputs, Plan, Shape } from '../types';
import type { ParamValues } from '../../params/schema';
import { StreamEngine } from './ring';
import { fixedLandmarks } from './landmarks';
import { STREAM_METHODS } from './methods';
import { resolveCalib } from './params';

export async function planContinual(gpu: Gpu, shape: Shape, method: 'cosi' | 'core' | 'conys', p: ParamValues, inputs: GpuInputs, files?: FileMap): Promise<Plan> {
  const { n, d, dv, heads: H } = shape;
  const info = STREAM_METHODS[method];
  const cfg = info.config(shape, p);
  const extras: Extra[] = [];
  if (info.usesFixedLandmarks(cfg)) {
    const fromFiles = Boolean(p.qland) && Boolean(p.kland);
    const calib = Math.min(resolveCalib(p, n), n);
    // k-means runs on the CPU: read the calibration prefix of every head back once, at plan time
    let q: Float32Array = new Float32Array(0);
    let k: Float32Array = new Float32Array(0);
    if (!fromFiles) {
      q = new Float32Array(H * n * d);
      k = new Float32Array(H * n * d);
      for (let h = 0; h < H; h++) {
        q.set(await gpu.read(inputs.q, h * n * d * 4, calib * d * 4), h * n * d);
        k.set(await gpu.read(inputs.k, h * n * d * 4, calib * d * 4), h * n * d);
      }
    }
    const lm = fixedLandmarks(
      { qland: String(p.qland ?? ''), kland: String(p.kland ?? ''), calib, seed: Number(p.kseed ?? 1), heads: H, m: Number(p.m), d, steps: n },
      q, k, files,
    );
    cfg.fixedLandmarks = { q: lm.q, k: lm.k };
    extras.push({ kind: 'note', id: 'conys-landmarks', text: `Fixed landmarks: ${lm.source}.` });
  }
  // uniform slots: the push, then the rows of CoSi/CoRe cut into chunks of the submit budget
  const perRow = 4 * n * (d + dv) * H;
  const chunk = Math.max(1, Math.floor(gpu.maxFlopsPerSubmit / perRow));
  const slots = 2 + Math.ceil(n / chunk);
  const engine = await StreamEngine.create(gpu, cfg, { batch: n }, { x: inputs, slots, wcap: 1 });
  const parts = engine.windowParts(gpu.maxFlopsPerSubmit);
  return {
    parts: parts.length,
    encode: (pass, part) => parts[part](pass),
    output: engine.windowOutput,
    get bytesAllocated() {
      return engine.bytesAllocated;
    },
    extras: async () => {
      const guard = await engine.guardCount();
      return guard > 0 ? [...extras, { kind: 'metric', id: 'guard', label: 'guard recomputations', value: guard }] : extras;
    },
    destroy: () => engine.destroy(),
  };
}
