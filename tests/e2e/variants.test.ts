// The variants' own panels in headless Chromium on SwiftShader: training the linear kernel
// (live loss, held-out error, stop, save, use in the view, load), the stream player of the
// continual variants (step, play, pause, the operations headline, time / operations / drift
// plots), Nyström's landmark strip, pinv residual and causal refusal, Fastmax's positivity
// indicator, its "compare against" switch and its causal warning, and CAST's surrogate
// fitting. Sizes stay small (N ≤ 100, d = 8): the adapter is a CPU emulation. Timings are
// never asserted.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { parseCsv } from '../../src/bench/csv';
import { launchChromium, openPage, serveDist, type Site } from './browser';

const LONG = 180_000;

let site: Site;
let browser: Browser;
let context: BrowserContext;
let dir: string;
const pageErrors: string[] = [];


const open = (path: string): Promise<Page> => openPage(context, site.url + path, pageErrors);

/** Number of runs of the session (the run bar's count). */
async function runCount(p: Page): Promise<number> {
  return Number.parseInt((await p.locator('.run-count').textContent()) ?? '', 10);
}

/** A run after the first `after` runs is done and its map has `rows` rows (null: a variant without a map). */
async function runDone(p: Page, rows: number | null, after = 0) {
  await p
    .waitForFunction(
      ([n, after]) => {
        const status = document.querySelector('[data-testid=run-status]')?.textContent;
        const count = Number.parseInt(document.querySelector('.run-count')?.textContent ?? '', 10);
        // rows of the first map panel: `data-drawn` (rows×columns drawn as an image), else its heatmap trace's rows
        const plot = (document.querySelector('[data-testid=attention-map] .js-plotly-plot[data-drawn]') ??
          document.querySelector('[data-testid=attention-map] .js-plotly-plot')) as (HTMLElement & { data?: { z?: unknown[] }[] }) | null;
        const rows = plot?.dataset.drawn !== undefined ? Number(plot.dataset.drawn.split('x')[0]) : plot?.data?.[0]?.z?.length;
        return status === 'done' && count > after && (n === null || rows === n);
      },
      [rows, after] as const,
      { timeout: LONG },
    )
    .catch(async (e) => {
      const status = await p.getByTestId('run-status').textContent();
      const errorBox = await p.getByTestId('run-error').textContent().catch(() => null);
      throw new Error(`no finished run (status "${status}", ${await runCount(p)} runs, error box: ${errorBox ?? 'none'}): ${(e as Error).message}`);
    });
}

/** The session's runs as the CSV export writes them. */
async function exportedRows(p: Page): Promise<Record<string, string>[]> {
  const [download] = await Promise.all([p.waitForEvent('download'), p.getByRole('button', { name: 'Export CSV' }).click()]);
  return parseCsv(await readFile((await download.path())!, 'utf8')).rows;
}

/** The traces (x and y) drawn by the Plotly figure in `el` (undefined before it is drawn). */
async function traces(el: Locator): Promise<{ name?: string; x: unknown[]; y: unknown[] }[] | undefined> {
  return el.evaluate((node) => {
    const plot = (node.classList.contains('js-plotly-plot') ? node : node.querySelector('.js-plotly-plot')) as (HTMLElement & { data?: { name?: string; x?: unknown[]; y?: unknown[] }[] }) | null;
    return plot?.data?.map((t) => ({ name: t.name, x: Array.from(t.x ?? []), y: Array.from(t.y ?? []) }));
  });
}

async function metric(scope: Page | Locator, key: string): Promise<number> {
  return Number(await scope.locator(`[data-metric="${key}"]`).getAttribute('data-value'));
}

beforeAll(async () => {
  site = await serveDist();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, serviceWorkers: 'block' });
  dir = await mkdtemp(join(tmpdir(), 'playground-variants-'));
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await site?.close();
});

describe('linear attention: train the kernel', () => {
  test('train with a live loss curve and held-out error, stop, save the weights, use them in the view, reject a bad file', async () => {
    const p = await open('#v=linear&n=64&d=8&kern=ffk&feat=16&lay=1');
    await runDone(p, 64);
    const panel = p.getByRole('region', { name: /^Linear attention: train the kernel/ });
    const status = panel.getByTestId('linear-training-status');
    const curve = panel.getByLabel('Training loss curve and held-out error');
    await panel.getByLabel('Tokens per sequence').fill('16');
    await panel.getByLabel('Sequences per batch').fill('1');
    // many steps: this run is stopped by hand
    await panel.getByLabel('Steps', { exact: true }).fill('5000');
    expect(await panel.getByRole('button', { name: 'Save weights (JSON)' }).isDisabled()).toBe(true);
    await panel.getByRole('button', { name: 'Train', exact: true }).click();

    // the curve gets batch losses, and the held-out error (measured every 10 steps) appears
    await p.waitForFunction(
      () => {
        const plot = document.querySelector('[aria-label="Training loss curve and held-out error"]') as (HTMLElement & { data?: { x: unknown[] }[] }) | null;
        return (plot?.data?.[0]?.x.length ?? 0) >= 12 && (plot?.data?.[2]?.x.length ?? 0) >= 2;
      },
      undefined,
      { timeout: LONG },
    );
    expect(await status.textContent()).toMatch(/Step \d+.*batch loss [\d.e+-]+…/);
    expect(await status.textContent()).toMatch(/Held-out relative error [\d.e+-]+ → [\d.e+-]+ \(loss [\d.e+-]+ → [\d.e+-]+\)/);
    const [batchLoss, heldOutLoss, heldOutErr] = (await traces(curve))!;
    expect(batchLoss.name).toBe('batch loss');
    expect(heldOutLoss.name).toBe('held-out loss');
    expect(heldOutErr.name).toBe('held-out rel. error');
    for (const y of [...batchLoss.y, ...heldOutErr.y]) expect(Number.isFinite(y)).toBe(true);

    // Stop: the button turns back into Restart / Resume and no further step is taken
    await panel.getByRole('button', { name: 'Stop' }).click();
    await panel.getByRole('button', { name: 'Resume' }).waitFor({ timeout: LONG });
    await p.waitForTimeout(1000); // the last redraw of the curve
    const stopped = (await traces(curve))![0].x.length;
    expect(stopped).toBeLessThan(5000);
    await p.waitForTimeout(1500);
    expect((await traces(curve))![0].x.length).toBe(stopped);
    expect(await status.textContent()).not.toMatch(/Step \d+/);
    expect(await panel.getByRole('button', { name: 'Stop' }).count()).toBe(0);

    // Save weights (JSON): the file the CLI reads, for this kernel's d, features and blocks
    const [download] = await Promise.all([p.waitForEvent('download'), panel.getByRole('button', { name: 'Save weights (JSON)' }).click()]);
    expect(download.suggestedFilename()).toBe('ffk-d8-f16-l1.json');
    const savedPath = join(dir, download.suggestedFilename());
    await download.saveAs(savedPath);
    const saved = JSON.parse(await readFile(savedPath, 'utf8'));
    expect(saved).toMatchObject({ format: 'attention-playground/linear-kernel', version: 1, kernel: 'ffk', d: 8, features: 16, layers: 1 });
    expect(saved.training.steps).toBe(stopped);
    expect(Object.keys(saved.tensors).length).toBeGreaterThan(0);

    // Use in the view: weightsFrom = session, in the control and the link, and the run finishes
    const before = await runCount(p);
    await panel.getByRole('button', { name: 'Use in the view' }).click();
    await p.waitForFunction(() => /(^#|&)wsrc=session(&|$)/.test(location.hash));
    expect(await p.getByLabel('Weights', { exact: true }).inputValue()).toBe('session');
    await runDone(p, 64, before);
    expect(await status.textContent()).toContain(`The view now uses the trained weights (step ${stopped}).`);
    expect(await p.getByTestId('validation').count()).toBe(0);
    const last = (await exportedRows(p)).at(-1)!;
    expect(last).toMatchObject({ variant: 'linear', status: 'ok', weights_source: 'session', kernel: 'ffk', d: '8', n: '64' });
    expect(Number(last.err_rel_fro)).toBeGreaterThan(0);

    // Load weights (JSON): a bad file names itself and the problem
    const load = panel.getByLabel('Load weights (JSON)');
    const notJson = join(dir, 'broken.json');
    await writeFile(notJson, '{"format": ');
    await load.setInputFiles(notJson);
    await p.waitForFunction(() => document.querySelector('[data-testid=linear-training-status]')?.textContent?.includes('broken.json: not valid JSON'));
    const wrongFormat = join(dir, 'other.json');
    await writeFile(wrongFormat, JSON.stringify({ ...saved, format: 'something-else' }));
    await load.setInputFiles(wrongFormat);
    await p.waitForFunction(() => document.querySelector('[data-testid=linear-training-status]')?.textContent?.includes('other.json: "format" must be "attention-playground/linear-kernel", got "something-else"'));
    const wrongD = join(dir, 'wrong-d.json');
    await writeFile(wrongD, (await readFile(savedPath, 'utf8')).replace('"d": 8', '"d": 4'));
    await load.setInputFiles(wrongD);
    await p.waitForFunction(() => /wrong-d\.json: tensor ".*" must be/.test(document.querySelector('[data-testid=linear-training-status]')?.textContent ?? ''));
    // … and the saved file loads back
    await load.setInputFiles(savedPath);
    await p.waitForFunction(() => document.querySelector('[data-testid=linear-training-status]')?.textContent?.includes('Loaded ffk-d8-f16-l1.json'));
    await p.close();
  });
});

describe('streaming: Continual Nyström step by step', () => {
  test('Step advances, Play runs and Pause stops; the headline and the time, operation and drift plots get data', async () => {
    const p = await open('#v=conys&n=64&d=8');
    await runDone(p, null); // the streaming variants draw no map
    const panel = p.getByTestId('stream-panel');
    const status = panel.getByTestId('stream-status');
    const step = () => status.textContent().then((t) => Number(/Step (\d+) of/.exec(t ?? '')?.[1]));
    await panel.getByLabel('Stream length (tokens)').fill('400');
    await p.waitForFunction(() => document.querySelector('[data-testid=stream-status]')?.textContent?.startsWith('Step 0 of 400'));

    // the headline: how many times fewer multiplications than recomputing exact attention
    const headline = await panel.getByTestId('stream-headline').textContent();
    const ratio = /^([\d.,]+)× fewer operations than recomputing exact attention over the window at every step/.exec(headline ?? '');
    expect(ratio, headline ?? '').not.toBeNull();
    expect(Number(ratio![1].replace(/,/g, ''))).toBeGreaterThan(1);
    expect(headline).toContain('N = 64, d = 8, m = 8');

    await panel.getByRole('button', { name: 'Step', exact: true }).click();
    await p.waitForFunction(() => document.querySelector('[data-testid=stream-status]')?.textContent?.startsWith('Step 1 of 400'), undefined, { timeout: LONG });
    await panel.getByRole('button', { name: 'Step', exact: true }).click();
    await p.waitForFunction(() => document.querySelector('[data-testid=stream-status]')?.textContent?.startsWith('Step 2 of 400'), undefined, { timeout: LONG });

    // Play past the window (the per-step time is plotted once the window is full), then Pause
    await panel.getByRole('button', { name: 'Play', exact: true }).click();
    await panel.getByRole('button', { name: 'Pause', exact: true }).waitFor();
    await p.waitForFunction(() => Number(/Step (\d+) of/.exec(document.querySelector('[data-testid=stream-status]')?.textContent ?? '')?.[1]) >= 96, undefined, { timeout: LONG });
    await panel.getByRole('button', { name: 'Pause', exact: true }).click();
    await panel.getByRole('button', { name: 'Play', exact: true }).waitFor({ timeout: LONG });
    const paused = await step();
    expect(paused).toBeGreaterThanOrEqual(96);
    expect(paused).toBeLessThan(400);
    await p.waitForTimeout(1500);
    expect(await step()).toBe(paused);
    expect(await status.textContent()).toMatch(/Continual Nyström: \d+ refreshes, \d+ guard recomputations so far\./);
    expect(await status.textContent()).not.toContain('Stopped');

    // the three plots have data: operations per method, time per step, error against exact window attention
    await p.waitForFunction(() => document.querySelectorAll('[data-testid=stream-panel] .figure-plot.js-plotly-plot').length === 3);
    const ops = (await traces(panel.getByRole('img', { name: 'Multiplications per step of each method (log scale)' })))!;
    expect(ops[0].x.length).toBeGreaterThanOrEqual(2);
    for (const x of ops[0].x) expect(Number(x)).toBeGreaterThan(0);
    const time = panel.getByRole('img', { name: 'GPU time per step of each method' });
    await p.waitForFunction((el) => ((el as HTMLElement & { data?: { x: unknown[] }[] }).data?.[0]?.x.length ?? 0) > 0, await time.elementHandle());
    const timeTraces = (await traces(time))!;
    expect(timeTraces.some((t) => t.name === 'exact attention recomputed' && t.y.length > 0)).toBe(true);
    for (const y of timeTraces[0].y) expect(Number(y)).toBeGreaterThan(0);
    const drift = (await traces(panel.getByRole('img', { name: 'Error against exact window attention over the steps' })))!;
    const main = drift.find((t) => t.name?.startsWith('Continual Nyström') && t.name.endsWith(': newest row'))!;
    expect(main, drift.map((t) => t.name).join(' | ')).toBeDefined();
    expect(main.x.length).toBeGreaterThan(30);
    for (const y of main.y) expect(Number.isFinite(Number(y))).toBe(true);
    // exact attention recomputed in float32 is close to the float64 window
    const exact = drift.find((t) => t.name === 'exact attention recomputed: newest row')!;
    expect(Math.max(...exact.y.map(Number))).toBeLessThan(1e-3);

    // Reset goes back to step 0
    await panel.getByRole('button', { name: 'Reset', exact: true }).click();
    await p.waitForFunction(() => document.querySelector('[data-testid=stream-status]')?.textContent?.startsWith('Step 0 of 400'));
    await p.close();
  });
});

describe('Nyström', () => {
  test('the landmark segments strip, the pinv residual and row-sum deviation; causal is refused with a message', async () => {
    const p = await open('#v=nystrom&n=100&d=8&m=7');
    await runDone(p, 100);
    const details = p.getByTestId('details-panel');
    const strip = details.locator('figure.strip', { has: p.locator('figcaption', { hasText: /^landmark segments/ }) });
    await p.waitForFunction(() => document.querySelector('[data-testid=details-panel] figure.strip .js-plotly-plot') !== null, undefined, { timeout: 30_000 });
    const z = await strip.locator('.js-plotly-plot').evaluate((el) => Array.from((el as HTMLElement & { data: { z: number[][] }[] }).data[0].z[0]));
    expect(z).toHaveLength(100);
    // 7 contiguous segments, in order
    expect(new Set(z)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    for (let i = 1; i < z.length; i++) expect(z[i] - z[i - 1]).toBeGreaterThanOrEqual(0);

    expect(await details.getByText('pinv residual ‖I − A·Z‖_F').count()).toBe(1);
    expect(await details.getByText('Ŝ row-sum deviation (max)').count()).toBe(1);
    const residual = await metric(details, 'pinv-residual');
    const rowSumDev = await metric(details, 'row-sum-dev');
    expect(residual).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(residual)).toBe(true);
    expect(rowSumDev).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(rowSumDev)).toBe(true);
    const last = (await exportedRows(p)).at(-1)!;
    expect(last).toMatchObject({ variant: 'nystrom', status: 'ok', rank_m: '7', n: '100' });
    expect(Number(last.pinv_residual)).toBeCloseTo(residual, 6);
    expect(Number(last.nystrom_row_sum_dev)).toBeCloseTo(rowSumDev, 6);

    // the causal mask: Nyström has no causal form, the page says so and runs nothing
    const runs = await runCount(p);
    await p.getByLabel('Causal mask').check();
    const validation = p.getByTestId('validation');
    await validation.waitFor();
    expect(await validation.getAttribute('role')).toBe('alert');
    expect(await validation.textContent()).toContain('This configuration cannot run:');
    expect(await validation.textContent()).toContain('Nyström attention has no causal form: turn the causal mask off');
    expect(await p.getByTestId('run-status').textContent()).toBe('invalid');
    expect(await p.getByRole('button', { name: 'Run', exact: true }).isDisabled()).toBe(true);
    await p.waitForTimeout(1000); // past the auto-run's debounce
    expect(await runCount(p)).toBe(runs);
    expect(await p.getByLabel('Causal mask').isChecked()).toBe(true);
    // the link keeps naming the last configuration that runs
    expect(new URL(p.url()).hash).toMatch(/(^#|&)causal=0(&|$)/);
    // off again: it runs
    await p.getByLabel('Causal mask').uncheck();
    await runDone(p, 100, runs);
    expect(await validation.count()).toBe(0);
    await p.close();
  });
});

describe('Fastmax', () => {
  test('the positivity indicator, the compare-against switch, and the causal warning', async () => {
    const p = await open('#v=fastmax&n=64&d=8');
    await runDone(p, 64);
    // positivity: f = 1 + x + x²/2 > 0 everywhere
    const details = p.getByTestId('details-panel');
    expect(await details.getByText('f > 0 on the reachable range').count()).toBe(1);
    expect(await details.locator('[data-metric="positive"]').getAttribute('data-value')).toBe('1');

    const panel = p.getByTestId('fastmax-compare');
    const sameLogits = panel.getByRole('radio', { name: 'softmax of the same normalized logits' });
    const raw = panel.getByRole('radio', { name: 'raw softmax(QKᵀ/√d)' });
    expect(await sameLogits.isChecked()).toBe(true);
    const errSame = await metric(panel, 'fastmax-rel-fro-same_logits');
    expect(errSame).toBeGreaterThan(0);
    await raw.check();
    await panel.locator('[data-metric="fastmax-rel-fro-raw"]').waitFor();
    const errRaw = await metric(panel, 'fastmax-rel-fro-raw');
    // against raw softmax: the page's own error; normalized maps are nearly flat, so it is the larger one
    expect(errRaw).toBe(await metric(p.getByTestId('error-panel'), 'rel-fro'));
    expect(errRaw).toBeGreaterThan(errSame);
    expect(await panel.locator('[data-metric="fastmax-rel-fro-same_logits"]').count()).toBe(0);
    expect(await panel.textContent()).toContain('against raw softmax the error is large');
    await sameLogits.check();
    await panel.locator('[data-metric="fastmax-rel-fro-same_logits"]').waitFor();
    expect(await metric(panel, 'fastmax-rel-fro-same_logits')).toBe(errSame);

    // a score that goes negative on the reachable range: the indicator turns to 0, with a warning
    let runs = await runCount(p);
    await p.getByLabel('a2', { exact: true }).fill('-1');
    await p.getByText(/is negative on the reachable range/).first().waitFor();
    await runDone(p, 64, runs);
    expect(await details.locator('[data-metric="positive"]').getAttribute('data-value')).toBe('0');
    runs = await runCount(p);
    await p.getByLabel('a2', { exact: true }).fill('0.5');
    await runDone(p, 64, runs);
    expect(await details.locator('[data-metric="positive"]').getAttribute('data-value')).toBe('1');

    // causal: the global max-norm sees the future, and the page says so
    const leak = /The global max-norm uses all tokens, so causal Fastmax leaks the future/;
    expect(await p.getByText(leak).count()).toBe(0);
    runs = await runCount(p);
    await p.getByLabel('Causal mask').check();
    const notes = p.getByRole('list', { name: /^Notes on this FAST \/ Fastmax/ });
    await notes.getByText(leak).waitFor();
    expect(await notes.getByText(leak).textContent()).toMatch(/^Warning:/);
    await runDone(p, 64, runs);
    expect(await p.getByTestId('run-summary').textContent()).toContain('causal = on');
    // without the max-norm the warning goes
    await p.getByLabel('Max-norm normalization').uncheck();
    await p.waitForFunction((src) => !new RegExp(src).test(document.body.textContent ?? ''), leak.source);
    await p.close();
  });
});

describe('CAST', () => {
  test('fitting the surrogates on the GPU draws the loss curve, and the run with them finishes', async () => {
    const p = await open('#v=cast&n=64&d=8&nc=8');
    await runDone(p, 64);
    const panel = p.getByRole('region', { name: 'CAST: surrogate tokens (load or fit S)' });
    expect(await panel.getByTestId('cast-panel').textContent()).toContain('Surrogate tokens now: kmeans-k');
    await panel.getByLabel('Steps', { exact: true }).fill('6');
    const runs = await runCount(p);
    await panel.getByRole('button', { name: 'Fit S' }).click();
    const status = panel.getByRole('status');
    await p.waitForFunction(() => document.querySelector('[data-testid=cast-panel] [role=status]')?.textContent?.startsWith('Fitted in'), undefined, { timeout: LONG }).catch(async (e) => {
      throw new Error(`the fit did not finish (status "${await status.textContent()}"): ${(e as Error).message}`);
    });
    expect(await status.textContent()).toMatch(/^Fitted in [\d.]+ s: loss [\d.e+-]+ → [\d.e+-]+\. The fitted S are in use/);
    const curve = (await traces(panel.getByLabel('Loss curve of the surrogate fitting')))!;
    expect(curve).toHaveLength(1);
    expect(curve[0].y.length).toBeGreaterThanOrEqual(6);
    for (const y of curve[0].y) expect(Number(y)).toBeGreaterThan(0);

    // the fitted S become the page's surrogates: surrogates = file, and the view runs with them
    await p.waitForFunction(() => /(^#|&)sur=file(&|$)/.test(location.hash));
    expect(await p.getByLabel('Surrogate tokens S').inputValue()).toBe('file');
    expect(await panel.getByTestId('cast-panel').textContent()).toMatch(/Surrogate tokens now: fitted S \(6 steps, loss [\d.e+-]+\) \(\(1, 8, 8\)\)/);
    await runDone(p, 64, runs);
    const last = (await exportedRows(p)).at(-1)!;
    expect(last).toMatchObject({ variant: 'cast', status: 'ok', cast_surrogates: 'file', clusters: '8', n: '64' });
    expect(Number(last.err_rel_fro)).toBeGreaterThan(0);
    await p.close();
  });
});

test('no uncaught errors on the pages', () => {
  expect(pageErrors).toEqual([]);
});
