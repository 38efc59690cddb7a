// A small hand-written service worker instead of a PWA framework: at the end of `vite build`
// this plugin writes dist/sw.js from scripts/sw-template.js with the list of every file of the
// build (the bundle, the workers, public/) and a version that changes when any of them does.
// The app registers it (src/ui/shell/service-worker.ts) and the site then works offline.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Files above this size are not precached (they are still cached when first fetched). */
const MAX_PRECACHE_BYTES = 8 * 1024 * 1024;

/** @param {string} dir @returns {string[]} */
function walk(dir) {
  /** @type {string[]} */
  let out = [];
  /** @type {string[]} */
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(walk(path));
    else out.push(path);
  }
  return out;
}

/**
 * @param {string} templatePath
 * @returns {import('vite').Plugin}
 */
export function serviceWorkerPlugin(templatePath) {
  /** @type {import('vite').ResolvedConfig} */
  let config;
  return {
    name: 'playground-service-worker',
    apply: 'build',
    enforce: 'post',
    configResolved(c) {
      config = c;
    },
    generateBundle(_options, bundle) {
      const hash = createHash('sha256');
      /** @type {Set<string>} */
      const files = new Set();
      for (const [fileName, item] of Object.entries(bundle)) {
        if (fileName.endsWith('.map')) continue;
        const size = item.type === 'chunk' ? item.code.length : typeof item.source === 'string' ? item.source.length : item.source.byteLength;
        if (size > MAX_PRECACHE_BYTES) continue;
        files.add(fileName);
        hash.update(fileName);
        if (fileName === 'index.html' && item.type === 'asset') hash.update(item.source);
      }
      const publicDir = config.publicDir;
      for (const path of publicDir ? walk(publicDir) : []) {
        const name = relative(publicDir, path).split(sep).join('/');
        if (name === 'sw.js' || statSync(path).size > MAX_PRECACHE_BYTES) continue;
        files.add(name);
        hash.update(name);
        hash.update(readFileSync(path));
      }
      const assets = ['./', ...[...files].sort()];
      const source = readFileSync(templatePath, 'utf8')
        .replace('__VERSION__', hash.digest('hex').slice(0, 16))
        .replace('__ASSETS__', JSON.stringify(assets, null, 0));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}
