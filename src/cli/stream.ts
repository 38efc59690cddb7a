// `cli stream`: runs a streaming method over a whole stream, one token per step, on the GPU
// (src/stream/engine.ts), and writes the newest token's output of every step with a full window
// (and, for retroactive methods, the whole window per step). See HELP_STREAM.
import { parseArgs } from 'node:util';
import { findVariant } from '../attention/registry';
import { parseValue, defaults, type ParamValues } from '../params/schema';
import { runParams, WORKLOADS, type WorkloadId } from '../bench/run-params';
import { fail as usage, readTensor, writeNpyFile } from './common';
import { generateInputs } from '../workloads/generate';
import { nodeGpuHost } from '../gpu/node';
import { StreamEngine, validateStreamConfig, type StreamConfig } from '../attention/continual/engine';
import { opsExact, opsPerStep, type StreamMethod } from '../attention/continual/ops';
import { fixedLandmarks } from '../attention/continual/landmarks';
import { exactNewest, nystromWindow, continualLandmarksAt, scaleLandmarks, windowOf, type Stream64 } from '../attention/continual/reference';
import { nystromHead } from '../attention/nystrom/reference';
import { resolveCalib, streamConfigOf } from '../attention/continual/variants';

export const HELP_STREAM = `  stream --variant cosi|core|conys|exact|nystrom --window N
      (--q Q.npy --k K.npy --v V.npy | --steps T --d D [--heads H] [--workload W] [--seed S] [--logit-scale X])
      [--set NAME=VALUE]... [--out Y.npy] [--out-window W.npy] [--batch B] [--check] [--json]
      streams the tokens one per step through a window of N on the GPU: CoSi, CoRe, Continual
      Nyström (--set output=single|retroactive, landmarks=fixed|continual, m=…, refresh=…,
      qland=QL.npy kland=KL.npy …), or exact / Nyström recomputed at every step (baselines).
      Q/K/V are the whole stream (T×d or H×T×d). --out writes the newest token's output of
      every step t ≥ N−1 ((T−N+1)×dv); --out-window the whole window per step
      ((T−N+1)×N×dv; retroactive methods and the baselines). --check compares the newest
      outputs with float64 oracles; --json prints a summary line (time and operations per
      step) on stdout. Progress on stderr.`;

const METHODS: StreamMethod[] = ['cosi', 'core', 'conys', 'exact', 'nystrom'];

const fmt = (x: number, digits = 3) => Number(x.toPrecision(digits)).toString();

/** `stream`: usage errors are UsageError (main.ts reports them, exit status 2). */
export const cmdStream = (args: string[]): Promise<number> => stream(args);

async function stream(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      allowPositionals: false,
      strict: true,
      options: {
        variant: { type: 'string' }, window: { type: 'string' },
        q: { type: 'string' }, k: { type: 'string' }, v: { type: 'string' },
        steps: { type: 'string' }, d: { type: 'string' }, heads: { type: 'string' }, workload: { type: 'string' }, seed: { type: 'string' }, 'logit-scale': { type: 'string' },
        set: { type: 'string', multiple: true },
        out: { type: 'string' }, 'out-window': { type: 'string' }, batch: { type: 'string' }, check: { type: 'boolean' }, json: { type: 'boolean' },
      },
    }));
  } catch (e) {
    return usage((e as Error).message.replace(/\. To specify.*$/, ''));
  }
  if (!values.variant) usage(`stream needs --variant (one of ${METHODS.join(', ')})`);
  const method = values.variant as StreamMethod;
  if (!METHODS.includes(method)) usage(`stream runs ${METHODS.join(', ')}; "${values.variant}" is not a streaming method${findVariant(values.variant!) ? ' (use run or bench for it)' : ''}`);
  const variant = findVariant(method)!;
  if (!values.window) usage('stream needs --window N (the number of tokens each step attends to)');
  const nRaw = parseValue(runParams.find((s) => s.name === 'n')!, values.window!);
  if ('error' in nRaw) usage(`--window: ${nRaw.error.replace(/^n /, 'the window ')}`);
  const n = Number((nRaw as { value: number }).value);

  // the variant's own parameters
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

  // the stream: files, or a seeded workload
  let H: number, T: number, d: number, dv: number;
  let q: Float32Array, k: Float32Array, v: Float32Array;
  let v2d = true;
  const fromFiles = Boolean(values.q || values.k || values.v);
  if (fromFiles) {
    if (!values.q || !values.k || !values.v) usage('give all of --q, --k and --v (or --steps to generate a stream)');
    if (values.steps) usage('give either the stream files (--q/--k/--v) or --steps to generate one, not both');
    const tq = readTensor(values.q!, 'Q');
    const tk = readTensor(values.k!, 'K');
    const tv = readTensor(values.v!, 'V');
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

  // the engine configuration
  let cfg: StreamConfig;
  let landmarkSource = '';
  const shape = { n, d, dv, heads: H, causal: false };
  if (method === 'exact') cfg = { method, n, d, dv, heads: H };
  else if (method === 'nystrom') cfg = { method, n, d, dv, heads: H, m: Number(p.m), iters: Number(p.iters) };
  else {
    const problems = variant.validate(shape, p);
    if (problems.length) usage(problems.join('; '));
    cfg = streamConfigOf(method, shape, p);
    if (method === 'conys' && cfg.landmarks !== 'continual') {
      try {
        const lm = fixedLandmarks({ qland: String(p.qland), kland: String(p.kland), calib: resolveCalib(p, n), seed: Number(p.kseed), heads: H, m: Number(p.m), d, steps: T }, q, k);
        cfg.fixedLandmarks = { q: lm.q, k: lm.k };
        landmarkSource = lm.source;
      } catch (e) {
        usage((e as Error).message);
      }
    }
  }
  const errs = validateStreamConfig(cfg);
  if (errs.length) usage(errs.join('; '));
  const retro = method === 'core' || method === 'exact' || method === 'nystrom' || (method === 'conys' && cfg.output === 'retroactive');
  if (values['out-window'] && !retro) {
    usage(`${method === 'cosi' ? 'CoSi' : 'single-output Continual Nyström'} emits only the newest token's output: --out-window needs a retroactive method (core, conys with --set output=retroactive, or a baseline)`);
  }
  if (fromFiles && !values.out) usage('stream needs --out Y.npy for the outputs');
  const rows = T - n + 1;
  const windowFloats = values['out-window'] ? H * rows * n * dv : 0;
  if (windowFloats * 4 > 2 ** 31) usage(`--out-window would hold ${(windowFloats * 4 / 2 ** 30).toFixed(1)} GiB ((T−N+1)×N×dv = ${rows}×${n}×${dv}${H > 1 ? ` × ${H} heads` : ''}); stream fewer steps`);
  const batch = values.batch
    ? Number(values.batch)
    : Math.max(1, Math.min(256, windowFloats ? Math.floor(2 ** 24 / (H * n * dv)) : 256));
  if (!Number.isInteger(batch) || batch < 1 || batch > 4096) usage(`--batch must be an integer in 1…4096, got ${values.batch}`);

  const host = nodeGpuHost((msg) => process.stderr.write(`warning: ${msg}\n`));
  const gpu = await host.get();
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
        process.stderr.write(`step ${done}/${T} (${((100 * done) / T).toFixed(0)}%), elapsed ${el.toFixed(0)} s, ETA ${((el / done) * (T - done)).toFixed(0)} s\n`);
      }
    }
  } finally {
    engine.destroy();
  }
  if (values.out) writeNpyFile(values.out, outNew, v2d ? [rows, dv] : [H, rows, dv]);
  if (values['out-window'] && outWin) writeNpyFile(values['out-window'], outWin, v2d ? [rows, n, dv] : [H, rows, n, dv]);

  // the summary
  const opsShape = { n, d, m: cfg.m, output: cfg.output, landmarks: cfg.landmarks };
  const ops = opsPerStep(method, opsShape);
  const ratio = opsExact(n, d) / ops;
  const sorted = [...perBatch].sort((a, b) => a - b);
  const median = sorted.length ? sorted[sorted.length >> 1] : undefined;
  const summary: Record<string, unknown> = {
    variant: method,
    params: method === 'exact' ? {} : Object.fromEntries(variant.params.map((s) => [s.name, p[s.name]])),
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
  if (values.check) summary.check = check(method, cfg, { q, k, v, H, T, d, dv }, outNew);
  const err = summary.check as { maxAbs: number; relFro: number; against: string } | undefined;
  process.stderr.write(
    `${method}${method === 'exact' ? '' : ` (${Object.entries(summary.params as object).filter(([, x]) => x !== '').map(([a, b]) => `${a}=${b}`).join(' ')})`} window N=${n} d=${d} H=${H}, ${T} steps: ` +
      `${Math.round(ops).toLocaleString('en-US')} multiplications per step and head (${ratio >= 10 ? Math.round(ratio).toLocaleString('en-US') : fmt(ratio)}× fewer than exact recomputed)` +
      (summary.gpuMsPerStepMean ? `, ${fmt(summary.gpuMsPerStepMean as number)} ms per step on the GPU (mean over ${stepsTimed} steps, refreshes included)` : '') +
      (engine.totals.refreshes ? `, ${engine.totals.refreshes} refreshes` : '') +
      (engine.totals.guardRecomputes ? `, ${engine.totals.guardRecomputes} guard recomputations` : '') +
      (err ? `; newest outputs vs ${err.against}: max |Δ| ${fmt(err.maxAbs)}, rel. Frobenius ${fmt(err.relFro)}` : '') +
      (values.out ? ` → ${values.out}` : '') + (values['out-window'] ? `, ${values['out-window']}` : '') + '\n',
  );
  if (values.json) process.stdout.write(JSON.stringify(summary) + '\n');
  return 0;
}

/** Newest outputs against the float64 oracle of the method (exact attention, or Nyström with the same landmarks). */
function check(method: StreamMethod, cfg: StreamConfig, x: { q: Float32Array; k: Float32Array; v: Float32Array; H: number; T: number; d: number; dv: number }, got: Float32Array) {
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
      let want: Float64Array;
      if (method === 'cosi' || method === 'core' || method === 'exact') want = exactNewest(s, t, n);
      else {
        const m = cfg.m!;
        let w: Float64Array;
        if (method === 'nystrom') {
          const { start } = windowOf(t, n);
          w = nystromHead(s.q.subarray(start * d, (start + n) * d), s.k.subarray(start * d, (start + n) * d), s.v.subarray(start * dv, (start + n) * dv), n, d, dv, { m, iters: cfg.iters ?? 6 }).out;
        } else {
          w = nystromWindow(s, t, n, fixed ?? continualLandmarksAt(s, t, n, m)!, m, cfg.iters ?? 6);
        }
        want = w.subarray((n - 1) * dv);
      }
      for (let c = 0; c < dv; c++) {
        const g = got[(h * rows + t - n + 1) * dv + c];
        const e = Math.abs(g - want[c]);
        diffSq += e * e;
        refSq += want[c] * want[c];
        if (!(e <= maxAbs)) maxAbs = e;
      }
    }
  }
  const against = method === 'conys' ? 'batch Nyström with the same landmarks (f64)' : method === 'nystrom' ? 'batch Nyström (f64)' : 'exact window attention (f64)';
  return { maxAbs, relFro: Math.sqrt(diffSq / refSq), against };
}
