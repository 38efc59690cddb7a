// The built playground in headless Chromium on SwiftShader: load, run, change a knob, read
// the error, export the CSV, reject bad input, open a shared link. Sizes stay small (N ≤ 256):
// the adapter is a CPU emulation. Timings are never asserted.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parseCsv } from '../../src/bench/csv';
import { validateRun, variants } from '../../src/attention/registry';
import { defaults } from '../../src/params/schema';
import { launchChromium, openPage, serveDist, watchErrors, type Site } from './browser';

/** generous: the first run compiles pipelines on a CPU-emulated GPU */
const RUN_TIMEOUT = 120_000;

let site: Site;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** uncaught page errors and console errors, reported by the last test */
const pageErrors: string[] = [];


const newPage = (hash = ''): Promise<Page> => openPage(context, site.url + hash, pageErrors);

/** Rows of cells of the first map panel Plotly has drawn (undefined before one is drawn). */
async function mapRows(p: Page): Promise<number | undefined> {
  return p.evaluate(() => {
    const drawn = (document.querySelector('[data-testid=attention-map] .js-plotly-plot[data-drawn]') as HTMLElement | null)?.dataset.drawn;
    return drawn === undefined ? undefined : Number(drawn.split('x')[0]);
  });
}

/** Waits until the last run is done and its map has `rows` rows. */
async function waitForRun(p: Page, rows: number) {
  await p.waitForFunction(
    (n) => {
      const status = document.querySelector('[data-testid=run-status]')?.textContent;
      // data-drawn: rows×columns of the cells Plotly has drawn (an image under the axes)
      const plot = document.querySelector('[data-testid=attention-map] .js-plotly-plot[data-drawn]') as HTMLElement | null;
      return status === 'done' && plot?.querySelector('.imagelayer image') !== null && Number(plot?.dataset.drawn?.split('x')[0]) === n;
    },
    rows,
    { timeout: RUN_TIMEOUT },
  ).catch(async (e) => {
    const status = await p.locator('[data-testid=run-status]').textContent();
    const errorBox = await p.locator('[data-testid=run-error]').textContent().catch(() => null);
    throw new Error(`no finished run with a ${rows}-row map (status "${status}", map rows ${await mapRows(p)}, error box: ${errorBox ?? 'none'}): ${(e as Error).message}`);
  });
}

async function metric(p: Page, key: string): Promise<string | null> {
  return p.locator(`[data-metric="${key}"]`).getAttribute('data-value');
}

beforeAll(async () => {
  site = await serveDist();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
  page = await newPage();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await site?.close();
});

describe('playground', () => {
  test('the page has a real WebGPU adapter and shows it in the banner', async () => {
    const gpu = await page.evaluate(async () => {
      if (!('gpu' in navigator) || !navigator.gpu) return { api: false, adapter: false };
      const adapter = await navigator.gpu.requestAdapter();
      return { api: true, adapter: adapter !== null };
    });
    expect(gpu.api, 'navigator.gpu is missing: Chromium did not enable WebGPU (flags in tests/e2e/browser.ts)').toBe(true);
    expect(gpu.adapter, 'requestAdapter() returned null: no SwiftShader adapter (is libvulkan1 installed? see docs/spec/webgpu-here.md)').toBe(true);

    const banner = page.getByTestId('adapter-banner');
    await banner.waitFor();
    await page.waitForFunction(() => !document.querySelector('[data-testid=adapter-banner]')?.textContent?.includes('Looking for'), undefined, { timeout: 60_000 });
    const text = (await banner.textContent()) ?? '';
    expect(text).not.toContain('WebGPU is not available');
    // SwiftShader is a software adapter: the page must say its timings are CPU emulation
    expect(text).toContain('Software adapter (SwiftShader/fallback): timings are CPU emulation, not GPU speed');
  });

  test('the first run finishes and draws the map', async () => {
    await waitForRun(page, 256); // the default N
    expect(await page.getByTestId('timing-panel').textContent()).toMatch(/Median/);
  });

  test('changing N re-runs and the map follows', async () => {
    await page.getByLabel('Sequence length N').fill('48');
    await waitForRun(page, 48);
    expect(await page.getByLabel('Sequence length N').inputValue()).toBe('48');
    // the hash follows the controls: the page is a shareable link
    expect(new URL(page.url()).hash).toMatch(/(^#|&)n=48(&|$)/);
  });

  test('exact attention matches the float64 reference', async () => {
    const relFro = Number(await metric(page, 'rel-fro'));
    expect(relFro).toBeGreaterThanOrEqual(0);
    expect(relFro).toBeLessThan(1e-4);
    expect(await page.getByTestId('error-panel').textContent()).toContain('float64 CPU');
    expect(await metric(page, 'reference')).toBe('cpu-f64');
  });

  test('Export CSV downloads every run so far', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('attention-runs.csv');
    const path = await download.path();
    const { columns, rows } = parseCsv(await readFile(path, 'utf8'));
    expect(columns).toContain('err_rel_fro');
    const ok = rows.filter((r) => r.status === 'ok');
    expect(ok.length).toBeGreaterThanOrEqual(2);
    const last = rows[rows.length - 1];
    expect(last.status).toBe('ok');
    expect(last.variant).toBe('exact');
    expect(last.n).toBe('48');
    expect(last.reference).toBe('cpu-f64');
  });

  test('a bad value shows its message in place and does not run', async () => {
    const runsBefore = await page.locator('.run-count').textContent();
    const n = page.getByLabel('Sequence length N');
    await n.fill('0');
    const message = page.getByText(/n must be between 1 and/);
    await message.waitFor();
    expect(await n.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('run-status').textContent()).toBe('invalid');
    // wait past the debounce: still no run, same number of results
    await page.waitForTimeout(1000);
    expect(await page.getByTestId('run-status').textContent()).toBe('invalid');
    expect(await page.locator('.run-count').textContent()).toBe(runsBefore);
    expect(await page.getByRole('button', { name: 'Run' }).isDisabled()).toBe(true);
    // a valid value runs again
    await n.fill('32');
    await waitForRun(page, 32);
  });

  test('the N slider works from the keyboard (powers of two)', async () => {
    const slider = page.getByRole('slider', { name: 'n: power-of-two slider' });
    await slider.focus();
    await page.keyboard.press('ArrowLeft'); // 32 → 16
    expect(await page.getByLabel('Sequence length N').inputValue()).toBe('16');
    await waitForRun(page, 16);
  });

  test('quick successive edits end in one finished run of the last value', async () => {
    const n = page.getByLabel('Sequence length N');
    for (const v of ['20', '24', '28']) await n.fill(v);
    await waitForRun(page, 28);
    expect(await page.getByTestId('run-summary').textContent()).toContain('n = 28');
  });

  test('every variant gets its controls from its params, and runs', async () => {
    // the first variant other than exact (exact itself when it is the only one)
    const variant = variants.find((v) => v.id !== 'exact') ?? variants[0];
    await page.getByLabel('Variant').selectOption(variant.id);
    for (const spec of variant.params) {
      if (spec.type === 'file') continue;
      expect(await page.getByLabel(spec.label, { exact: true }).count(), `control for ${variant.id}.${spec.name}`).toBe(1);
    }
    // the smallest N its default knobs accept (Nyström's m, for one, must not exceed N)
    const d = Number(await page.getByLabel('Head dimension d').inputValue());
    const n = [24, 32, 48, 64, 96, 128, 256].find((x) => validateRun(variant, { n: x, d, dv: d, heads: 1, causal: false }, defaults(variant.params)).length === 0);
    expect(n, `an N ≤ 256 that ${variant.id}'s defaults accept`).toBeDefined();
    await page.getByLabel('Sequence length N').fill(String(n));
    await waitForRun(page, n!);
    expect(new URL(page.url()).hash).toContain(`v=${variant.id}`);
    if (variant.id !== 'exact') {
      // exact | approximate | difference, one figure each (drawn in tasks of their own)
      const roles = await page.evaluate(() => [...document.querySelectorAll('[data-testid=attention-map] .map-panel')].map((el) => (el as HTMLElement).dataset.role));
      expect(roles).toEqual(['exact', 'approx', 'diff']);
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=attention-map] .js-plotly-plot[data-drawn] .imagelayer image').length === 3);
    }
    expect(await page.getByTestId('run-summary').textContent()).toContain(variant.label);
  });

  test('a shared link reproduces its values', async () => {
    const shared = await newPage('#v=exact&n=40&d=8');
    try {
      expect(await shared.getByLabel('Sequence length N').inputValue()).toBe('40');
      expect(await shared.getByLabel('Head dimension d').inputValue()).toBe('8');
      expect(await shared.getByLabel('Variant').inputValue()).toBe('exact');
      await waitForRun(shared, 40);
      expect(await shared.getByTestId('run-summary').textContent()).toContain('d = 8');
    } finally {
      await shared.close();
    }
  });

  test('an invalid value in a link falls back to its default with a notice', async () => {
    const shared = await newPage('#v=exact&n=abc&d=8&nonsense=1');
    try {
      expect(await shared.getByLabel('Sequence length N').inputValue()).toBe('256');
      expect(await shared.getByLabel('Head dimension d').inputValue()).toBe('8');
      await shared.getByText(/n must be an integer, got "abc"; using the default 256/).waitFor();
    } finally {
      await shared.close();
    }
  });

  test('without WebGPU the page says how to get it, and does not crash', async () => {
    const bare = await context.newPage();
    watchErrors(bare, pageErrors);
    // a browser without the API: navigator.gpu is undefined
    await bare.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }));
    try {
      await bare.goto(site.url);
      await bare.getByText('This browser does not expose WebGPU').waitFor();
      expect(await bare.getByTestId('run-status').textContent()).toBe('unavailable');
      // the controls still work (and still validate)
      await bare.getByLabel('Sequence length N').fill('0');
      await bare.getByText(/n must be between 1 and/).waitFor();
    } finally {
      await bare.close();
    }
  });

  test('no uncaught errors on the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
