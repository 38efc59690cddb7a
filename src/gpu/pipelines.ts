// Compute pipelines, compiled once per (resolved code, entry point, constants) and cached per
// device.
//
// Two kinds of specialization:
// - `defines`: compile-time constants that WGSL requires to be const-expressions (sizes of
//   private arrays, e.g. the head-dimension bucket). The shader declares them as
//   `const NAME: u32 = 64u; // @specialize` and the cache rewrites the value (./wgsl.ts).
// - `constants`: WGSL `override` values, passed to the pipeline as usual.
// Problem sizes that change with a slider (N, d, m…) live in uniform buffers instead, so
// moving a slider never recompiles.
//
// Modules are cached by their final code, not by a name: a shader composed on the host (a
// feature map pasted in, loops unrolled) is a different module exactly when its code differs.
// The bind-group layout is read from the module's declarations (reflection, ./wgsl.ts), so it
// is written once, in the WGSL.
import { bindingKinds, originOf, specialize, type BindingKind, type ShaderSource } from './wgsl';

export { specialize, type BindingKind, type ShaderSource };

export interface PipelineKey {
  shader: ShaderSource;
  entryPoint: string;
  /**
   * group 0's layout, binding i = bindings[i]. Read from the WGSL when omitted; when given it
   * must equal what the WGSL declares (a plan's stale list is an error, not a silent mismatch).
   */
  bindings?: BindingKind[];
  defines?: Record<string, number>;
  constants?: Record<string, number>;
}

/** 53-bit string hash (cyrb53), for short cache keys and labels; equality is still checked on the code. */
export function hashCode(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

export interface CompiledPipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  /** the binding kinds of group 0 (from the WGSL) */
  bindings: BindingKind[];
  label: string;
}

interface ModuleEntry {
  code: string;
  module: Promise<GPUShaderModule>;
}

export class PipelineCache {
  /** hash → modules with that hash (code compared on lookup, so a collision cannot alias) */
  private readonly modules = new Map<string, ModuleEntry[]>();
  private readonly pipelines = new Map<string, Promise<CompiledPipeline>>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  /** milliseconds spent compiling (module + pipeline creation), for the `compile_ms` column */
  compileMs = 0;

  constructor(private readonly device: GPUDevice) {}

  /** modules compiled so far (distinct resolved codes) */
  get moduleCount(): number {
    let n = 0;
    for (const list of this.modules.values()) n += list.length;
    return n;
  }

  get(key: PipelineKey): Promise<CompiledPipeline> {
    const code = specialize(key.shader.code, key.defines);
    const hash = hashCode(code);
    const sort = (o?: Record<string, number>) => JSON.stringify(Object.entries(o ?? {}).sort());
    const ks = `${hash}:${code.length}|${key.entryPoint}|${sort(key.constants)}`;
    let p = this.pipelines.get(ks);
    if (!p) {
      p = this.create(key, code, hash, ks);
      this.pipelines.set(ks, p);
      // a failed compile must not poison the cache
      p.catch(() => this.pipelines.delete(ks));
    }
    return p;
  }

  layoutFor(bindings: BindingKind[]): GPUBindGroupLayout {
    const sig = bindings.join(',');
    let layout = this.layouts.get(sig);
    if (!layout) {
      layout = this.device.createBindGroupLayout({
        label: `bindings(${sig})`,
        entries: bindings.map((kind, binding) => ({
          binding,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: kind === 'uniform' ? 'uniform' : kind === 'read' ? 'read-only-storage' : 'storage' },
        })),
      });
      this.layouts.set(sig, layout);
    }
    return layout;
  }

  private module(shader: ShaderSource, code: string, hash: string): Promise<GPUShaderModule> {
    let list = this.modules.get(hash);
    if (!list) this.modules.set(hash, (list = []));
    const hit = list.find((e) => e.code === code);
    if (hit) return hit.module;
    const module = (async () => {
      const mod = this.device.createShaderModule({ label: `${shader.name}#${hash}`, code });
      const info = await mod.getCompilationInfo();
      const errors = info.messages.filter((m) => m.type === 'error');
      if (errors.length) {
        const text = errors.map((m) => `${originOf(shader, m.lineNum)}:${m.linePos}: ${m.message}`).join('\n');
        throw new Error(`WGSL compilation of ${shader.name} failed:\n${text}`);
      }
      return mod;
    })();
    const entry = { code, module };
    list.push(entry);
    module.catch(() => list.splice(list.indexOf(entry), 1));
    return module;
  }

  private async create(key: PipelineKey, code: string, hash: string, ks: string): Promise<CompiledPipeline> {
    const t0 = performance.now();
    try {
      const bindings = bindingKinds(code);
      if (key.bindings && key.bindings.join(',') !== bindings.join(',')) {
        throw new Error(`${key.shader.name}:${key.entryPoint}: the plan binds [${key.bindings.join(', ')}] but the WGSL declares [${bindings.join(', ')}]`);
      }
      const module = await this.module(key.shader, code, hash);
      const layout = this.layoutFor(bindings);
      const label = `${key.shader.name}:${key.entryPoint}`;
      const pipeline = await this.device.createComputePipelineAsync({
        label: `${label}#${ks}`,
        layout: this.device.createPipelineLayout({ label, bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: key.entryPoint, constants: key.constants },
      });
      return { pipeline, layout, bindings, label };
    } finally {
      this.compileMs += performance.now() - t0;
    }
  }
}
