// Compute pipelines, compiled once per (shader, specialization) and cached per device.
//
// Two kinds of specialization:
// - `defines`: compile-time constants that WGSL requires to be const-expressions (sizes of
//   private arrays, e.g. the head-dimension bucket). The shader declares them as
//   `const NAME: u32 = 64u; // @specialize` and the cache rewrites the value.
// - `constants`: WGSL `override` values, passed to the pipeline as usual.
// Problem sizes that change with a slider (N, d, m…) live in uniform buffers instead, so
// moving a slider never recompiles.

export interface ShaderSource {
  /** stable name, used in labels and the cache key (e.g. 'exact/flash') */
  name: string;
  code: string;
}

/** One binding of group 0, in binding order: a uniform, a read-only or a read-write storage buffer. */
export type BindingKind = 'uniform' | 'read' | 'storage';

export interface PipelineKey {
  shader: ShaderSource;
  entryPoint: string;
  /** group 0's layout, binding i = bindings[i] (explicit, so no binding is silently dropped) */
  bindings: BindingKind[];
  defines?: Record<string, number>;
  constants?: Record<string, number>;
}

/** Rewrites `const NAME: T = VALUE; // @specialize` lines. Throws on a define the shader lacks. */
export function specialize(code: string, defines: Record<string, number> = {}): string {
  let out = code;
  for (const [name, value] of Object.entries(defines)) {
    const re = new RegExp(`const\\s+${name}\\s*:\\s*(u32|i32|f32)\\s*=\\s*[^;]+;\\s*//\\s*@specialize`);
    const m = re.exec(out);
    if (!m) throw new Error(`shader has no specializable constant ${name}`);
    const type = m[1];
    if ((type === 'u32' || type === 'i32') && !Number.isInteger(value)) {
      throw new Error(`specialization ${name} = ${value} must be an integer`);
    }
    const literal = type === 'u32' ? `${value}u` : type === 'i32' ? `${value}i` : `${value}f`;
    out = out.replace(re, `const ${name}: ${type} = ${literal}; // specialized`);
  }
  return out;
}

function keyString(k: PipelineKey): string {
  const sort = (o?: Record<string, number>) => JSON.stringify(Object.entries(o ?? {}).sort());
  return `${k.shader.name}|${k.entryPoint}|${k.bindings.join(',')}|${sort(k.defines)}|${sort(k.constants)}`;
}

export interface CompiledPipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  label: string;
}

export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, Promise<CompiledPipeline>>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  /** milliseconds spent compiling (module + pipeline creation), for the `compile_ms` column */
  compileMs = 0;

  constructor(private readonly device: GPUDevice) {}

  get(key: PipelineKey): Promise<CompiledPipeline> {
    const ks = keyString(key);
    let p = this.pipelines.get(ks);
    if (!p) {
      p = this.create(key, ks);
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

  private async create(key: PipelineKey, ks: string): Promise<CompiledPipeline> {
    const t0 = performance.now();
    const code = specialize(key.shader.code, key.defines);
    const modKey = `${key.shader.name}|${JSON.stringify(Object.entries(key.defines ?? {}).sort())}`;
    let module = this.modules.get(modKey);
    if (!module) {
      module = this.device.createShaderModule({ label: key.shader.name, code });
      this.modules.set(modKey, module);
      const info = await module.getCompilationInfo();
      const errors = info.messages.filter((m) => m.type === 'error');
      if (errors.length) {
        this.modules.delete(modKey);
        const text = errors.map((m) => `${key.shader.name}.wgsl:${m.lineNum}:${m.linePos}: ${m.message}`).join('\n');
        throw new Error(`WGSL compilation failed:\n${text}`);
      }
    }
    try {
      const layout = this.layoutFor(key.bindings);
      const pipeline = await this.device.createComputePipelineAsync({
        label: ks,
        layout: this.device.createPipelineLayout({ label: ks, bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: key.entryPoint, constants: key.constants },
      });
      return { pipeline, layout, label: `${key.shader.name}:${key.entryPoint}` };
    } finally {
      this.compileMs += performance.now() - t0;
    }
  }
}
