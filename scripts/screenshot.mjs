#!/usr/bin/env node
// Screenshots of the built playground for the docs: docs/screenshot.png (light) and
// docs/screenshot-dark.png (dark), 1280 px wide, after the first run has drawn its map.
//
//   npm run build && node scripts/screenshot.mjs [hash]     e.g. '#v=exact&n=128&d=32'
//
// Same browser setup as the e2e tests (tests/e2e/browser.ts — keep the flags in step):
// `vite preview` of dist/ on 127.0.0.1 and Debian's Chromium with SwiftShader as the adapter.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const hash = process.argv[2] ?? '';
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(join(root, 'dist', 'index.html'))) throw new Error('dist/index.html is missing: run `npm run build` first');
if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install -y chromium libvulkan1 (or set CHROMIUM_PATH)`);

const server = await preview({ root, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, open: false } });
const url = `http://127.0.0.1:${server.httpServer.address().port}/${hash}`;
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    '--enable-unsafe-swiftshader',
    '--use-webgpu-adapter=swiftshader',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
try {
  for (const [scheme, file] of [['light', 'screenshot.png'], ['dark', 'screenshot-dark.png']]) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, colorScheme: scheme });
    await page.goto(url);
    await page.waitForFunction(
      () => document.querySelector('[data-testid=run-status]')?.textContent === 'done' && document.querySelector('[data-testid=attention-map] .js-plotly-plot .hm'),
      undefined,
      { timeout: 180_000 },
    );
    await page.waitForTimeout(300); // let Plotly finish its transition
    const path = join(root, 'docs', file);
    await page.screenshot({ path, fullPage: process.env.FULL_PAGE === '1' });
    console.log(`wrote ${path}`);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
