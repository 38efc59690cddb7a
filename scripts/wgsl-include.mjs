// The WGSL include step, shared by the web build, the CLI bundle and the tests (all three load
// shaders through the Vite plugin below, so every consumer runs the very same resolved code).
//
//   #include "common/grid.wgsl"
//
// on a line of its own pastes that file (path relative to the `shaders/` folder) in place of
// the line. Each file is included at most once per shader (a second #include of it is dropped),
// includes nest, and a cycle or a missing file is a build error naming the includer and line.
//
// The resolved module keeps a line map (`runs`: [first output line, file index, first source
// line]), so a WGSL compile error still names the original file and line (src/gpu/pipelines.ts).
import { readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const INCLUDE = /^[ \t]*#include[ \t]+"([^"]+)"[ \t]*(\/\/.*)?$/;

/**
 * Resolves the includes of the shader at `file` (absolute path inside `shadersRoot`).
 * Returns { name, code, files, runs }: `name` is the path below shadersRoot without `.wgsl`,
 * `files` the shaders-relative paths that contributed, `runs` the line map.
 */
export function resolveWgsl(file, shadersRoot, read = (p) => readFileSync(p, 'utf8')) {
  const files = [];
  const runs = [];
  const out = [];
  const seen = new Set();
  const rel = (p) => relative(shadersRoot, p).split(sep).join('/');

  function emit(abs, stack) {
    const id = rel(abs);
    if (stack.includes(id)) throw new Error(`WGSL include cycle: ${[...stack, id].join(' → ')}`);
    seen.add(id);
    let text;
    try {
      text = read(abs);
    } catch (e) {
      throw new Error(`cannot read WGSL file ${id}: ${e.message}`);
    }
    let fi = files.indexOf(id);
    if (fi < 0) fi = files.push(id) - 1;
    const lines = text.replace(/\r\n/g, '\n').split('\n');
    if (lines.length && lines[lines.length - 1] === '') lines.pop();
    let runOpen = false;
    lines.forEach((line, i) => {
      const m = INCLUDE.exec(line);
      if (m) {
        const target = resolve(shadersRoot, m[1]);
        if (!target.startsWith(resolve(shadersRoot) + sep)) throw new Error(`${id}:${i + 1}: #include "${m[1]}" leaves the shaders folder`);
        runOpen = false;
        // a file including one of its includers is a cycle even though that file was seen
        const chain = [...stack, id];
        if (chain.includes(rel(target))) throw new Error(`WGSL include cycle: ${[...chain, rel(target)].join(' → ')}\n  at ${id}:${i + 1}`);
        if (seen.has(rel(target))) return; // once per shader
        try {
          emit(target, [...stack, id]);
        } catch (e) {
          throw new Error(`${e.message}\n  included from ${id}:${i + 1}`);
        }
        return;
      }
      if (!runOpen) {
        runs.push([out.length + 1, fi, i + 1]);
        runOpen = true;
      }
      out.push(line);
    });
  }

  emit(resolve(file), []);
  const name = rel(resolve(file)).replace(/\.wgsl$/, '');
  return { name, code: out.join('\n') + '\n', files, runs };
}

/** Vite plugin: `import flash from '…/shaders/exact/flash.wgsl'` gives a ShaderSource. */
export function wgslPlugin(shadersRoot) {
  return {
    name: 'wgsl-include',
    enforce: 'pre',
    load(id) {
      const [path, query] = id.split('?');
      if (!path.endsWith('.wgsl') || query) return null;
      const src = resolveWgsl(path, shadersRoot);
      for (const f of src.files) this.addWatchFile(join(shadersRoot, f));
      return `export default ${JSON.stringify(src)};`;
    },
  };
}
