#!/usr/bin/env node
// Screenshots of the built playground for the docs (docs/screenshot*.png): every view, light and
// dark, the embed mode, a lecture scene, the page without WebGPU and a tablet-sized window.
//
//   npm run build && node scripts/screenshot.mjs [name…]     e.g. `compare sweep` (default: all)
//
// Same browser setup as the e2e tests (tests/e2e/browser.ts — keep the flags in step):
// `vite preview` of dist/ on 127.0.0.1 and Debian's Chromium with SwiftShader as the adapter.
// Sizes stay small: SwiftShader is a CPU emulation of a GPU.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = new Set(process.argv.slice(2));
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(join(root, 'dist', 'index.html'))) throw new Error('dist/index.html is missing: run `npm run build` first');
if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install -y chromium libvulkan1 (or set CHROMIUM_PATH)`);

const LONG = { timeout: 300_000 };

/** the last run is done and its map is drawn */
async function mapDone(page) {
  await page.waitForFunction(
    () => document.querySelector('[data-testid=run-status]')?.textContent === 'done' && document.querySelector('[data-testid=attention-map] .js-plotly-plot[data-drawn] .imagelayer image'),
    undefined,
    LONG,
  );
}

async function jobDone(page) {
  await page.waitForFunction(() => !document.querySelector('[data-testid=job-progress]'), undefined, LONG);
}

async function settle(page) {
  await page.waitForTimeout(500); // let Plotly finish drawing
}

const shots = [
  { name: 'main', file: 'screenshot.png', path: '#v=nystrom&n=256&d=16&w=local&m=16', run: mapDone },
  { name: 'dark', file: 'screenshot-dark.png', path: '#v=nystrom&n=256&d=16&w=local&m=16', scheme: 'dark', run: mapDone },
  {
    name: 'compare',
    file: 'screenshot-compare.png',
    path: '#v=exact&n=256&d=64&view=compare&cmp=exact,fastmax,nystrom,linear,cast&linear.kern=elu1',
    fullPage: true,
    async run(page) {
      await page.getByRole('button', { name: 'Run comparison' }).click();
      await jobDone(page);
    },
  },
  {
    name: 'sweep',
    file: 'screenshot-sweep.png',
    path: '#v=nystrom&n=256&d=32&m=16&view=sweep&sweep=n&from=128&to=1024&steps=4&svs=nystrom,linear&linear.kern=elu1',
    fullPage: true,
    async run(page) {
      await page.getByRole('button', { name: 'Run sweep' }).click();
      await page.waitForFunction(() => document.querySelector('[data-testid=sweep-results]')?.getAttribute('data-state') === 'done', undefined, LONG);
    },
  },
  {
    name: 'csv',
    file: 'screenshot-csv.png',
    // the recorded CSV (B) ran on the gaussian workload: the same problem here (A) pairs its rows
    path: '#v=exact&n=256&d=64&w=gaussian&view=compare&cmp=exact,nystrom,linear,fastmax,cast',
    fullPage: true,
    async run(page) {
      await page.getByRole('button', { name: 'Run comparison' }).click();
      await jobDone(page);
      await page.getByRole('tab', { name: 'CSV files' }).click();
      await page.getByLabel('CSV B').setInputFiles(join(root, 'public', 'recorded', 'example.csv'));
      await page.getByTestId('csv-pairs').waitFor();
    },
  },
  {
    name: 'large',
    file: 'screenshot-large-n.png',
    path: '#v=nystrom&n=2048&d=32&m=32&w=local&win=pooled',
    async run(page) {
      await mapDone(page);
      await page.waitForFunction(() => document.querySelector('.map-notes')?.textContent?.includes('Pooled overview'), undefined, LONG);
    },
  },
  {
    name: 'embed',
    file: 'screenshot-embed.png',
    viewport: { width: 1000, height: 760 },
    host: true,
    async run(page) {
      const frame = page.frameLocator('iframe');
      await frame.locator('[data-testid=attention-map] .js-plotly-plot[data-drawn] .imagelayer image').last().waitFor(LONG);
      await page.waitForFunction(() => Number(document.querySelector('#height')?.textContent) > 300, undefined, LONG);
    },
  },
  {
    name: 'scenes',
    file: 'screenshot-scenes.png',
    path: '?deck=scenes/tour.json#scene=3',
    async run(page) {
      await page.getByTestId('scenes-bar').waitFor();
      await mapDone(page);
    },
  },
  {
    name: 'no-webgpu',
    file: 'screenshot-no-webgpu.png',
    path: '',
    noGpu: true,
    fullPage: true,
    async run(page) {
      await page.getByTestId('recorded-results').waitFor();
      await page.locator('[data-testid=recorded-time-chart] .js-plotly-plot').waitFor(LONG);
    },
  },
  {
    name: 'stream',
    file: 'screenshot-stream.png',
    path: '#v=conys&n=64&d=8',
    element: '[data-testid=stream-panel]',
    async run(page) {
      const panel = page.getByTestId('stream-panel');
      await panel.waitFor(LONG);
      await panel.getByLabel('Stream length (tokens)').fill('400');
      await panel.getByRole('button', { name: 'Play', exact: true }).click();
      await page.waitForFunction(() => /Step 400 of 400|Stopped/.test(document.querySelector('[data-testid=stream-status]')?.textContent ?? ''), undefined, LONG);
    },
  },
  {
    name: 'training',
    file: 'screenshot-training.png',
    path: '#v=linear&n=64&d=8&kern=ffk&feat=16&lay=1',
    element: 'section[aria-label^="Linear attention: train the kernel"]',
    async run(page) {
      await mapDone(page);
      const panel = page.getByRole('region', { name: /^Linear attention: train the kernel/ });
      await panel.getByLabel('Tokens per sequence').fill('32');
      await panel.getByLabel('Sequences per batch').fill('2');
      await panel.getByLabel('Steps', { exact: true }).fill('150');
      await panel.getByRole('button', { name: 'Train', exact: true }).click();
      // the run of 150 steps is over when Train / Resume are offered again
      await panel.getByRole('button', { name: 'Resume', exact: true }).waitFor(LONG);
    },
  },
  { name: 'tablet', file: 'screenshot-tablet.png', path: '#v=linear&n=128&d=32&kern=elu1', viewport: { width: 820, height: 1180 }, run: mapDone },
];

const server = await preview({ root, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, open: false } });
const base = `http://127.0.0.1:${server.httpServer.address().port}/`;
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
  for (const shot of shots) {
    if (only.size && !only.has(shot.name)) continue;
    const context = await browser.newContext({ viewport: shot.viewport ?? { width: 1280, height: 720 }, colorScheme: shot.scheme ?? 'light', serviceWorkers: 'block' });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[${shot.name}] pageerror: ${e.message}`));
    if (shot.noGpu) await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }));
    if (shot.host) {
      // a slide deck's page with the playground in an iframe that fits its reported height
      const src = `${base}?embed&panels=map,error,timing#v=nystrom&n=192&d=16&w=local&m=16`;
      await page.route(`${base}host.html`, (route) =>
        route.fulfill({
          contentType: 'text/html',
          body: `<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0;font:16px system-ui;background:#eee">
<div style="padding:12px 20px"><h2 style="margin:0 0 4px">Lecture 7 · Nyström attention</h2><p style="margin:0">The playground below is an iframe (height reported by postMessage: <span id="height">…</span> px).</p></div>
<iframe src="${src}" style="border:0;width:100%;height:400px;display:block;background:#fff"></iframe>
<script>addEventListener('message', (e) => { if (e.data?.source === 'attention-playground' && e.data.type === 'height') { document.querySelector('iframe').style.height = e.data.height + 'px'; document.querySelector('#height').textContent = e.data.height; } });</script>
</body></html>`,
        }),
      );
      await page.goto(`${base}host.html`);
    } else {
      await page.goto(base + shot.path);
    }
    await shot.run(page);
    await settle(page);
    const path = join(root, 'docs', shot.file);
    if (shot.element) await page.locator(shot.element).first().screenshot({ path });
    else await page.screenshot({ path, fullPage: Boolean(shot.fullPage) || process.env.FULL_PAGE === '1' });
    console.log(`wrote ${path}`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
