// The stream's baselines: exact attention (the registry's baseline, its flash kernel) and
// Nyström recomputed over the whole window at every step with a full window, each the registered
// variant's own plan over window buffers. `gather` copies the window out of the ring buffers
// in token order into plain H×N×d tensors the batch plan reads; `emit` copies the plan's output
// into the stream's outputs (the newest row, and the whole window when kept). They have no batch
// run of their own: a batch run of them is the exact or Nyström variant itself.
import baselineWgsl from '../../../shaders/stream/baseline.wgsl';
import emitWgsl from '../../../shaders/stream/emit.wgsl';
import type { Gpu } from '../../gpu/gpu';
import type { GpuInputs, Plan, Shape } from '../types';
import { baseline, baselineTimedParams, getVariant, variantParams } from '../registry';
import type { EngineConfig, StreamStrategy } from './strategy';

type WindowPlanner = (gpu: Gpu, shape: Shape, cfg: EngineConfig, inputs: GpuInputs) => Promise<Plan>;

function recomputed(plan: WindowPlanner): StreamStrategy {
  return {
    kernels: [],
    stateFloats: () => 1,
    landmarkFloats: () => 1,
    async prepare(ring) {
      const { gpu, own, cfg, label: L } = ring;
      const { n, d, dv, heads: H } = cfg;
      const win = {
        q: own.buffer(`${L}.window.q`, H * n * d),
        k: own.buffer(`${L}.window.k`, H * n * d),
        v: own.buffer(`${L}.window.v`, H * n * dv),
      };
      const inner = await plan(gpu, { n, d, dv, heads: H, causal: false }, cfg, win);
      const gather = await gpu.pipelines.get({ shader: baselineWgsl, entryPoint: 'gather' });
      const emit = await gpu.pipelines.get({ shader: emitWgsl, entryPoint: 'emit' });
      const slots = Array.from({ length: ring.slots }, (_, k) => k);
      const gatherBgs = slots.map((k) => gpu.bindGroup(gather, `${L}.gather ${k}`, [ring.slot(k), ring.r, win.q, win.k, win.v]));
      const emitBgs = slots.map((k) => gpu.bindGroup(emit, `${L}.emit ${k}`, [ring.slot(k), inner.output, ring.y]));
      return {
        step(s) {
          if (s.t < n - 1) return;
          s.items.push(
            (pass, k) => gpu.dispatch(pass, gather, gatherBgs[k], n, H),
            (pass) => {
              for (let p = 0; p < inner.parts; p++) inner.encode(pass, p);
            },
            (pass, k) => gpu.dispatch(pass, emit, emitBgs[k], n, H),
          );
        },
        destroy: () => inner.destroy(),
      };
    },
  };
}

export const exactRecomputedSteps = recomputed((gpu, shape, _cfg, inputs) => baseline.plan(gpu, shape, variantParams(baseline, baselineTimedParams), inputs));

export const nystromRecomputedSteps = recomputed((gpu, shape, cfg, inputs) => {
  const nystrom = getVariant('nystrom');
  return nystrom.plan(gpu, shape, variantParams(nystrom, { m: cfg.m ?? 1, iters: cfg.iters }), inputs);
});
