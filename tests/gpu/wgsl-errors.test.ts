// WGSL through the pipeline cache on a real device: a compile error inside an included file is
// reported at the original file and line (the include step's line map), and modules are cached
// by their resolved code — one module for identical code whatever its name or entry point, a
// new one when the code differs.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testGpu } from './setup';
import type { Gpu } from '../../src/gpu/gpu';
import type { ShaderSource } from '../../src/gpu/wgsl';
import { resolveWgsl } from '../../scripts/wgsl-include.mjs';

let gpu: Gpu;
let dir: string;
beforeAll(async () => {
  gpu = await testGpu();
  dir = mkdtempSync(join(tmpdir(), 'wgsl-errors-'));
  mkdirSync(join(dir, 'common'));
  mkdirSync(join(dir, 'v'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function shader(files: Record<string, string>, entry: string): ShaderSource {
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return resolveWgsl(join(dir, entry), dir);
}

const KERNEL = (body: string) => [
  '@group(0) @binding(0) var<storage, read_write> OUT: array<f32>;',
  '',
  '@compute @workgroup_size(1)',
  'fn main() {',
  `  OUT[0] = ${body};`,
  '}',
  '',
].join('\n');

describe('WGSL compile errors', () => {
  it('name the included file and its line, not the resolved line', async () => {
    const src = shader(
      {
        'common/good.wgsl': '// fine\nconst ONE: f32 = 1.0;\n',
        'common/bad.wgsl': '// a helper with a type error on line 4\n\nfn twice(x: f32) -> f32 {\n  return x * 2u;\n}\n',
        'v/broken.wgsl': `// kernel\n#include "common/good.wgsl"\n#include "common/bad.wgsl"\n${KERNEL('twice(ONE)')}`,
      },
      'v/broken.wgsl',
    );
    // the error is on line 7 of the resolved code but line 4 of common/bad.wgsl
    expect(src.code.split('\n')[6]).toBe('  return x * 2u;');
    const err = await gpu.pipelines.get({ shader: src, entryPoint: 'main' }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err, 'the bad shader compiled').toBeInstanceOf(Error);
    expect(err!.message).toMatch(/WGSL compilation of v\/broken failed/);
    expect(err!.message).toMatch(/common\/bad\.wgsl:4:\d+: /);
    expect(err!.message).not.toMatch(/broken\.wgsl:7|\(resolved\)/);
  });

  it('in the includer itself name the includer and its line', async () => {
    const src = shader({ 'v/own.wgsl': `#include "common/good.wgsl"\n${KERNEL('ONE + undefinedName')}` }, 'v/own.wgsl');
    await expect(gpu.pipelines.get({ shader: src, entryPoint: 'main' })).rejects.toThrow(/v\/own\.wgsl:6:\d+: .*undefinedName/);
  });
});

describe('the module cache', () => {
  it('reuses a module for identical code and compiles a new one for different code', async () => {
    const a = shader({ 'common/k.wgsl': 'const K: f32 = 2.0;\n', 'v/a.wgsl': `#include "common/k.wgsl"\n${KERNEL('K')}` }, 'v/a.wgsl');
    const start = gpu.pipelines.moduleCount;
    const pa = await gpu.pipelines.get({ shader: a, entryPoint: 'main' });
    expect(gpu.pipelines.moduleCount).toBe(start + 1);
    // the same resolved code under another name and file (e.g. an alias of the shader): same module
    const b = shader({ 'v/b.wgsl': `#include "common/k.wgsl"\n${KERNEL('K')}` }, 'v/b.wgsl');
    expect(b.code).toBe(a.code);
    await gpu.pipelines.get({ shader: b, entryPoint: 'main' });
    expect(gpu.pipelines.moduleCount).toBe(start + 1);
    // the same key again: the same compiled pipeline
    expect(await gpu.pipelines.get({ shader: a, entryPoint: 'main' })).toBe(pa);
    // an included file that differs makes different code: a new module, though the entry file is unchanged
    const c = shader({ 'common/k3.wgsl': 'const K: f32 = 3.0;\n', 'v/c.wgsl': `#include "common/k3.wgsl"\n${KERNEL('K')}` }, 'v/c.wgsl');
    await gpu.pipelines.get({ shader: c, entryPoint: 'main' });
    expect(gpu.pipelines.moduleCount).toBe(start + 2);
    // a failed compile is not kept
    const bad = shader({ 'v/bad.wgsl': KERNEL('nope') }, 'v/bad.wgsl');
    await expect(gpu.pipelines.get({ shader: bad, entryPoint: 'main' })).rejects.toThrow(/v\/bad\.wgsl:5/);
    expect(gpu.pipelines.moduleCount).toBe(start + 2);
  });
});
