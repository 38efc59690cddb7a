// The toolkit every plan is built from: buffers owned by the plan and returned to the pool on
// destroy, uniforms packed from the layout the WGSL declares, work packed into parts that each
// fit one submit's budget, and the readback of a map window computed in parts.
import type { Gpu } from './gpu';
import { packUniform } from './uniforms';
import { uniformLayout, type ShaderSource } from './wgsl';
import type { CompiledPipeline } from './pipelines';

/** Owns the buffers a plan (or engine, or trainer) allocated; `releaseAll` returns them to the pool. */
export class Allocations {
  readonly list: GPUBuffer[] = [];
  constructor(readonly gpu: Gpu) {}

  add<T extends GPUBuffer>(b: T): T {
    this.list.push(b);
    return b;
  }

  /** a storage buffer of `floats` 4-byte elements (at least one) */
  buffer(label: string, floats: number): GPUBuffer {
    return this.add(this.gpu.buffer(label, Math.max(1, floats) * 4));
  }

  /** a storage buffer holding `data` */
  upload(label: string, data: Float32Array | Uint32Array | Int32Array): GPUBuffer {
    return this.add(this.gpu.upload(label, data));
  }

  /** a uniform buffer holding `data` (already packed) */
  uniform(label: string, data: ArrayBuffer): GPUBuffer {
    return this.add(this.gpu.uniform(label, data));
  }

  /**
   * A uniform buffer for the uniform variable `varName` of `shader` (its only uniform when
   * omitted), packed in the field order the WGSL struct declares. Every field needs a value and
   * no value may name a field the struct lacks.
   */
  params(shader: ShaderSource, label: string, values: Record<string, number | boolean>, varName?: string): GPUBuffer {
    return this.uniform(label, packUniform(uniformLayout(shader, varName), values));
  }

  get bytes(): number {
    return this.list.reduce((s, b) => s + b.size, 0);
  }

  releaseAll() {
    for (const b of this.list) this.gpu.release(b);
    this.list.length = 0;
  }
}

/** One dispatch (or a few) with its FLOP estimate, the unit that parts are packed from. */
export interface Step {
  label?: string;
  /** floating-point operations of this step (for splitting long work into parts) */
  flops: number;
  encode(pass: GPUComputePassEncoder): void;
}

/** Groups items in order into parts of at most `budget` FLOPs (an item larger than that is a part alone). */
export function packParts<T extends { flops: number }>(items: T[], budget: number): T[][] {
  const parts: T[][] = [];
  let cur: T[] = [];
  let sum = 0;
  for (const it of items) {
    if (cur.length && sum + it.flops > budget) {
      parts.push(cur);
      cur = [];
      sum = 0;
    }
    cur.push(it);
    sum += it.flops;
  }
  if (cur.length) parts.push(cur);
  return parts;
}

/** Encodes and submits each part of `steps` on its own (one submit per part), and waits for the queue. */
export async function submitParts(gpu: Gpu, steps: Step[], label: string): Promise<void> {
  for (const part of packParts(steps, gpu.maxFlopsPerSubmit)) {
    const enc = gpu.device.createCommandEncoder({ label });
    const pass = enc.beginComputePass({ label });
    for (const s of part) s.encode(pass);
    pass.end();
    gpu.device.queue.submit([enc.finish()]);
  }
  await gpu.device.queue.onSubmittedWorkDone();
}

export interface UnitReadback {
  label: string;
  pipeline: CompiledPipeline;
  /** units of work (rows of a window, block rows of an overview), dispatched as one workgroup each */
  units: number;
  /** FLOPs of one unit, to size the parts */
  unitFlops: number;
  /** the buffer the kernel writes and its length in floats */
  out: GPUBuffer;
  floats: number;
  /** bind group entries for the units [u0, u0 + count) (the uniform first, usually made with `own.params`) */
  bind(own: Allocations, u0: number, count: number): GPUBuffer[];
}

/**
 * Runs a map kernel over its units in parts of at most gpu.maxFlopsPerSubmit, one submit each,
 * inside an error scope, and reads `out` back. The uniforms it makes are released after.
 */
export async function readUnits(gpu: Gpu, r: UnitReadback): Promise<Float32Array> {
  const own = new Allocations(gpu);
  const perPart = Math.max(1, Math.floor(gpu.maxFlopsPerSubmit / Math.max(1, r.unitFlops)));
  try {
    return await gpu.scoped(r.label, async () => {
      for (let u0 = 0; u0 < r.units; u0 += perPart) {
        const count = Math.min(perPart, r.units - u0);
        const bg = gpu.bindGroup(r.pipeline, r.label, r.bind(own, u0, count));
        const enc = gpu.device.createCommandEncoder({ label: r.label });
        const pass = enc.beginComputePass({ label: r.label });
        gpu.dispatch(pass, r.pipeline, bg, count);
        pass.end();
        gpu.device.queue.submit([enc.finish()]);
      }
      return gpu.read(r.out, 0, r.floats * 4);
    });
  } finally {
    own.releaseAll();
  }
}
