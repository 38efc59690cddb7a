// The stream panel (issue 3) of CoSi, CoRe and Continual Nyström, one per variant: plays a seeded stream
// (the page's workload, seed, logit scale, d, heads; window N = the page's N) one token per
// step through the selected method and the baselines that recompute over the window, on the GPU,
// and shows per step: the GPU time of each method, its multiplications (the papers' counts, log
// scale), and its error against exact window attention (float64 on the CPU) — the drift, with and
// without the float32 stabilization — with the "× fewer operations than recomputing" headline.
//
// Every method is its own StreamEngine on a device of this panel (opened on the first play);
// a frame runs `steps per frame` steps of every method, timed with timestamp queries.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Data, Layout } from 'plotly.js/lib/core';
import { browserGpuHost } from '../../gpu/browser';
import type { Gpu, GpuHost } from '../../gpu/gpu';
import { generateInputs } from '../../workloads/generate';
import type { WorkloadId } from '../../bench/run-params';
import { useConfig } from '../../state/use-config';
import { playgroundStore } from '../../state/store';
import { Figure, PALETTE, axis, baseLayout, formatMs, formatNumber, themeColors, useColorScheme, type VariantPanelProps } from '../../ui/kit';
import type { StreamConfig } from './config';
import type { StreamEngine } from './ring';
import { opsExact, opsPerStep, type StreamMethod } from './ops';
import { exactNewest, exactWindow, type Stream64 } from './reference';
import { fixedLandmarks } from './landmarks';
import { STREAM_METHODS, streamMethod, type StreamMethodInfo } from './methods';
import { resolveCalib } from './params';

/** The panel's own device, opened on the first play (as the CAST fitting does). */
let streamHost: GpuHost | undefined;

interface Track {
  key: string;
  label: string;
  /** short name for the status line */
  name: string;
  method: StreamMethod;
  cfg: StreamConfig;
  /** paper's multiplications per step and head */
  ops: number;
  color: string;
  dash?: 'dot' | 'dash';
  retro: boolean;
}

interface Series {
  /** step of each batch's last step, and GPU ms per step of that batch */
  timeT: number[];
  timeMs: number[];
  /** per step: max |Δ| of the newest output against exact window attention */
  errT: number[];
  err: number[];
  /** retroactive methods: max |Δ| over the whole window at each batch's last step */
  winT: number[];
  winErr: number[];
  refreshes: number;
  guard: number;
}

const emptySeries = (): Series => ({ timeT: [], timeMs: [], errT: [], err: [], winT: [], winErr: [], refreshes: 0, guard: 0 });
const MAX_POINTS = 20_000;

interface Setup {
  key: string;
  tracks: Track[];
  steps: number;
  /** one head's streams (head 0 is the one plotted) */
  heads: Stream64[];
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  H: number;
  n: number;
  d: number;
  params: Record<string, unknown>;
}

type Phase = { kind: 'idle' } | { kind: 'playing' } | { kind: 'stepping' } | { kind: 'error'; message: string };

function push(a: number[], x: number) {
  a.push(x);
  if (a.length > MAX_POINTS) a.splice(0, a.length - MAX_POINTS);
}

export default function StreamPanel({ variantId }: VariantPanelProps) {
  // with the page's files, so a picked landmark file counts here as in the run
  const config = useConfig();
  const scheme = useColorScheme();
  const [lengthText, setLengthText] = useState('2000');
  const [perFrameText, setPerFrameText] = useState('8');
  const [baselines, setBaselines] = useState(true);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [t, setT] = useState(0);
  const [series, setSeries] = useState<Record<string, Series>>({});
  const engines = useRef<{ setupKey: string; list: StreamEngine[]; gpu: Gpu } | undefined>(undefined);
  const playing = useRef(false);
  const tRef = useRef(0);
  const seriesRef = useRef<Record<string, Series>>({});

  const length = Number(lengthText);
  const perFrame = Number(perFrameText);
  const spec = config.spec;
  const n = Number(config.run.n);
  const problem =
    !spec ? 'Fix the settings above first: the stream uses the page’s N (the window), d, heads, workload, seed and logit scale.'
    : !(Number.isInteger(length) && length >= n && length <= 1_000_000) ? `The stream length must be an integer from N = ${n} to 1 000 000.`
    : !(Number.isInteger(perFrame) && perFrame >= 1 && perFrame <= 256) ? 'Steps per frame must be an integer from 1 to 256.'
    : String(config.run.workload) === 'file' ? 'The stream panel plays seeded workloads; unload the files to use it.'
    : undefined;

  // what to play: the method as configured, the same without stabilization, and the baselines
  const setup = useMemo((): Setup | undefined => {
    if (problem || !spec) return undefined;
    const run = spec.run;
    const d = Number(run.d);
    const H = Number(run.heads);
    const shape = { n, d, dv: d, heads: H, causal: false };
    const info = streamMethod(variantId);
    const p = spec.params ?? {};
    const main = info.config(shape, p);
    const m = main.m ?? Math.min(8, n);
    const track = (key: string, i: StreamMethodInfo, cfg: StreamConfig, label: string, color: string, retro: boolean, dash?: 'dot'): Track => ({
      key, name: i.name, label, method: i.id, cfg, ops: opsPerStep(i.id, { n, d, m: cfg.m, output: cfg.output, landmarks: cfg.landmarks }), color, dash, retro,
    });
    const label = info.label(main);
    const retro = info.retroactive(main);
    const tracks: Track[] = [
      track('main', info, main, info.stabilized ? `${label}, refresh ${main.refresh === 0 ? 'never' : `every ${main.refresh}`}${main.guard ? ' + guard' : ''}` : label, PALETTE[0], retro),
    ];
    if (info.stabilized && (main.refresh !== 0 || main.guard)) {
      tracks.push({ ...track('raw', info, { ...main, refresh: 0, guard: false }, `${label}, no refresh, no guard`, PALETTE[2], retro, 'dot'), name: 'unstabilized' });
    }
    if (baselines) {
      const exact = STREAM_METHODS.exact;
      const nystrom = STREAM_METHODS.nystrom;
      tracks.push(track('exact', exact, exact.config(shape, {}), exact.label(exact.config(shape, {})), PALETTE[1], false));
      const nysCfg = nystrom.config(shape, { m, iters: p.iters ?? 6 });
      tracks.push(track('nystrom', nystrom, nysCfg, nystrom.label(nysCfg), PALETTE[4], false));
    }
    const g = generateInputs({ workload: String(run.workload) as WorkloadId, n: length, d, dv: d, heads: H, seed: Number(run.seed), logitScale: Number(run.logitScale) });
    const q = Float32Array.from(g.q);
    const k = Float32Array.from(g.k);
    const v = Float32Array.from(g.v);
    const heads = Array.from({ length: H }, (_, h) => ({
      steps: length, d, dv: d,
      q: Float64Array.from(q.subarray(h * length * d, (h + 1) * length * d)),
      k: Float64Array.from(k.subarray(h * length * d, (h + 1) * length * d)),
      v: Float64Array.from(v.subarray(h * length * d, (h + 1) * length * d)),
    }));
    return { key: `${config.key}|${length}|${baselines}`, tracks, steps: length, heads, q, k, v, H, n, d, params: p };
  }, [problem, spec, config.key, length, baselines, variantId, n]);

  const reset = () => {
    playing.current = false;
    engines.current?.list.forEach((e) => e.destroy());
    engines.current = undefined;
    tRef.current = 0;
    seriesRef.current = {};
    setT(0);
    setSeries({});
  };
  // a new configuration starts a new stream
  useEffect(() => {
    reset();
    setPhase({ kind: 'idle' });
  }, [setup?.key]);
  // leaving the panel stops the stream and frees its buffers
  useEffect(() => () => reset(), []);

  const ensureEngines = async (s: Setup): Promise<StreamEngine[]> => {
    if (engines.current?.setupKey === s.key) return engines.current.list;
    streamHost ??= browserGpuHost((msg) => playgroundStore().getState().addNotice(msg));
    const gpu = await streamHost.get();
    const { StreamEngine } = await import('./ring');
    const list: StreamEngine[] = [];
    for (const tr of s.tracks) {
      const cfg = { ...tr.cfg };
      if (STREAM_METHODS[cfg.method].usesFixedLandmarks(cfg)) {
        // k-means of the stream's first tokens (the page's stream, not the user's landmark files)
        const p = s.params as Record<string, string | number | boolean>;
        const lm = fixedLandmarks({ calib: resolveCalib(p, s.n), seed: Number(p.kseed ?? 1), heads: s.H, m: cfg.m!, d: s.d, steps: s.steps }, s.q, s.k);
        cfg.fixedLandmarks = { q: lm.q, k: lm.k };
      }
      list.push(await StreamEngine.create(gpu, cfg, { batch: 256, keepWindows: tr.retro }));
    }
    engines.current = { setupKey: s.key, list, gpu };
    return list;
  };

  /** Runs `count` steps of every method and records time, error and counters. */
  const advance = async (s: Setup, count: number) => {
    const list = await ensureEngines(s);
    const t0 = tRef.current;
    const steps = Math.min(count, s.steps - t0);
    if (steps <= 0) return false;
    const { H, d, n } = s;
    const cut = (a: Float32Array) => {
      const out = new Float32Array(H * steps * d);
      for (let h = 0; h < H; h++) out.set(a.subarray((h * s.steps + t0) * d, (h * s.steps + t0 + steps) * d), h * steps * d);
      return out;
    };
    const tok = { q: cut(s.q), k: cut(s.k), v: cut(s.v), steps };
    const refs = Array.from({ length: steps }, (_, j) => exactNewest(s.heads[0], t0 + j, n));
    const lastT = t0 + steps - 1;
    const lastWindow = s.tracks.some((tr) => tr.retro) ? exactWindow(s.heads[0], lastT, n) : undefined;
    for (let i = 0; i < list.length; i++) {
      const tr = s.tracks[i];
      const r = await list[i].run(tok, { timed: true });
      const se = (seriesRef.current[tr.key] ??= emptySeries());
      if (r.gpuMs !== undefined && lastT >= n - 1) {
        push(se.timeT, lastT);
        push(se.timeMs, r.gpuMs / steps);
      }
      for (let j = 0; j < steps; j++) {
        const t = t0 + j;
        if (t < list[i].firstValidStep) continue;
        let e = 0;
        for (let c = 0; c < d; c++) {
          const x = Math.abs(r.newest[j * d + c] - refs[j][c]);
          e = Number.isFinite(x) ? Math.max(e, x) : Infinity;
        }
        push(se.errT, t);
        push(se.err, e);
      }
      if (tr.retro && r.windows && lastWindow && lastT >= n - 1) {
        const w = r.windows.subarray((steps - 1) * n * d, steps * n * d);
        let e = 0;
        for (let x = 0; x < n * d; x++) {
          const diff = Math.abs(w[x] - lastWindow[x]);
          e = Number.isFinite(diff) ? Math.max(e, diff) : Infinity;
        }
        push(se.winT, lastT);
        push(se.winErr, e);
      }
      se.refreshes += r.refreshes;
      se.guard += r.guardRecomputes;
    }
    tRef.current = t0 + steps;
    setT(tRef.current);
    setSeries({ ...seriesRef.current });
    return tRef.current < s.steps;
  };

  const play = async () => {
    if (!setup || playing.current) return;
    playing.current = true;
    setPhase({ kind: 'playing' });
    try {
      while (playing.current) {
        const more = await advance(setup, perFrame);
        if (!more) break;
        await new Promise((r) => requestAnimationFrame(() => r(undefined)));
      }
      setPhase({ kind: 'idle' });
    } catch (e) {
      setPhase({ kind: 'error', message: (e as Error)?.message ?? String(e) });
    } finally {
      playing.current = false;
    }
  };
  const step = async () => {
    if (!setup || playing.current) return;
    setPhase({ kind: 'stepping' });
    try {
      await advance(setup, 1);
      setPhase({ kind: 'idle' });
    } catch (e) {
      setPhase({ kind: 'error', message: (e as Error)?.message ?? String(e) });
    }
  };

  const theme = useMemo(() => themeColors(), [scheme]);
  const figures = useMemo(() => {
    if (!setup) return undefined;
    const line = (tr: Track, x: number[], y: number[], name: string, extra: Partial<Data> = {}): Data => ({
      type: 'scatter', mode: 'lines', x, y, name, line: { color: tr.color, width: 1.5, dash: tr.dash }, ...extra,
    } as Data);
    const time: Data[] = [];
    const err: Data[] = [];
    for (const tr of setup.tracks) {
      const s = series[tr.key];
      if (!s) continue;
      // copies: Plotly.react redraws only data whose arrays are new objects
      time.push(line(tr, s.timeT.slice(), s.timeMs.slice(), tr.label));
      err.push(line(tr, s.errT.slice(), s.err.map((x) => Math.max(x, 1e-9)), `${tr.label}: newest row`));
      if (tr.retro && s.winT.length) err.push(line(tr, s.winT.slice(), s.winErr.map((x) => Math.max(x, 1e-9)), `${tr.label}: whole window`, { mode: 'lines+markers', marker: { size: 4 }, line: { color: tr.color, width: 1, dash: 'dash' } } as Partial<Data>));
    }
    const ops: Data[] = [{
      type: 'bar', orientation: 'h',
      y: setup.tracks.map((tr) => tr.label), x: setup.tracks.map((tr) => tr.ops),
      marker: { color: setup.tracks.map((tr) => tr.color) },
      text: setup.tracks.map((tr) => Math.round(tr.ops).toLocaleString('en-US')), textposition: 'auto',
      hovertemplate: '%{y}: %{x:,.0f} multiplications per step<extra></extra>',
    } as Data];
    const lay = (h: number, x: string, y: string, logY = true, logX = false): Partial<Layout> => ({
      ...baseLayout(theme, h), xaxis: axis(theme, x, logX), yaxis: axis(theme, y, logY),
    } as Partial<Layout>);
    return {
      time: { data: time, layout: lay(260, 'step', 'GPU time per step (ms)') },
      err: { data: err, layout: lay(300, 'step', 'max |Δ| vs exact') },
      ops: { data: ops, layout: { ...lay(60 + 34 * setup.tracks.length, 'multiplications per step and head (papers’ counts)', '', false, true), yaxis: { automargin: true, color: theme.muted }, showlegend: false, margin: { l: 10, r: 16, t: 10, b: 44 } } as Partial<Layout> },
    };
  }, [setup, series, theme]);

  const main = setup?.tracks[0];
  const exactOps = setup ? opsExact(setup.n, setup.d) : 0;
  const median = (a: number[] | undefined) => {
    if (!a?.length) return undefined;
    const s = [...a].sort((x, y) => x - y);
    return s[s.length >> 1];
  };
  const mainMs = median(series.main?.timeMs);
  const exactMs = median(series.exact?.timeMs);
  const busy = phase.kind === 'playing' || phase.kind === 'stepping';
  const done = setup !== undefined && t >= setup.steps;

  return (
    <div data-testid="stream-panel">
      {main && (
        <p className="panel-note" style={{ fontSize: 15, color: 'var(--fg)' }} data-testid="stream-headline">
          <strong>{formatNumber(exactOps / main.ops)}× fewer operations</strong> than recomputing exact attention over the window at every step
          {' '}({Math.round(main.ops).toLocaleString('en-US')} vs {exactOps.toLocaleString('en-US')} multiplications per step and head, N = {setup!.n}, d = {setup!.d}
          {main.cfg.m ? `, m = ${main.cfg.m}` : ''})
          {mainMs !== undefined && exactMs !== undefined && (
            <>
              . Measured GPU time per step here: {formatMs(mainMs)} vs {formatMs(exactMs)} for exact recomputed (medians, ratio {formatNumber(exactMs / mainMs)}×
              {exactMs / mainMs < 10 ? '; at a small window the fixed cost of a step’s dispatches dominates, so the measured ratio stays far below the operation ratio' : ''}).
            </>
          )}
        </p>
      )}
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: '0 18px', alignItems: 'flex-end' }}>
        <div className="field">
          <label htmlFor="stream-length">Stream length (tokens)</label>
          <input id="stream-length" className="field-number" type="number" min={1} value={lengthText} disabled={busy} onChange={(e) => setLengthText(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="stream-per-frame">Steps per frame</label>
          <input id="stream-per-frame" className="field-number" type="number" min={1} max={256} value={perFrameText} disabled={busy} onChange={(e) => setPerFrameText(e.target.value)} />
        </div>
        <div className="field field-bool">
          <div className="field-row">
            <input id="stream-baselines" type="checkbox" checked={baselines} disabled={busy} onChange={(e) => setBaselines(e.target.checked)} />
            <label htmlFor="stream-baselines">Baselines (exact and Nyström recomputed every step)</label>
          </div>
        </div>
        <div className="field field-row">
          {phase.kind === 'playing' ? (
            <button type="button" onClick={() => (playing.current = false)}>Pause</button>
          ) : (
            <button type="button" className="primary" disabled={!setup || done || busy} onClick={() => void play()}>Play</button>
          )}
          <button type="button" disabled={!setup || done || busy} onClick={() => void step()}>Step</button>
          <button type="button" disabled={busy || t === 0} onClick={() => { reset(); setPhase({ kind: 'idle' }); }}>Reset</button>
        </div>
      </div>
      {problem && <p className="field-help">{problem}</p>}
      <p className="panel-note" role="status" data-testid="stream-status">
        {setup && `Step ${t} of ${setup.steps}${t < setup.n ? ` (the window fills at step ${setup.n - 1})` : ''}.`}
        {setup && series.main && main && STREAM_METHODS[main.method].stabilized && ` ${main.name}: ${series.main.refreshes} refreshes, ${series.main.guard} guard recomputations so far.`}
        {phase.kind === 'error' && ` Stopped: ${phase.message}`}
      </p>
      {figures && t > 0 && (
        <>
          <Figure data={figures.ops.data} layout={figures.ops.layout} title="Multiplications per step of each method (log scale)" fileName="stream-operations" />
          <Figure data={figures.time.data} layout={figures.time.layout} title="GPU time per step of each method" fileName="stream-time" />
          <Figure data={figures.err.data} layout={figures.err.layout} title="Error against exact window attention over the steps" fileName="stream-error">
            <p className="panel-note">
              The error of the newest token’s output at every step, against exact attention over the window computed in float64 (head 0); for retroactive methods
              also the largest error over the whole window at the end of every frame. Continual Nyström’s error includes the Nyström approximation itself; the
              dotted line without refresh or guard shows the float32 drift of the running sums.
            </p>
          </Figure>
        </>
      )}
    </div>
  );
}
