// `cli stream`: runs a streaming method over a whole stream, one token per step, on the GPU
// (ring.ts), and writes the newest token's output of every step with a full window (and, for
// retroactive methods, the whole window per step). Its usage is the command's help
// (variants.ts). The command of all three streaming variants; it imports nothing of Node:
// arguments, files, output and the GPU come from the CLI's host.
import type { CliHost } from '../types';
import { findVariant } from '../registry';
import { parseValue, defaults, type ParamValues } from '../../params/schema';
import { runParams, WORKLOADS, type WorkloadId } from '../../bench/run-params';
import { generateInputs } from '../../workloads/generate';
import { asAttentionTensor, parseNpy, writeNpy } from '../../workloads/npy';
import { StreamEngine, validateStreamConfig, type StreamConfig } from './ring';
import { opsExact, opsPerStep } from './ops';
import { fixedLandmarks } from './landmarks';
import { scaleLandmarks, type Stream64 } from './reference';
import { STREAM_METHODS, isStreamMethod, type StreamMethodInfo } from './methods';
import { resolveCalib } from './params';

const METHODS = Object.keys(STREAM_METHODS);

const fmt = (x: number, digits = 3) => Number(x.toPrecision(digits)).toString();

/** Reads a float32/float64 .npy file as an N×d or H×N×d tensor (`name` names it in errors). */
function readTensor(host: CliHost, path: string, name: string) {
  const bytes = host.readFile(path, `${name} file`);
  try {
    const npy = parseNpy(bytes, path);
    return { npy, t: asAttentionTensor(npy, path) };
  } catch (e) {
    return host.usage((e as Error).message);
  }
}

/** `stream`: usage errors go through host.usage (exit status 2). */
export async function run(args: string[], host: CliHost): Promise<number> {
  const usage: (message: string) => never = (message) => host.usage(message);
  const { values } = host.parseArgs(args, {
    variant: { type: 'string' }, window: { type: 'string' },
    q: { type: 'string' }, k: { type: 'string' }, v: { type: 'string' },
    steps: { type: 'string' }, d: { type: 'string' }, heads: { type: 'string' }, workload: { type: 'string' }, seed: { type: 'string' }, 'logit-scale': { type: 'string' },
    set: { type: 'string', multiple: true },
    out: { type: 'string' }, 'out-window': { type: 'string' }, batch: { type: 'string' }, check: { type: 'boolean' }, json: { type: 'boolean' },
  });
  if (!values.variant) usage(`stream needs --variant (one of ${METHODS.join(', ')})`);
  const method = values.variant!;
  if (!isStreamMethod(method)) usage(`stream runs ${METHODS.join(', ')}; "${values.variant}" is not a streaming method${findVariant(method) ? ' (use run or bench for it)' : ''}`);
  const info = STREAM_METHODS[method];
  const variant = findVariant(method)!;
  if (!values.window) usage('stream needs --window N (the number of tokens each step attends to)');
  const nRaw = parseValue(runParams.find((s) => s.name === 'n')!, values.window!);
  if ('error' in nRaw) usage(`--window: ${nRaw.error.replace(/^n /, 'the window ')}`);
  const n = Number((nRaw as { value: number }).value);

  // the variant's own parameters, and the files its file-type parameters name
  const p: ParamValues = defaults(variant.params);
  for (const s of values.set ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) usage(`--set expects NAME=VALUE, got "${s}"`);
    const name = s.slice(0, eq);
    const spec = variant.params.find((x) => x.name === name) ?? usage(`${method} has no parameter "${name}"${variant.params.length ? ` (it has: ${variant.params.map((x) => x.name).join(', ')})` : ' (it has none)'}`);
    const r = parseValue(spec, s.slice(eq + 1));
    if ('error' in r) usage(`--set ${name}: ${r.error}`);
    p[name] = (r as { value: ParamValues[string] }).value;
  }
  const files = new Map<string, Uint8Array>();
  for (const spec of variant.params) {
    const path = spec.type === 'file' ? String(p[spec.name] ?? '') : '';
    if (path && !files.has(path)) files.set(path, host.readFile(path, `${spec.name} file (--set ${spec.name}=…)`));
  }

  // the stream: files, or a seeded workload
  let H: number, T: number, d: number, dv: number;
  let q: Float32Array, k: Float32Array, v: Float32Array;
  let v2d = true;
  const fromFiles = Boolean(values.q || values.k || values.v);
  if (fromFiles) {
    if (!values.q || !values.k || !values.v) usage('give all of --q, --k and --v (or --steps to generate a stream)');
    if (values.steps) usage('give either the stream files (--q/--k/--v) or --steps to generate one, not both');
    const tq = readTensor(host, values.q!, 'Q');
    const tk = readTensor(host, values.k!, 'K');
    const tv = readTensor(host, values.v!, 'V');
    if (tq.t.heads !== tk.t.heads || tq.t.n !== tk.t.n || tq.t.d !== tk.t.d) usage(`Q and K must have the same shape: Q is ${tq.npy.shape.join('×')}, K is ${tk.npy.shape.join('×')}`);
    if (tv.t.heads !== tq.t.heads || tv.t.n !== tq.t.n) usage(`V must have Q's heads and length: Q is ${tq.npy.shape.join('×')}, V is ${tv.npy.shape.join('×')}`);
    ({ heads: H, n: T, d } = tq.t);
    dv = tv.t.d;
    v2d = tv.npy.shape.length === 2;
    q = Float32Array.from(tq.t.data);
    k = Float32Array.from(tk.t.data);
    v = Float32Array.from(tv.t.data);
  } else {
    if (!values.steps || !values.d) usage('stream needs --q/--k/--v files, or --steps T and --d D to generate a seeded stream');
    const intOf = (raw: string | undefined, name: string, def: number, min: number, max: number) => {
      if (raw === undefined) return def;
      const x = Number(raw);
      if (!Number.isInteger(x) || x < min || x > max) usage(`--${name} must be an integer in ${min}…${max}, got ${raw}`);
      return x;
    };
    T = intOf(values.steps, 'steps', 0, 1, 10_000_000);
    d = intOf(values.d, 'd', 0, 1, 256);
    dv = d;
    H = intOf(values.heads, 'heads', 1, 1, 64);
    const workload = (values.workload ?? 'smooth') as WorkloadId;
    if (!WORKLOADS.includes(workload)) usage(`--workload must be one of ${WORKLOADS.join(', ')}, got ${values.workload}`);
    const seed = intOf(values.seed, 'seed', 1, 0, 2 ** 31 - 1);
    const ls = values['logit-scale'] === undefined ? 1 : Number(values['logit-scale']);
    if (!(ls > 0 && Number.isFinite(ls))) usage(`--logit-scale must be a positive number, got ${values['logit-scale']}`);
    const g = generateInputs({ workload, n: T, d, dv, heads: H, seed, logitScale: ls });
    q = Float32Array.from(g.q);
    k = Float32Array.from(g.k);
    v = Float32Array.from(g.v);
    v2d = H === 1;
  }
  if (T < n) usage(`the stream has ${T} tokens; a window of N = ${n} needs at least ${n}`);

  // the engine configuration (the baselines take only their m and iters)
  let landmarkSource = '';
  const shape = { n, d, dv, heads: H, causal: false };
  if (!info.baseline) {
    const problems = variant.validate(shape, p, files);
    if (problems.length) usage(problems.join('; '));
  }
  const cfg: StreamConfig = info.config(shape, p);
  if (info.usesFixedLandmarks(cfg)) {
    try {
      const lm = fixedLandmarks({ qland: String(p.qland), kland: String(p.kland), calib: resolveCalib(p, n), seed: Number(p.kseed), heads: H, m: Number(p.m), d, steps: T }, q, k, files);
      cfg.fixedLandmarks = { q: lm.q, k: lm.k };
      landmarkSource = lm.source;
    } catch (e) {
      usage((e as Error).message);
    }
  }
  const errs = validateStreamConfig(cfg);
  if (errs.length) usage(errs.join('; '));
  if (values['out-window'] && !info.retroactive(cfg)) {
    usage(`${info.outputName(cfg)} emits only the newest token's output: --out-window needs a retroactive method (core, conys with --set output=retroactive, or a baseline)`);
  }
  if (fromFiles && !values.out) usage('stream needs --out Y.npy for the outputs');
  const rows = T - n + 1;
  const windowFloats = values['out-window'] ? H * rows * n * dv : 0;
  if (windowFloats * 4 > 2 ** 31) usage(`--out-window would hold ${(windowFloats * 4 / 2 ** 30).toFixed(1)} GiB ((T−N+1)×N×dv = ${rows}×${n}×${dv}${H > 1 ? ` × ${H} heads` : ''}); stream fewer steps`);
  const batch = values.batch
    ? Number(values.batch)
    : Math.max(1, Math.min(256, windowFloats ? Math.floor(2 ** 24 / (H * n * dv)) : 256));
  if (!Number.isInteger(batch) || batch < 1 || batch > 4096) usage(`--batch must be an integer in 1…4096, got ${values.batch}`);

  const gpu = await host.gpu().get();
  const engine = await StreamEngine.create(gpu, cfg, { batch, keepWindows: Boolean(values['out-window']) });
  const outNew = new Float32Array(H * rows * dv);
  const outWin = values['out-window'] ? new Float32Array(windowFloats) : undefined;
  const t0 = performance.now();
  let lastReport = t0;
  let gpuMsFull = 0;
  let wallMsFull = 0;
  let stepsTimed = 0;
  const perBatch: number[] = [];
  try {
    for (let s0 = 0; s0 < T; s0 += batch) {
      const steps = Math.min(batch, T - s0);
      const cut = (a: Float32Array, w: number) => {
        const out = new Float32Array(H * steps * w);
        for (let h = 0; h < H; h++) out.set(a.subarray((h * T + s0) * w, (h * T + s0 + steps) * w), h * steps * w);
        return out;
      };
      const r = await engine.run({ q: cut(q, d), k: cut(k, d), v: cut(v, dv), steps }, { timed: true });
      for (let h = 0; h < H; h++) {
        for (let j = 0; j < steps; j++) {
          const t = s0 + j;
          if (t < n - 1) continue;
          outNew.set(r.newest.subarray((h * steps + j) * dv, (h * steps + j + 1) * dv), (h * rows + t - n + 1) * dv);
          if (outWin && r.windows) outWin.set(r.windows.subarray((h * steps + j) * n * dv, (h * steps + j + 1) * n * dv), ((h * rows + t - n + 1) * n) * dv);
        }
      }
      // time per step over the batches whose steps all have a full window
      if (s0 >= n - 1) {
        if (r.gpuMs !== undefined) {
          gpuMsFull += r.gpuMs;
          perBatch.push(r.gpuMs / steps);
        }
        wallMsFull += r.wallMs;
        stepsTimed += steps;
      }
      const now = performance.now();
      if (now - lastReport > 10_000) {
        lastReport = now;
        const done = s0 + steps;
        const el = (now - t0) / 1000;
        host.stderr(`step ${done}/${T} (${((100 * done) / T).toFixed(0)}%), elapsed ${el.toFixed(0)} s, ETA ${((el / done) * (T - done)).toFixed(0)} s\n`);
      }
    }
  } finally {
    engine.destroy();
  }
  if (values.out) host.writeFile(values.out, writeNpy(outNew, v2d ? [rows, dv] : [H, rows, dv]));
  if (values['out-window'] && outWin) host.writeFile(values['out-window'], writeNpy(outWin, v2d ? [rows, n, dv] : [H, rows, n, dv]));

  // the summary
  const opsShape = { n, d, m: cfg.m, output: cfg.output, landmarks: cfg.landmarks };
  const ops = opsPerStep(method, opsShape);
  const ratio = opsExact(n, d) / ops;
  const sorted = [...perBatch].sort((a, b) => a - b);
  const median = sorted.length ? sorted[sorted.length >> 1] : undefined;
  const summary: Record<string, unknown> = {
    variant: method,
    params: info.reportsParams ? Object.fromEntries(variant.params.map((s) => [s.name, p[s.name]])) : {},
    window: n, d, dv, heads: H, steps: T,
    ...(landmarkSource ? { landmarks: landmarkSource } : {}),
    opsPerStep: ops,
    opsRatioVsExact: ratio,
    gpuMsPerStepMean: stepsTimed && gpuMsFull ? gpuMsFull / stepsTimed : null,
    gpuMsPerStepMedianOfBatches: median ?? null,
    wallMsPerStep: stepsTimed ? wallMsFull / stepsTimed : null,
    timedSteps: stepsTimed,
    refreshes: engine.totals.refreshes,
    guardRecomputes: engine.totals.guardRecomputes,
    adapter: `${gpu.adapter.vendor} ${gpu.adapter.architecture} ${gpu.adapter.description}`.trim(),
    isFallbackAdapter: gpu.adapter.isFallback,
  };
  if (values.check) summary.check = check(info, cfg, { q, k, v, H, T, d, dv }, outNew);
  const err = summary.check as { maxAbs: number; relFro: number; against: string } | undefined;
  host.stderr(
    `${method}${info.reportsParams ? ` (${Object.entries(summary.params as object).filter(([, x]) => x !== '').map(([a, b]) => `${a}=${b}`).join(' ')})` : ''} window N=${n} d=${d} H=${H}, ${T} steps: ` +
      `${Math.round(ops).toLocaleString('en-US')} multiplications per step and head (${ratio >= 10 ? Math.round(ratio).toLocaleString('en-US') : fmt(ratio)}× fewer than exact recomputed)` +
      (summary.gpuMsPerStepMean ? `, ${fmt(summary.gpuMsPerStepMean as number)} ms per step on the GPU (mean over ${stepsTimed} steps, refreshes included)` : '') +
      (engine.totals.refreshes ? `, ${engine.totals.refreshes} refreshes` : '') +
      (engine.totals.guardRecomputes ? `, ${engine.totals.guardRecomputes} guard recomputations` : '') +
      (err ? `; newest outputs vs ${err.against}: max |Δ| ${fmt(err.maxAbs)}, rel. Frobenius ${fmt(err.relFro)}` : '') +
      (values.out ? ` → ${values.out}` : '') + (values['out-window'] ? `, ${values['out-window']}` : '') + '\n',
  );
  if (values.json) host.stdout(JSON.stringify(summary) + '\n');
  return 0;
}

/** Newest outputs against the float64 oracle of the method (exact attention, or Nyström with the same landmarks). */
function check(info: StreamMethodInfo, cfg: StreamConfig, x: { q: Float32Array; k: Float32Array; v: Float32Array; H: number; T: number; d: number; dv: number }, got: Float32Array) {
  const { n } = cfg;
  const { H, T, d, dv } = x;
  const rows = T - n + 1;
  let diffSq = 0;
  let refSq = 0;
  let maxAbs = 0;
  for (let h = 0; h < H; h++) {
    const s: Stream64 = {
      steps: T, d, dv,
      q: Float64Array.from(x.q.subarray(h * T * d, (h + 1) * T * d)),
      k: Float64Array.from(x.k.subarray(h * T * d, (h + 1) * T * d)),
      v: Float64Array.from(x.v.subarray(h * T * dv, (h + 1) * T * dv)),
    };
    const fixed = cfg.fixedLandmarks
      ? scaleLandmarks({ q: cfg.fixedLandmarks.q.subarray(h * cfg.m! * d, (h + 1) * cfg.m! * d), k: cfg.fixedLandmarks.k.subarray(h * cfg.m! * d, (h + 1) * cfg.m! * d) }, d)
      : undefined;
    for (let t = n - 1; t < T; t++) {
      const want = info.newest(s, t, cfg, fixed);
      for (let c = 0; c < dv; c++) {
        const g = got[(h * rows + t - n + 1) * dv + c];
        const e = Math.abs(g - want[c]);
        diffSq += e * e;
        refSq += want[c] * want[c];
        if (!(e <= maxAbs)) maxAbs = e;
      }
    }
  }
  return { maxAbs, relFro: Math.sqrt(diffSq / refSq), against: info.against };
}
