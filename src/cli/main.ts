// The command-line entry (Node + Dawn): the same registry, runner, kernels and CSV writer
// as the browser. `npm run cli -- <command> …`; see `npm run cli -- help`.
import { writeFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { variants, getVariant, findVariant, variantCommands } from '../attention/registry';
import type { ParamSpec, ParamValues } from '../params/schema';
import { parseValue } from '../params/schema';
import { runParams } from '../bench/run-params';
import { runOne, runSweep, type RunResult, type RunSpec, type UserInputs } from '../bench/runner';
import type { MapRequest } from '../attention/types';
import { resultToRow, extraColumns } from '../bench/rows';
import { toCsv } from '../bench/csv';
import { measureMatmul } from '../bench/matmul';
import { fail, readTensor, writeNpyFile } from './common';
import { cliHost, openHost, parseFlags, readParamFiles } from './host';

const HELP = `attention playground CLI (WebGPU through Dawn)

  variants [--json]
      every variant with its parameters (name, type, default, range, help)

  run --variant ID --q Q.npy --k K.npy --v V.npy --out O.npy
      [--causal] [--set NAME=VALUE]... [--map-out A.npy]
      runs one variant on your tensors (float32/float64, N×d or H×N×d) and writes its
      output as float32 with V's leading shape; --map-out writes the H×N×N map (float32)

  bench --variant ID[,ID...] --n N[,N...] --d D --csv FILE
      [--heads H] [--causal] [--workload W] [--seed S] [--logit-scale X]
      [--set NAME=VALUE[,VALUE...]]... [--trials T] [--warmup W] [--no-exact]
      [--reference auto|cpu|gpu|none]
      a sweep over every combination; one CSV row per point, progress on stderr

  matmul [--n N]
      the adapter's tiled n×n×n matmul GFLOP/s (default n = 1024): the yardstick the
      benchmarks compare each kernel's GFLOP/s with

%VARIANT_COMMANDS%
Exit status: 0 ok, 1 a run failed, 2 bad arguments or unreadable input.`;

const BUILT_IN = ['variants', 'run', 'bench', 'matmul'];

/** The help text: the built-in commands, then every variant's own (from the registry). */
function helpText(): string {
  return HELP.replace('%VARIANT_COMMANDS%', variantCommands().map((c) => `${c.help}\n\n`).join(''));
}

/** Runs one CLI command; returns the exit status (usage errors throw UsageError). */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'variants':
      return cmdVariants(rest);
    case 'run':
      return cmdRun(rest);
    case 'bench':
      return cmdBench(rest);
    case 'matmul':
      return cmdMatmul(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(helpText() + '\n');
      return command === undefined ? 2 : 0;
    default: {
      const own = variantCommands().find((c) => c.name === command);
      if (!own) fail(`unknown command "${command}" (commands: ${[...BUILT_IN, ...variantCommands().map((c) => c.name), 'help'].join(', ')})`);
      const mod = await own.load();
      return mod.run(rest, cliHost);
    }
  }
}

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  return parseFlags(args, options) as ReturnType<typeof import('node:util').parseArgs<{ args: string[]; options: O; allowPositionals: false; strict: true }>>;
}

// ------------------------------------------------------------------ variants

function specJson(s: ParamSpec) {
  return {
    name: s.name,
    label: s.label,
    type: s.type,
    default: s.default,
    ...('min' in s ? { min: s.min, max: s.max } : {}),
    ...('options' in s ? { options: s.options.map((o) => o.value) } : {}),
    urlKey: s.urlKey,
    csvColumn: s.csvColumn ?? s.name,
    help: s.help,
  };
}

function cmdVariants(args: string[]): number {
  const { values } = parse(args, { json: { type: 'boolean' } });
  if (values.json) {
    const out = {
      runParams: runParams.map(specJson),
      variants: variants.map((v) => ({ id: v.id, label: v.label, summary: v.summary, supports: v.supports, params: v.params.map(specJson) })),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return 0;
  }
  for (const v of variants) {
    process.stdout.write(`${v.id} — ${v.label}\n  ${v.summary}\n  causal: ${v.supports.causal ? 'yes' : 'no'}, map: ${v.supports.map ? 'yes' : 'no'}\n`);
    for (const s of v.params) {
      const range = 'min' in s ? ` [${s.min}, ${s.max}]` : 'options' in s ? ` {${s.options.map((o) => o.value).join('|')}}` : '';
      process.stdout.write(`  --set ${s.name}=… (${s.type}${range}, default ${String(s.default)}): ${s.help}\n`);
    }
  }
  return 0;
}

// ------------------------------------------------------------------ shared helpers

/** Parses repeated --set NAME=VALUE[,VALUE…] into name → raw values. */
function parseSets(sets: string[] | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of sets ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) fail(`--set expects NAME=VALUE, got "${s}"`);
    const name = s.slice(0, eq);
    if (out.has(name)) fail(`--set ${name} given twice`);
    out.set(name, s.slice(eq + 1).split(','));
  }
  return out;
}

function parseParam(spec: ParamSpec, raw: string, flag: string): ParamValues[string] {
  const r = parseValue(spec, raw);
  if ('error' in r) fail(`${flag}: ${r.error}`);
  return r.value;
}

function describe(r: RunResult): string {
  const p = Object.entries(r.params).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  return `${r.variant}${p ? ` (${p})` : ''} N=${r.shape.n} d=${r.shape.d} H=${r.shape.heads}${r.shape.causal ? ' causal' : ''}`;
}

function fmt(x: number | undefined, digits = 3): string {
  return x === undefined ? '–' : Number(x.toPrecision(digits)).toString();
}

// ------------------------------------------------------------------ run

async function cmdRun(args: string[]): Promise<number> {
  const { values } = parse(args, {
    variant: { type: 'string' },
    q: { type: 'string' },
    k: { type: 'string' },
    v: { type: 'string' },
    out: { type: 'string' },
    'map-out': { type: 'string' },
    causal: { type: 'boolean' },
    set: { type: 'string', multiple: true },
  });
  for (const req of ['variant', 'q', 'k', 'v', 'out'] as const) if (!values[req]) fail(`run needs --${req}`);
  const variant = findVariant(values.variant!) ?? fail(`unknown variant "${values.variant}"; known: ${variants.map((v) => v.id).join(', ')}`);
  const params: ParamValues = {};
  for (const [name, raws] of parseSets(values.set)) {
    const spec = variant.params.find((s) => s.name === name) ?? fail(`variant ${variant.id} has no parameter "${name}" (see: npm run cli -- variants)`);
    if (raws.length !== 1) fail(`--set ${name}: run takes one value, got ${raws.length}`);
    params[name] = parseParam(spec, raws[0], `--set ${name}`);
  }
  const q = readTensor(values.q!, 'Q');
  const k = readTensor(values.k!, 'K');
  const v = readTensor(values.v!, 'V');
  if (q.t.heads !== k.t.heads || q.t.n !== k.t.n || q.t.d !== k.t.d) {
    fail(`Q and K must have the same shape: Q is ${q.npy.shape.join('×')}, K is ${k.npy.shape.join('×')}`);
  }
  if (v.t.heads !== q.t.heads || v.t.n !== q.t.n) {
    fail(`V must have Q's heads and length: Q is ${q.npy.shape.join('×')}, V is ${v.npy.shape.join('×')}`);
  }
  const inputs: UserInputs = { name: values.q!, heads: q.t.heads, n: q.t.n, d: q.t.d, dv: v.t.d, q: q.t.data, k: k.t.data, v: v.t.data };
  const spec: RunSpec = {
    variant: variant.id,
    params,
    files: readParamFiles(variant, [params]),
    run: { n: inputs.n, d: inputs.d, heads: inputs.heads, causal: Boolean(values.causal), workload: 'file', seed: '', logitScale: 1 },
  };
  // the full map, read in windows of ≤ 64 MiB
  const n = inputs.n;
  const extraMaps: MapRequest[] = [];
  if (values['map-out']) {
    if (!variant.supports.map) fail(`variant ${variant.id} has no attention map`);
    const rowsPerRead = Math.max(1, Math.floor((64 * 1024 * 1024) / (4 * n)));
    for (let head = 0; head < inputs.heads; head++) {
      for (let row0 = 0; row0 < n; row0 += rowsPerRead) extraMaps.push({ kind: 'rows', head, row0, rows: Math.min(rowsPerRead, n - row0) });
    }
  }
  const host = openHost();
  const r = await runOne(host, spec, { inputs, timing: false, keepOutput: true, map: 'none', compareExact: false, extraMaps });
  if (r.status !== 'ok') {
    process.stderr.write(`error: ${r.message}\n`);
    return r.status === 'invalid' ? 2 : 1;
  }
  writeNpyFile(values.out!, r.output!, v.npy.shape.length === 2 ? [inputs.n, inputs.dv] : [inputs.heads, inputs.n, inputs.dv]);
  if (values['map-out']) {
    const map = new Float32Array(inputs.heads * n * n);
    for (const w of r.extraMaps!) map.set(w.data, (w.head * n + w.row0) * n);
    writeNpyFile(values['map-out'], map, v.npy.shape.length === 2 ? [n, n] : [inputs.heads, n, n]);
  }
  const err = r.errors ? `; error vs ${r.reference}: rel. Frobenius ${fmt(r.errors.relFro)}, max |Δ| ${fmt(r.errors.maxAbs)}` : '';
  process.stderr.write(`${describe(r)} → ${values.out}${err}\n`);
  return 0;
}

// ------------------------------------------------------------------ bench

function cartesian<T>(lists: T[][]): T[][] {
  return lists.reduce<T[][]>((acc, list) => acc.flatMap((prefix) => list.map((x) => [...prefix, x])), [[]]);
}

async function cmdBench(args: string[]): Promise<number> {
  const { values } = parse(args, {
    variant: { type: 'string' },
    n: { type: 'string' },
    d: { type: 'string' },
    heads: { type: 'string' },
    causal: { type: 'boolean' },
    workload: { type: 'string' },
    seed: { type: 'string' },
    'logit-scale': { type: 'string' },
    set: { type: 'string', multiple: true },
    trials: { type: 'string' },
    warmup: { type: 'string' },
    csv: { type: 'string' },
    'no-exact': { type: 'boolean' },
    reference: { type: 'string' },
  });
  for (const req of ['variant', 'n', 'd', 'csv'] as const) if (!values[req]) fail(`bench needs --${req}`);
  const ids = values.variant!.split(',');
  for (const id of ids) if (!findVariant(id)) fail(`unknown variant "${id}"; known: ${variants.map((v) => v.id).join(', ')}`);
  const runSpec = (name: string) => runParams.find((s) => s.name === name)!;
  const list = (raw: string, name: string) => raw.split(',').map((x) => parseParam(runSpec(name), x, `--${name}`));
  const ns = list(values.n!, 'n');
  const ds = list(values.d!, 'd');
  const base: ParamValues = {
    heads: values.heads ? parseParam(runSpec('heads'), values.heads, '--heads') : 1,
    causal: Boolean(values.causal),
    workload: values.workload ? parseParam(runSpec('workload'), values.workload, '--workload') : 'gaussian',
    seed: values.seed ? parseParam(runSpec('seed'), values.seed, '--seed') : 1,
    logitScale: values['logit-scale'] ? parseParam(runSpec('logitScale'), values['logit-scale'], '--logit-scale') : 1,
  };
  const trials = values.trials ? Number(values.trials) : 5;
  if (!Number.isInteger(trials) || trials < 1 || trials > 100) fail(`--trials must be an integer in 1…100, got ${values.trials}`);
  const warmup = values.warmup ? Number(values.warmup) : 2;
  if (!Number.isInteger(warmup) || warmup < 0 || warmup > 100) fail(`--warmup must be an integer in 0…100, got ${values.warmup}`);
  const sets = parseSets(values.set);
  for (const name of sets.keys()) {
    if (!ids.some((id) => getVariant(id).params.some((s) => s.name === name))) fail(`no selected variant has a parameter "${name}"`);
  }
  const specs: RunSpec[] = [];
  for (const id of ids) {
    const v = getVariant(id);
    const mine = [...sets].filter(([name]) => v.params.some((s) => s.name === name));
    const grids = mine.map(([name, raws]) => raws.map((raw) => [name, parseParam(v.params.find((s) => s.name === name)!, raw, `--set ${name}`)] as const));
    const combos = cartesian(grids).map((combo) => Object.fromEntries(combo) as ParamValues);
    const files = readParamFiles(v, combos);
    for (const n of ns) for (const d of ds) {
      for (const params of combos) specs.push({ variant: id, params, files, run: { ...base, n, d } });
    }
  }
  const host = openHost();
  const rows: RunResult[] = [];
  const t0 = performance.now();
  const write = () => writeFileSync(values.csv!, toCsv(rows.map(resultToRow), extraColumns()));
  try {
    write(); // fail early on an unwritable path
  } catch (e) {
    fail(`cannot write ${values.csv}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let failed = 0;
  // long points report their stage (parts of split work) at most every 10 s
  let pointStart = performance.now();
  let lastNote = pointStart;
  await runSweep(host, specs, {
    trials,
    warmup,
    compareExact: !values['no-exact'],
    reference: parseReference(values.reference),
    map: 'none',
    onProgress: (stage) => {
      const now = performance.now();
      if (stage === 'generating inputs') pointStart = lastNote = now;
      else if (now - lastNote > 10_000) {
        lastNote = now;
        process.stderr.write(`  [${rows.length + 1}/${specs.length}] ${stage} (${((now - pointStart) / 1000).toFixed(0)} s)\n`);
      }
    },
    onResult: (r, done, total) => {
      rows.push(r);
      write(); // nothing is lost if a later point crashes the process
      if (r.status !== 'ok') failed++;
      const elapsed = (performance.now() - t0) / 1000;
      const eta = (elapsed / done) * (total - done);
      const what = r.status === 'ok'
        ? `${fmt(r.timing?.medianMs)} ms (${r.timing?.source})${r.speedupVsExact ? `, ${fmt(r.speedupVsExact)}× vs exact flash` : ''}${r.errors ? `, rel. err ${fmt(r.errors.relFro, 2)}` : ''}`
        : `${r.status}: ${r.message}`;
      process.stderr.write(`[${done}/${total}] ${describe(r)}: ${what}  (elapsed ${elapsed.toFixed(0)} s, ETA ${eta.toFixed(0)} s)\n`);
    },
  });
  process.stderr.write(`wrote ${rows.length} rows to ${values.csv}${failed ? ` (${failed} not ok)` : ''}\n`);
  return failed ? 1 : 0;
}

/** --reference: what the error is measured against (auto: float64 CPU up to N = 1024, GPU exact flash above; none: no error, e.g. at N = 1M where exact attention would take hours). */
function parseReference(raw: string | undefined): 'auto' | 'cpu' | 'gpu' | 'none' {
  if (raw === undefined) return 'auto';
  if (raw === 'auto' || raw === 'cpu' || raw === 'gpu' || raw === 'none') return raw;
  fail(`--reference must be auto, cpu, gpu or none, got "${raw}"`);
}

async function cmdMatmul(args: string[]): Promise<number> {
  const { values } = parse(args, { n: { type: 'string' }, trials: { type: 'string' } });
  const n = values.n ? Number(values.n) : 1024;
  if (!Number.isInteger(n) || n < 1 || n > 8192) fail(`--n must be an integer in 1…8192, got ${values.n}`);
  const gpu = await openHost().get();
  const m = await measureMatmul(gpu, n, { trials: values.trials ? Number(values.trials) : 5 });
  const a = gpu.adapter;
  process.stdout.write(
    JSON.stringify({ n, medianMs: m.timing.medianMs, minMs: m.timing.minMs, timingSource: m.timing.source, gflopsPerS: m.gflopsPerS, adapter: `${a.vendor} ${a.architecture} ${a.description}`.trim(), isFallback: a.isFallback }) + '\n',
  );
  return 0;
}
