#!/usr/bin/env node
// Times our exact flash attention against onnxruntime-web's WebGPU MultiHeadAttention and a
// tfjs-webgpu matMul → softmax → matMul, in one headless Chromium page on one adapter
// (SwiftShader here), interleaved per N. Prints a markdown table, writes a CSV.
//
//   node scripts/compare/run.mjs [--n 512,1024,2048] [--trials 5] [--warmup 2]
//        [--timeout 900] [--impls ours-flash,ours-materialized,ort-jsep,ort-native,tfjs-webgpu]
//        [--csv docs/data/compare-baselines.csv] [--json out.json] [--log out.log]
//        [--no-probe] [--no-timestamps] [--no-cpu-reference]
//   (the last two skip the extra timestamp-query forward of each round and the float64 check,
//    for one very large forward, e.g. --n 65536 --impls ours-flash --trials 1 --warmup 0)
//
// The page is scripts/compare/index.html + compare.ts, served by a Vite dev server rooted at
// the repository (so /src/... imports and ?raw WGSL imports resolve as in the app).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function parseArgs(argv) {
  const a = {
    n: [512, 1024, 2048],
    trials: 5,
    warmup: 2,
    timeout: 900,
    impls: undefined,
    csv: join(root, 'docs', 'data', 'compare-baselines.csv'),
    json: undefined,
    log: join(tmpdir(), `compare-baselines-${Date.now()}.log`),
    headed: false,
    noProbe: false,
    timestamps: true,
    cpuReference: true,
  };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i];
    const v = () => argv[++i];
    if (k === '--n') a.n = v().split(',').map(Number);
    else if (k === '--trials') a.trials = Number(v());
    else if (k === '--warmup') a.warmup = Number(v());
    else if (k === '--timeout') a.timeout = Number(v());
    else if (k === '--impls') a.impls = v().split(',');
    else if (k === '--csv') a.csv = resolve(v());
    else if (k === '--json') a.json = resolve(v());
    else if (k === '--log') a.log = resolve(v());
    else if (k === '--headed') a.headed = true;
    else if (k === '--no-probe') a.noProbe = true;
    else if (k === '--no-timestamps') a.timestamps = false;
    else if (k === '--no-cpu-reference') a.cpuReference = false;
    else throw new Error(`unknown argument ${k}`);
  }
  if (a.trials < 5 || a.warmup < 2) process.stderr.write('note: the benchmark method asks for ≥ 5 trials and ≥ 2 warm-up runs\n');
  return a;
}

const args = parseArgs(process.argv);
const logLines = [];
const log = (s) => {
  logLines.push(s);
};

const server = await createServer({
  root,
  configFile: false,
  logLevel: 'warn',
  clearScreen: false,
  server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
  optimizeDeps: {
    entries: ['scripts/compare/index.html'],
    include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu'],
    // served as-is: the .wasm files next to the bundles are then found under /node_modules/
    exclude: ['onnxruntime-web'],
  },
});
await server.listen();
const port = server.httpServer.address().port;
const url = `http://127.0.0.1:${port}/scripts/compare/index.html`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: !args.headed,
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

async function openPage(query = '') {
  const page = await browser.newPage();
  page.on('console', (m) => log(`[console.${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log(`[pageerror] ${e.stack || e.message}`));
  page.on('crash', () => log('[page crashed]'));
  page.on('response', (r) => {
    if (r.status() >= 400) log(`[http ${r.status()}] ${r.url()}`);
  });
  page.on('requestfailed', (r) => log(`[request failed] ${r.url()} ${r.failure()?.errorText ?? ''}`));
  await page.goto(url + query);
  await page.waitForFunction(() => window.compare?.ready === true, null, { timeout: 180_000 });
  const init = await page.evaluate(() => window.compare.init());
  return { page, init };
}

const withTimeout = (p, ms, what) =>
  Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`${what}: timed out after ${ms / 1000} s`)), ms))]);

const results = [];
let env;
let probeMark = Infinity;
let failures = 0;
try {
  let { page, init } = await openPage();
  env = init;
  process.stderr.write(`adapter: ${JSON.stringify(init.adapter)}\n`);
  let skipRest = false;
  for (const n of args.n) {
    if (skipRest) {
      results.push({ n, skipped: `not run: a smaller N timed out (per-N limit ${args.timeout} s)` });
      continue;
    }
    process.stderr.write(`N = ${n} …\n`);
    const t0 = Date.now();
    try {
      const r = await withTimeout(
        page.evaluate((o) => window.compare.run(o), { n, trials: args.trials, warmup: args.warmup, impls: args.impls, timestamps: args.timestamps, cpuReference: args.cpuReference }),
        args.timeout * 1000,
        `N = ${n}`,
      );
      results.push(r);
      process.stderr.write(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    } catch (e) {
      failures++;
      process.stderr.write(`  ${e.message}\n`);
      results.push({ n, skipped: e.message });
      if (/timed out/.test(e.message)) skipRest = true;
      // the page may be stuck in GPU work: start over with a fresh one
      await page.close().catch(() => {});
      if (!skipRest) ({ page, init } = await openPage());
    }
  }
  await page.close().catch(() => {});
  // A separate page with ORT's verbose logging (node placement) and a correctness probe of
  // every implementation against the CPU float64 reference, row by row. Never timed.
  if (!args.noProbe) {
    process.stderr.write('probe page (ORT verbose logging, per-row errors) …\n');
    const mark = (probeMark = logLines.length);
    try {
      const probe = await openPage('?ortlog=verbose');
      env.probe = await withTimeout(
        probe.page.evaluate((ids) => window.compare.diagnose(256, ids), ['ours-flash', 'ort-jsep', 'ort-native', 'ort-native-nosubgroups', 'tfjs-webgpu']),
        300_000,
        'probe',
      );
      env.shaderLabels = await probe.page.evaluate(() => window.compare.shaderLabels());
      env.attentionShaders = await probe.page.evaluate(() => window.compare.shaders('attention|flash|copykv'));
      env.ortPlacement = logLines.slice(mark).filter((l) => /\[compare\]|placed on|VerifyEachNodeIsAssignedToAnEp/.test(l)).map((l) => l.replace(/^\[console\.\w+\] /, ''));
      await probe.page.close();
    } catch (e) {
      env.probe = { error: e.message };
    }
  }
} finally {
  await browser.close().catch(() => {});
  await server.close().catch(() => {});
}

// ------------------------------------------------------------------ report

const fmt = (x, digits = 1) => (x === undefined || x === null || Number.isNaN(x) ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(digits));
const fmtE = (x) => (x === undefined || x === null ? '—' : x === Infinity ? '∞' : x.toExponential(1));
const TOL = 1e-4;
const impl = (r, id) => r.impls?.find((i) => i.id === id);
const correct = (i) => i?.status === 'ok' && i.maxAbsVsCpu !== undefined && i.maxAbsVsCpu < TOL;
const med = (r, id) => {
  const i = impl(r, id);
  return correct(i) ? i.wall?.medianMs : undefined;
};
const ratio = (a, b) => (a && b ? `${(b / a).toFixed(2)}×` : '—');
const cell = (r, id) => {
  const i = impl(r, id);
  if (!i) return '—';
  if (i.status !== 'ok') return 'error';
  if (i.maxAbsVsCpu === undefined) return `${fmt(i.wall?.medianMs)} (not checked against the CPU)`;
  return correct(i) ? fmt(i.wall?.medianMs) : `${fmt(i.wall?.medianMs)} (wrong output: max \\|Δ\\| ${fmtE(i.maxAbsVsCpu)} vs CPU)`;
};
const pairDiff = (r, a, b) => r.pairwise?.[`${a}|${b}`] ?? r.pairwise?.[`${b}|${a}`];

const lines = [];
lines.push(`Adapter: vendor=${env?.adapter.vendor || '?'} architecture=${env?.adapter.architecture || '?'} description=${env?.adapter.description || '(empty)'} device=${env?.adapter.device || '(empty)'} fallback=${env?.adapter.isFallback} features=${(env?.adapter.features ?? []).join(',')}`);
lines.push(`User agent: ${env?.userAgent}`);
lines.push(`Versions: ${JSON.stringify(env?.versions)}`);
lines.push('');
lines.push(
  '| N | ours flash wall ms | ours flash timestamp ms | ours materialized wall ms | ORT MHA JSEP ms | ORT MHA native EP ms | ORT MHA native EP, device w/o subgroups ms | tfjs-webgpu ms | flash vs ORT JSEP | flash vs ORT native (w/o subgroups) | flash vs tfjs | max \\|Δ\\| flash ↔ (ORT JSEP, ORT native w/o sg, tfjs, materialized) | max \\|Δ\\| of those vs CPU f64 |',
);
lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
const AGREE = ['ours-materialized', 'ort-jsep', 'ort-native-nosubgroups', 'tfjs-webgpu'];
for (const r of results) {
  if (r.skipped) {
    lines.push(`| ${r.n} | ${r.skipped} ||||||||||||`);
    continue;
  }
  const f = med(r, 'ours-flash');
  const diffs = AGREE.map((id) => pairDiff(r, 'ours-flash', id)).filter((x) => x !== undefined);
  const cpu = ['ours-flash', ...AGREE].map((id) => impl(r, id)?.maxAbsVsCpu).filter((x) => x !== undefined);
  lines.push(
    `| ${r.n} | ${cell(r, 'ours-flash')} | ${fmt(r.oursFlashTimestamp?.medianMs)} | ${cell(r, 'ours-materialized')} | ${cell(r, 'ort-jsep')} | ${cell(r, 'ort-native')} | ${cell(r, 'ort-native-nosubgroups')} | ${cell(r, 'tfjs-webgpu')} | ${ratio(f, med(r, 'ort-jsep'))} | ${ratio(f, med(r, 'ort-native-nosubgroups'))} | ${ratio(f, med(r, 'tfjs-webgpu'))} | ${diffs.length ? fmtE(Math.max(...diffs)) : '—'} | ${cpu.length ? fmtE(Math.max(...cpu)) : '—'} |`,
  );
}
lines.push('');
lines.push('Medians of wall-clock per forward; speedup = other median / our flash median (> 1 means ours is faster).');
for (const r of results) {
  if (r.skipped) continue;
  lines.push('');
  lines.push(`N = ${r.n} (trials ${r.trials}, warm-up ${r.warmup}, ${(r.totalMs / 1000).toFixed(1)} s in all):`);
  for (const i of r.impls) {
    if (i.status !== 'ok') {
      lines.push(`  ${i.id}: ERROR ${i.message}`);
      continue;
    }
    lines.push(`  ${i.id}: median ${fmt(i.wall.medianMs)} min ${fmt(i.wall.minMs)} p90 ${fmt(i.wall.p90Ms)} ms; max|Δ| vs CPU f64 ${fmtE(i.maxAbsVsCpu)}; dispatches of one forward: ${(i.kernels ?? []).join('; ')}`);
  }
  if (r.oursFlashTimestamp) {
    const t = r.oursFlashTimestamp;
    lines.push(`  ours-flash timePlan (${t.source}, R=${t.repeats}, one sample per round): median ${fmt(t.medianMs)} min ${fmt(t.minMs)} p90 ${fmt(t.p90Ms)} ms`);
  }
  lines.push(`  pairwise max|Δ|: ${Object.entries(r.pairwise).map(([k, v]) => `${k} ${fmtE(v)}`).join(', ')}`);
}
lines.push('');
if (env?.probe) {
  lines.push('Correctness probe (separate page, N = 256, one forward each, per-row max |Δ| vs CPU float64):');
  for (const [id, v] of Object.entries(env.probe)) {
    if (v && typeof v === 'object' && 'maxAbs' in v) lines.push(`  ${id}: max |Δ| ${fmtE(v.maxAbs)}, rows with |Δ| > 1e-4: ${v.badRows}/256`);
    else lines.push(`  ${id}: ${JSON.stringify(v)}`);
  }
  if (env.ortPlacement?.length) {
    lines.push('ORT node placement (verbose session log):');
    for (const l of env.ortPlacement) lines.push(`  ${l.slice(0, 300)}`);
  }
  const sh = env.attentionShaders ?? {};
  const sgNote = Object.entries(sh)
    .filter(([k]) => /^FlashAttention/.test(k))
    .map(([k, code]) => `${k}: ${/enable subgroups/.test(code) ? 'uses subgroups (subgroupShuffle)' : 'no subgroups (K/V tiles from workgroup memory)'}, ${code.length} chars`);
  if (sgNote.length) lines.push(`ORT native FlashAttention shader variants: ${sgNote.join('; ')}`);
  lines.push('');
}
lines.push('What each wall-clock number includes:');
const seen = new Set();
for (const r of results)
  for (const i of r.impls ?? [])
    if (i.includes && !seen.has(i.id)) {
      seen.add(i.id);
      lines.push(`  ${i.id}: ${i.includes}`);
    }
const report = lines.join('\n');
process.stdout.write(report + '\n');

// CSV (long form: one row per N × implementation)
const q = (v) => {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : 'nan') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const header = [
  'schema', 'n', 'd', 'heads', 'batch', 'implementation', 'timing_source', 'trials', 'warmup', 'time_ms_median', 'time_ms_min',
  'time_ms_p90', 'flash_speedup_vs_this', 'err_max_abs_vs_flash', 'err_max_abs_vs_cpu_f64', 'includes', 'dispatches',
  'adapter_vendor', 'adapter_architecture', 'adapter_description', 'is_fallback_adapter', 'user_agent', 'versions', 'status', 'message',
];
const rows = [header.join(',')];
const envCols = () => [env?.adapter.vendor, env?.adapter.architecture, env?.adapter.description, env?.adapter.isFallback, env?.userAgent, JSON.stringify(env?.versions ?? {})];
for (const r of results) {
  if (r.skipped) {
    rows.push([1, r.n, 64, 1, 1, 'all', '', args.trials, args.warmup, '', '', '', '', '', '', '', '', ...envCols(), 'skipped', r.skipped].map(q).join(','));
    continue;
  }
  const f = med(r, 'ours-flash');
  for (const i of r.impls) {
    const vsFlash = i.id === 'ours-flash' ? 0 : r.pairwise[`ours-flash|${i.id}`] ?? r.pairwise[`${i.id}|ours-flash`];
    rows.push(
      [
        1, r.n, r.d, 1, 1, i.id, 'wall', r.trials, r.warmup, i.wall?.medianMs, i.wall?.minMs, i.wall?.p90Ms,
        f && i.wall ? i.wall.medianMs / f : '', vsFlash, i.maxAbsVsCpu, i.includes, (i.kernels ?? []).join('; '),
        ...envCols(), i.status !== 'ok' ? 'error' : correct(i) ? 'ok' : 'wrong-output', i.message ?? (correct(i) ? '' : `output differs from the CPU float64 reference by up to ${i.maxAbsVsCpu}`),
      ].map(q).join(','),
    );
  }
  if (r.oursFlashTimestamp) {
    const t = r.oursFlashTimestamp;
    const fl = impl(r, 'ours-flash');
    rows.push(
      [
        1, r.n, r.d, 1, 1, 'ours-flash', t.source, r.trials, 0, t.medianMs, t.minMs, t.p90Ms, '', 0, fl?.maxAbsVsCpu,
        `timePlan(trials 1, warmup 0) once per round of the interleaved wall-clock trials (after their warm-ups): timestamp queries at the start and end of each part's compute pass, R=${t.repeats} forward(s) per span, parts summed; GPU time only, no submit/wait latency`,
        (fl?.kernels ?? []).join('; '), ...envCols(), 'ok', '',
      ].map(q).join(','),
    );
  }
}
mkdirSync(dirname(args.csv), { recursive: true });
writeFileSync(args.csv, rows.join('\n') + '\n');
writeFileSync(args.log, logLines.join('\n') + '\n');
if (args.json) writeFileSync(args.json, JSON.stringify({ env, results }, null, 2));
process.stderr.write(`CSV: ${args.csv}\nbrowser console log: ${args.log}\n`);
const interesting = logLines.slice(0, probeMark).filter(
  (l) => /pageerror|crash|\[http |request failed|\[compare\]|placed on|CPUExecutionProvider|fallback/i.test(l) || (/console\.(error|warn)/.test(l) && !/onnxruntime:/.test(l) && !/Failed to load resource/.test(l)),
);
if (interesting.length) {
  process.stderr.write(`\nbrowser console lines of the timed page(s) worth a look (${interesting.length}):\n`);
  for (const l of interesting.slice(0, 60)) process.stderr.write(`  ${l.slice(0, 400)}\n`);
}
process.exit(failures && !results.some((r) => !r.skipped) ? 1 : 0);
