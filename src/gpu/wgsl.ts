// What the host reads from a WGSL module instead of restating it: the binding kinds of
// group 0 and the fields of uniform structs (reflection), and where a line of a resolved
// (included, composed) module came from, for compile errors.
//
// A module's source is a ShaderSource made by the include step (scripts/wgsl-include.mjs,
// loaded through Vite for the web build, the CLI bundle and the tests alike).
import type { ScalarType } from './uniforms';

export interface ShaderSource {
  /** stable name for labels, e.g. 'exact/flash' (the path below shaders/ without .wgsl) */
  name: string;
  /** the resolved WGSL (every #include pasted in) */
  code: string;
  /** shaders-relative files that contributed, in first-use order (from the include step) */
  files?: string[];
  /** line map: [first line of a run in `code` (1-based), index into `files`, its first source line] */
  runs?: [number, number, number][];
}

/** One binding of group 0, in binding order: a uniform, a read-only or a read-write storage buffer. */
export type BindingKind = 'uniform' | 'read' | 'storage';

/** `file.wgsl:line` of line `line` (1-based) of the resolved code, or `name (resolved):line` without a map. */
export function originOf(src: ShaderSource, line: number): string {
  const runs = src.runs ?? [];
  let best: [number, number, number] | undefined;
  for (const r of runs) if (r[0] <= line && (!best || r[0] > best[0])) best = r;
  if (!best || !src.files) return `${src.name}.wgsl (resolved):${line}`;
  return `${src.files[best[1]]}:${best[2] + (line - best[0])}`;
}

/** The code without comments (line and block), lines kept so positions still match. */
export function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
}

export interface ReflectedBinding {
  binding: number;
  name: string;
  kind: BindingKind;
  /** the declared type, e.g. `Params` or `array<f32>` */
  type: string;
}

const BINDING_RE = /@group\((\d+)\)\s*@binding\((\d+)\)\s*var\s*<\s*([\w\s,]+?)\s*>\s*(\w+)\s*:\s*([^;]+);/g;

/** Every buffer binding the module declares, by binding index (group 0 only; other groups are an error). */
export function reflectBindings(code: string): ReflectedBinding[] {
  const found = new Map<number, ReflectedBinding>();
  for (const m of stripComments(code).matchAll(BINDING_RE)) {
    const [, group, bindingText, space, name, type] = m;
    if (group !== '0') throw new Error(`binding ${name} is in group ${group}; the pipeline layer binds group 0 only`);
    const binding = Number(bindingText);
    const parts = space.split(',').map((s) => s.trim());
    const kind: BindingKind = parts[0] === 'uniform' ? 'uniform' : parts[1] === 'read_write' ? 'storage' : 'read';
    const prev = found.get(binding);
    if (prev && prev.kind !== kind) throw new Error(`binding ${binding} is declared twice with different kinds (${prev.name}: ${prev.kind}, ${name}: ${kind})`);
    if (!prev) found.set(binding, { binding, name, kind, type: type.trim() });
  }
  const list = [...found.values()].sort((a, b) => a.binding - b.binding);
  list.forEach((b, i) => {
    if (b.binding !== i) throw new Error(`bindings must be numbered 0, 1, 2…: binding ${i} is missing (next is ${b.binding}, ${b.name})`);
  });
  return list;
}

/** The group-0 layout of a module: binding i is kinds[i]. */
export function bindingKinds(code: string): BindingKind[] {
  return reflectBindings(code).map((b) => b.kind);
}

/** Fields of `struct name { … }` in declaration order, each a u32, i32 or f32 scalar. */
export function reflectStruct(code: string, name: string): Record<string, ScalarType> {
  const m = new RegExp(`struct\\s+${name}\\s*\\{([^}]*)\\}`).exec(stripComments(code));
  if (!m) throw new Error(`WGSL has no struct ${name}`);
  const fields: Record<string, ScalarType> = {};
  for (const part of m[1].split(',')) {
    const f = part.trim();
    if (!f) continue;
    const fm = /^(?:@\w+(?:\([^)]*\))?\s*)*(\w+)\s*:\s*(\w+)$/.exec(f);
    if (!fm) throw new Error(`struct ${name}: cannot read field "${f}"`);
    const [, field, type] = fm;
    if (type !== 'u32' && type !== 'i32' && type !== 'f32') throw new Error(`struct ${name}: field ${field} is ${type}; uniform structs hold u32/i32/f32 scalars only`);
    fields[field] = type;
  }
  return fields;
}

const layoutCache = new WeakMap<ShaderSource, Map<string, Record<string, ScalarType>>>();

/**
 * The field layout of the uniform variable `varName` of `src` (its struct, read from the
 * WGSL), for packUniform. Without `varName` the module must declare exactly one uniform.
 */
export function uniformLayout(src: ShaderSource, varName?: string): Record<string, ScalarType> {
  let cache = layoutCache.get(src);
  if (!cache) layoutCache.set(src, (cache = new Map()));
  const key = varName ?? '';
  let layout = cache.get(key);
  if (!layout) {
    const uniforms = reflectBindings(src.code).filter((b) => b.kind === 'uniform');
    const chosen = varName === undefined ? uniforms : uniforms.filter((b) => b.name === varName);
    if (chosen.length !== 1) {
      throw new Error(`${src.name}: ${varName ? `no uniform named ${varName}` : `${uniforms.length} uniforms (${uniforms.map((u) => u.name).join(', ')}); name one`}`);
    }
    layout = reflectStruct(src.code, chosen[0].type);
    cache.set(key, layout);
  }
  return layout;
}

/**
 * Rewrites `const NAME: T = VALUE; // @specialize` lines. Throws on a define the shader lacks.
 * Lines are kept, so the line map still holds.
 */
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

/**
 * Keeps only the blocks `// #if NAME=a,b` … `// #endif` whose list holds `choices[NAME]`
 * (e.g. one feature map of several in one module: a software adapter then compiles one, not
 * five). Removed lines become blank lines, so the line map still holds. An unknown NAME throws.
 */
export function selectBlocks(code: string, choices: Record<string, string>): string {
  return code.replace(/^[ \t]*\/\/ #if (\w+)=([\w,]+)\n([\s\S]*?)^[ \t]*\/\/ #endif\n/gm, (whole, name: string, list: string, body: string) => {
    const choice = choices[name];
    if (choice === undefined) throw new Error(`#if ${name}: no choice given for ${name}`);
    const keep = list.split(',').includes(choice);
    const blank = (s: string) => s.replace(/[^\n]/g, '');
    return keep ? `\n${body}\n` : blank(whole);
  });
}

/**
 * Unrolls the loops marked `for (var X = 0u; X < NAME; X++) { // @unroll` with NAME's value from
 * `values`: each copy of the body gets the literal index, so arrays of accumulators indexed by X
 * become registers. (A loop over a private array with a variable index keeps it in memory on
 * SwiftShader: the linear kv accumulation ran 2× slower.)
 */
export function unroll(code: string, values: Record<string, number>): string {
  const head = /for \(var (\w+) = 0u; \1 < (\w+); \1\+\+\) \{ \/\/ @unroll\n/g;
  let out = code;
  for (;;) {
    // innermost first: a loop whose body holds no other marked loop
    let done = true;
    head.lastIndex = 0;
    for (let m = head.exec(out); m; m = head.exec(out)) {
      const [text, v, name] = m;
      const start = m.index + text.length;
      let depth = 1;
      let i = start;
      for (; i < out.length && depth > 0; i++) {
        if (out[i] === '{') depth++;
        else if (out[i] === '}') depth--;
      }
      if (depth !== 0) throw new Error(`unroll: unbalanced braces after the ${v} loop`);
      const body = out.slice(start, i - 1);
      if (body.includes('// @unroll')) continue;
      const count = values[name];
      if (count === undefined) throw new Error(`unroll: no value for ${name}`);
      const re = new RegExp(`\\b${v}\\b`, 'g');
      // each copy on one line, in its own scope; then as many newlines as the loop had, so the
      // lines after it keep their numbers (an error inside it is reported at the loop's line)
      const flat = stripComments(body).replace(/\s*\n\s*/g, ' ');
      const copies = Array.from({ length: count }, (_, k) => `{${flat.replace(re, `${k}u`)}}`).join(' ');
      const newlines = 1 + (body.match(/\n/g)?.length ?? 0);
      out = out.slice(0, m.index) + copies + '\n'.repeat(newlines) + out.slice(i);
      done = false;
      break;
    }
    if (done) return out;
  }
}
