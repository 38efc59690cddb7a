// The WGSL include step (scripts/wgsl-include.mjs) and the host's reading of WGSL
// (src/gpu/wgsl.ts: reflection of bindings and uniform structs, #if blocks, @unroll loops),
// and every shader of the project through both: each resolves, its group-0 bindings are
// numbered 0…n−1 and each uniform's struct holds scalars only.
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { resolveWgsl } from '../../scripts/wgsl-include.mjs';
import { originOf, reflectBindings, reflectStruct, selectBlocks, stripComments, uniformLayout, unroll, type ShaderSource } from '../../src/gpu/wgsl';

const ROOT = '/virtual/shaders';

/** resolveWgsl over in-memory files (paths relative to ROOT). */
function resolveIn(files: Record<string, string>, entry: string) {
  const read = (abs: string) => {
    const rel = abs.slice(ROOT.length + 1);
    if (!(rel in files)) throw new Error(`ENOENT: ${rel}`);
    return files[rel];
  };
  return resolveWgsl(join(ROOT, entry), ROOT, read);
}

const lines = (s: string) => s.split('\n');

describe('resolveWgsl (the include step)', () => {
  const files = {
    'a/main.wgsl': ['// main', '#include "common/b.wgsl"', 'fn main() {}', '#include "common/c.wgsl"', 'const Z = 3u;'].join('\n'),
    'common/b.wgsl': ['// b', '#include "common/c.wgsl"', 'fn b() {}'].join('\n'),
    'common/c.wgsl': ['// c', 'const C = 1u;'].join('\n'),
  };

  it('pastes includes in place, nested, each file once', () => {
    const src = resolveIn(files, 'a/main.wgsl');
    expect(src.name).toBe('a/main');
    expect(lines(src.code)).toEqual(['// main', '// b', '// c', 'const C = 1u;', 'fn b() {}', 'fn main() {}', 'const Z = 3u;', '']);
    expect(src.files).toEqual(['a/main.wgsl', 'common/b.wgsl', 'common/c.wgsl']);
  });

  it('keeps a line map: originOf names the original file and line of every resolved line', () => {
    const src = resolveIn(files, 'a/main.wgsl') as ShaderSource;
    const want = ['a/main.wgsl:1', 'common/b.wgsl:1', 'common/c.wgsl:1', 'common/c.wgsl:2', 'common/b.wgsl:3', 'a/main.wgsl:3', 'a/main.wgsl:5'];
    expect(want.map((_, i) => originOf(src, i + 1))).toEqual(want);
    // without a map, the resolved line is named as such
    expect(originOf({ name: 'x/y', code: 'a\nb\n' }, 2)).toBe('x/y.wgsl (resolved):2');
  });

  it('accepts a trailing comment on the include line and CRLF line ends', () => {
    const src = resolveIn({ 'm.wgsl': 'fn m() {}\r\n  #include "c.wgsl" // the constant\r\n', 'c.wgsl': 'const C = 1u;\r\n' }, 'm.wgsl');
    expect(lines(src.code)).toEqual(['fn m() {}', 'const C = 1u;', '']);
  });

  it('refuses a cycle, naming the chain', () => {
    const cyc = { 'x.wgsl': '#include "y.wgsl"\n', 'y.wgsl': '// y\n#include "x.wgsl"\n' };
    expect(() => resolveIn(cyc, 'x.wgsl')).toThrow(/include cycle: x\.wgsl → y\.wgsl → x\.wgsl\n  at y\.wgsl:2/);
    expect(() => resolveIn({ 's.wgsl': '// s\n\n#include "s.wgsl"\n' }, 's.wgsl')).toThrow(/include cycle: s\.wgsl → s\.wgsl\n  at s\.wgsl:3/);
  });

  it('refuses a missing file, naming the includer and line', () => {
    const miss = { 'm.wgsl': 'fn m() {}\n\n#include "common/nope.wgsl"\n' };
    expect(() => resolveIn(miss, 'm.wgsl')).toThrow(/cannot read WGSL file common\/nope\.wgsl[\s\S]*included from m\.wgsl:3/);
    // nested: the whole chain of includers
    const deep = { 'm.wgsl': '#include "b.wgsl"\n', 'b.wgsl': '// b\n#include "gone.wgsl"\n' };
    expect(() => resolveIn(deep, 'm.wgsl')).toThrow(/gone\.wgsl[\s\S]*included from b\.wgsl:2[\s\S]*included from m\.wgsl:1/);
  });

  it('refuses an include outside the shaders folder', () => {
    expect(() => resolveIn({ 'm.wgsl': '#include "../etc.wgsl"\n' }, 'm.wgsl')).toThrow(/m\.wgsl:1: #include "\.\.\/etc\.wgsl" leaves the shaders folder/);
  });
});

describe('reflection', () => {
  const code = `
struct Params {
  n: u32,
  // a comment, and a field with an attribute
  @align(4) scale: f32,
  shift: i32,
}
/* @group(0) @binding(7) var<uniform> GONE: Params; (commented out) */
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(2) var<storage, read_write> OUT: array<f32>;
@group(0) @binding(1) var<storage, read> X: array<vec4<f32>>;
`;

  it('reads bindings in binding order with their kinds, ignoring comments', () => {
    expect(reflectBindings(code)).toEqual([
      { binding: 0, name: 'P', kind: 'uniform', type: 'Params' },
      { binding: 1, name: 'X', kind: 'read', type: 'array<vec4<f32>>' },
      { binding: 2, name: 'OUT', kind: 'storage', type: 'array<f32>' },
    ]);
    expect(stripComments('a // b\n/* c\nd */ e')).toBe('a \n    \n     e');
  });

  it('refuses a gap in the numbering, another group and two kinds for one binding', () => {
    expect(() => reflectBindings('@group(0) @binding(1) var<uniform> P: Params;')).toThrow(/binding 0 is missing/);
    expect(() => reflectBindings('@group(1) @binding(0) var<uniform> P: Params;')).toThrow(/group 1/);
    const twice = '@group(0) @binding(0) var<storage, read> A: array<f32>;\n@group(0) @binding(0) var<storage, read_write> B: array<f32>;';
    expect(() => reflectBindings(twice)).toThrow(/declared twice with different kinds/);
  });

  it('reads a struct\'s scalar fields in order, also written on one line', () => {
    expect(reflectStruct(code, 'Params')).toEqual({ n: 'u32', scale: 'f32', shift: 'i32' });
    expect(Object.keys(reflectStruct('struct S { b: u32, a: f32, c: u32 }', 'S'))).toEqual(['b', 'a', 'c']);
    expect(() => reflectStruct(code, 'Nope')).toThrow(/no struct Nope/);
    expect(() => reflectStruct('struct S { v: vec4f }', 'S')).toThrow(/field v is vec4f; uniform structs hold u32\/i32\/f32 scalars only/);
  });

  it('uniformLayout finds the uniform (by name when there are several)', () => {
    const one: ShaderSource = { name: 'one', code };
    expect(uniformLayout(one)).toEqual({ n: 'u32', scale: 'f32', shift: 'i32' });
    const two: ShaderSource = { name: 'two', code: `${code}\nstruct M { k: u32 }\n@group(0) @binding(3) var<uniform> U: M;` };
    expect(() => uniformLayout(two)).toThrow(/2 uniforms \(P, U\); name one/);
    expect(uniformLayout(two, 'U')).toEqual({ k: 'u32' });
    expect(() => uniformLayout(two, 'Q')).toThrow(/no uniform named Q/);
  });
});

describe('selectBlocks', () => {
  const code = ['a', '// #if K=x,y', 'x-or-y', '// #endif', '  // #if K=z', '  z-only', '  // #endif', 'b', ''].join('\n');
  it('keeps the chosen blocks, blanks the others and keeps every line where it was', () => {
    for (const k of ['x', 'z', 'w']) {
      const out = selectBlocks(code, { K: k });
      expect(lines(out).length).toBe(lines(code).length);
      expect(out.includes('x-or-y')).toBe(k === 'x');
      expect(out.includes('z-only')).toBe(k === 'z');
      expect(out).not.toMatch(/#if|#endif/);
      expect(lines(out).indexOf('b')).toBe(lines(code).indexOf('b'));
    }
  });
  it('refuses a block whose name has no choice', () => {
    expect(() => selectBlocks(code, {})).toThrow(/no choice given for K/);
  });
});

describe('unroll', () => {
  const code = [
    'fn f() {',
    '  for (var i = 0u; i < N; i++) { // @unroll',
    '    for (var j = 0u; j < M; j++) { // @unroll',
    '      acc[i] += x[j]; // a comment',
    '    }',
    '  }',
    '  let after = 1u;',
    '}',
    '',
  ].join('\n');

  it('copies the bodies with literal indices, nested, and keeps the line count', () => {
    const out = unroll(code, { N: 2, M: 3 });
    expect(lines(out).length).toBe(lines(code).length);
    expect(lines(out).indexOf('  let after = 1u;')).toBe(6);
    expect(out).not.toMatch(/@unroll|for \(|a comment/);
    for (const i of [0, 1]) for (const j of [0, 1, 2]) expect(out).toContain(`acc[${i}u] += x[${j}u];`);
    expect(out.match(/acc\[/g)?.length).toBe(6);
  });

  it('leaves unmarked loops alone and refuses a loop without a value', () => {
    expect(unroll('for (var i = 0u; i < N; i++) {\n}\n', {})).toBe('for (var i = 0u; i < N; i++) {\n}\n');
    expect(() => unroll(code, { N: 2 })).toThrow(/no value for M/);
  });
});

// ------------------------------------------------------------------ every shader of the project
const SHADERS = fileURLToPath(new URL('../../shaders', import.meta.url));
const all = (readdirSync(SHADERS, { recursive: true }) as string[]).map((f) => f.split('\\').join('/')).filter((f) => f.endsWith('.wgsl')).sort();
// fragments: shaders/common/ and any file another shader includes (they need their includer's definitions)
const included = new Set<string>();
for (const f of all) {
  for (const m of readFileSync(join(SHADERS, f), 'utf8').matchAll(/^[ \t]*#include[ \t]+"([^"]+)"/gm)) included.add(m[1]);
}
const entries = all.filter((f) => !f.startsWith('common/') && !included.has(f));

describe('every shader under shaders/', () => {
  it('has entry shaders to check and every include target exists', () => {
    expect(entries.length).toBeGreaterThan(20);
    for (const t of included) expect(all, `#include "${t}"`).toContain(t);
  });

  for (const f of entries) {
    it(`${f}: resolves, bindings 0…n−1, scalar uniform structs`, () => {
      const src = resolveWgsl(join(SHADERS, f), SHADERS) as ShaderSource;
      expect(src.files![0]).toBe(f);
      expect(src.code).not.toMatch(/^[ \t]*#include/m);
      const bindings = reflectBindings(src.code);
      expect(bindings.map((b) => b.binding)).toEqual(bindings.map((_, i) => i));
      const uniforms = bindings.filter((b) => b.kind === 'uniform');
      for (const u of uniforms) {
        const fields = uniformLayout(src, u.name);
        expect(Object.keys(fields).length, `${u.name}: ${u.type}`).toBeGreaterThan(0);
        for (const t of Object.values(fields)) expect(['u32', 'i32', 'f32']).toContain(t);
      }
      // the line map covers every line and points into the file that holds it
      const out = lines(src.code);
      for (let i = 1; i < out.length; i++) {
        const [file, line] = originOf(src, i).split(':');
        expect(lines(readFileSync(join(SHADERS, file), 'utf8').replace(/\r\n/g, '\n'))[Number(line) - 1]).toBe(out[i - 1]);
      }
    });
  }
});
