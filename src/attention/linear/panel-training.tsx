// The linear variant's training panel (issue 4): distil Hedgehog or the feed-forward kernel
// against exact softmax attention in the browser, on the GPU (./train), with a live loss curve
// and the held-out error; stop and resume (the trainer keeps its parameters and Adam moments);
// use the weights in the view (their JSON goes into the page's files, named by the weights
// parameter, with weightsFrom = session), save them as JSON (for the CLI: --set
// weights=FILE.json) or load a JSON file.
import { useEffect, useMemo, useRef, useState } from 'react';
import { browserGpuHost } from '../../gpu/browser';
import type { Gpu, GpuHost } from '../../gpu/gpu';
import { WORKLOADS } from '../../bench/run-params';
import { useConfig } from '../../state/use-config';
import { playgroundStore, usePlayground } from '../../state/store';
import { fileNamesInUse, nameForPick } from '../../state/param-files';
import { baseLayout, downloadBlob, formatNumber, themeColors, useColorScheme, usePlotly } from '../../ui/kit';
import type { VariantPanelProps } from '../types';
import { archOf, linearParams, resolveKernel } from './params';
import { archLabel, parseWeights, weightsToJson, type TrainableWeights } from './weights';
import { isTrainable, type TrainableArch } from './kernels';
import { DEFAULT_TRAIN, checkTrainConfig, type TrainConfig, type TrainWorkload } from './train/config';
import { Trainer, type EvalResult, type StepResult } from './train/trainer';

/** Training runs on a device of its own (opened on the first start), so runs of the view never wait for it. */
let trainHost: GpuHost | undefined;

/** The session's trainer survives the panel being hidden (switching variants) so training can resume. */
interface Session {
  trainer: Trainer;
  gpu: Gpu;
  key: string;
  steps: StepResult[];
  evals: EvalResult[];
}
let session: Session | undefined;

type Phase = { kind: 'idle' } | { kind: 'starting' } | { kind: 'running'; ctl: AbortController; t0: number; step0: number } | { kind: 'paused' } | { kind: 'failed'; message: string };

const download = (name: string, text: string) => downloadBlob(name, new Blob([text], { type: 'application/json' }));

/** The file name of weights for `a` (what Save downloads). */
const weightsFileName = (a: TrainableArch) => `${a.kernel}-d${a.d}${a.kernel === 'ffk' ? `-f${a.features}-l${a.layers}` : ''}.json`;

/**
 * Makes the view use weights JSON `bytes`: kept in the page's files under `name` (renamed if
 * another parameter holds a different file of that name), named by the weights parameter,
 * with weightsFrom = session. New bytes are a new configuration, so the view re-runs.
 */
function showSessionWeights(name: string, bytes: Uint8Array): string {
  const s = playgroundStore().getState();
  const keep = nameForPick(s.files, name, bytes, fileNamesInUse(s.paramRaw, { variantId: s.variantId, name: 'weights' }));
  s.setFile(keep, bytes);
  // weightsFrom first: until the name follows, the configuration is invalid rather than another run
  s.setParamValue('weightsFrom', 'session');
  s.setParamValue('weights', keep);
  return keep;
}

const archKey = (a: TrainableArch, c: TrainConfig) => JSON.stringify([a, c.loss, c.n, c.batch, c.workload, c.logitScale, c.causal, c.seed, c.initSeed]);

export default function LinearTrainingPanel(_props: VariantPanelProps) {
  const files = usePlayground((s) => s.files);
  const config = useConfig();
  const [loss, setLoss] = useState<'ce' | 'mse'>('ce');
  const [lr, setLr] = useState('0.005');
  const [steps, setSteps] = useState('200');
  const [n, setN] = useState('128');
  const [batch, setBatch] = useState('4');
  const [workload, setWorkload] = useState<TrainWorkload>('mixed');
  const [startFrom, setStartFrom] = useState<'view' | 'init'>('view');
  const [phase, setPhase] = useState<Phase>(() => (session ? { kind: 'paused' } : { kind: 'idle' }));
  const [, setTick] = useState(0);
  const [message, setMessage] = useState<string>();
  const plotRef = useRef<HTMLDivElement>(null);
  const { plotly } = usePlotly();
  const scheme = useColorScheme();

  let lp;
  try {
    lp = linearParams(config.params);
  } catch {
    lp = undefined;
  }
  const d = Number(config.run.d);
  const arch = lp && Number.isInteger(d) ? archOf(lp, d) : undefined;
  // the weights the view uses when they come from this session (the page's files)
  const sessionName = lp?.weightsFrom === 'session' ? lp.weights : '';
  const sessionBytes = sessionName ? files.get(sessionName) : undefined;
  const sessionW = useMemo(() => {
    if (!sessionBytes) return undefined;
    try {
      return parseWeights(new TextDecoder().decode(sessionBytes), sessionName);
    } catch {
      return undefined;
    }
  }, [sessionBytes, sessionName]);

  const trainConfig: TrainConfig | undefined = arch && {
    ...DEFAULT_TRAIN,
    kernel: arch.kernel,
    d: arch.d,
    features: arch.features,
    layers: arch.layers,
    loss,
    lr: Number(lr),
    steps: Number(steps),
    n: Number(n),
    batch: Number(batch),
    workload,
    logitScale: Number(config.run.logitScale ?? 1),
    causal: Boolean(config.run.causal),
    seed: Number(config.run.seed ?? 1),
    initSeed: lp?.kseed ?? 0,
    evalEvery: 10,
    evalBatches: 1,
  };
  const problems = !arch ? [] : checkTrainConfig(trainConfig!);
  const key = arch && trainConfig ? archKey(arch, trainConfig) : '';
  const matches = session && session.key === key;

  const start = async (resume: boolean) => {
    if (!arch || !trainConfig || problems.length) return;
    setMessage(undefined);
    setPhase({ kind: 'starting' });
    try {
      trainHost ??= browserGpuHost((m) => playgroundStore().getState().addNotice(m));
      if (!resume || !session || session.key !== key) {
        session?.trainer.destroy();
        const gpu = await trainHost.get();
        let init: TrainableWeights | undefined;
        if (startFrom === 'view') {
          const spec = await resolveKernel(config.params, d, files);
          init = { arch: spec.arch!, params: spec.params! };
        }
        const trainer = await gpu.scoped('trainer setup', () => Trainer.create(gpu, trainConfig, init));
        session = { trainer, gpu, key, steps: [], evals: [] };
      }
      const s = session;
      const ctl = new AbortController();
      setPhase({ kind: 'running', ctl, t0: performance.now(), step0: s.trainer.step });
      // resume: on to the step count, or that many more once it is reached
      const until = resume && s.trainer.step >= trainConfig.steps ? s.trainer.step + trainConfig.steps : trainConfig.steps;
      let last = 0;
      await s.gpu.scoped('training', () =>
        s.trainer.run({
          until,
          signal: ctl.signal,
          onStep: (r) => {
            s.steps.push(r);
            const now = performance.now();
            if (now - last > 250) {
              last = now;
              setTick((t) => t + 1);
            }
          },
          onEval: (e) => {
            s.evals.push(e);
            setTick((t) => t + 1);
          },
        }),
      );
      setPhase({ kind: 'paused' });
      if (!ctl.signal.aborted) setMessage(`Trained ${s.trainer.step} steps. Use the weights in the view, or save them.`);
    } catch (e) {
      setPhase({ kind: 'failed', message: (e as Error).message });
    }
  };

  const showInView = async () => {
    if (!session) return;
    const w = await session.trainer.weights({ command: 'browser training panel', date: new Date().toISOString().slice(0, 10) });
    showSessionWeights(weightsFileName(w.arch), new TextEncoder().encode(weightsToJson(w)));
    setMessage(`The view now uses the trained weights (step ${session.trainer.step}).`);
  };

  const save = async () => {
    if (!session) return;
    const w = await session.trainer.weights({ command: 'browser training panel', date: new Date().toISOString().slice(0, 10) });
    download(weightsFileName(w.arch), weightsToJson(w));
  };

  const load = async (file: File | undefined) => {
    if (!file || !arch) return;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const w = parseWeights(new TextDecoder().decode(bytes), file.name);
      if (w.arch.kernel !== arch.kernel) throw new Error(`${file.name} holds ${w.arch.kernel} weights; the kernel is ${arch.kernel}`);
      if (w.arch.d !== arch.d) throw new Error(`${file.name} was made for d = ${w.arch.d}; set d = ${w.arch.d} first`);
      const s = playgroundStore().getState();
      if (w.arch.kernel === 'ffk') {
        s.setParamValue('features', String(w.arch.features));
        s.setParamValue('layers', String(w.arch.layers));
      }
      showSessionWeights(file.name, bytes);
      setMessage(`Loaded ${file.name} (${archLabel(w.arch)}); the view uses it.`);
    } catch (e) {
      setMessage((e as Error).message);
    }
  };

  // loss curve: training batches (line) and held-out evaluations (markers), held-out error on a second axis
  const figure = useMemo(() => {
    if (!session || !matches || session.steps.length + session.evals.length === 0) return undefined;
    const theme = themeColors();
    const s = session;
    return {
      data: [
        { type: 'scatter' as const, mode: 'lines' as const, name: 'batch loss', x: s.steps.map((r) => r.step), y: s.steps.map((r) => r.loss), line: { width: 1.5 } },
        { type: 'scatter' as const, mode: 'lines+markers' as const, name: 'held-out loss', x: s.evals.map((e) => e.step), y: s.evals.map((e) => e.loss), marker: { size: 6 } },
        { type: 'scatter' as const, mode: 'lines+markers' as const, name: 'held-out rel. error', x: s.evals.map((e) => e.step), y: s.evals.map((e) => e.relErr), yaxis: 'y2', marker: { size: 6, symbol: 'diamond' as const }, line: { dash: 'dot' as const } },
      ],
      layout: {
        ...baseLayout(theme, 260),
        margin: { l: 60, r: 60, t: 10, b: 40 },
        xaxis: { title: { text: 'step' }, gridcolor: theme.grid },
        yaxis: { title: { text: loss === 'ce' ? 'cross-entropy' : 'output MSE' }, gridcolor: theme.grid },
        yaxis2: { title: { text: 'held-out ‖Ô−O‖/‖O‖' }, overlaying: 'y' as const, side: 'right' as const, rangemode: 'tozero' as const },
        legend: { orientation: 'h' as const, y: 1.15 },
      },
    };
    // the tick and scheme are dependencies: the session arrays grow in place, the theme is read from CSS
  }, [session?.steps.length, session?.evals.length, matches, scheme, loss]);

  useEffect(() => {
    const el = plotRef.current;
    if (!plotly || !el) return;
    if (figure) void plotly.react(el, figure.data, figure.layout, { responsive: true, displaylogo: false });
    else plotly.purge(el);
  }, [plotly, figure]);

  if (!lp || !isTrainable(lp.kernel) || !arch) {
    return (
      <div data-testid="linear-training">
        <p className="panel-note">Training applies to the trainable kernels: choose kernel Hedgehog or the feed-forward kernel (ffk).</p>
      </div>
    );
  }

  const running = phase.kind === 'running' || phase.kind === 'starting';
  const s = matches ? session : undefined;
  const lastEval = s?.evals.at(-1);
  const firstEval = s?.evals[0];
  const rate = phase.kind === 'running' && s && s.trainer.step > phase.step0 ? (performance.now() - phase.t0) / 1000 / (s.trainer.step - phase.step0) : undefined;
  const field = (id: string, label: string, value: string, set: (v: string) => void, extra: Record<string, unknown> = {}) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} className="field-number" type="number" value={value} disabled={running} onChange={(e) => set(e.target.value)} {...extra} />
    </div>
  );
  return (
    <div data-testid="linear-training">
      <p className="panel-note">
        Distil {archLabel(arch)} against exact softmax attention: each step draws a fresh seeded batch of {batch} sequences of {n} tokens, measures the {loss === 'ce' ? 'soft-label cross-entropy between the exact map A and the implied map Â' : 'MSE between Â·V and the exact output'}, and takes an Adam step — forward and backward passes on the GPU. The held-out error is measured on batches from a separate seed stream.
        {sessionW && ` Session weights: ${archLabel(sessionW.arch)}${sessionW.training?.steps ? `, ${String(sessionW.training.steps)} steps` : ''}.`}
      </p>
      <fieldset style={{ border: 0, padding: 0, margin: '8px 0' }}>
        <legend>Training</legend>
        <div className="field">
          <label htmlFor="lt-loss">Loss</label>
          <select id="lt-loss" value={loss} disabled={running} onChange={(e) => setLoss(e.target.value as 'ce' | 'mse')}>
            <option value="ce">Soft-label cross-entropy (A vs Â)</option>
            <option value="mse">Output MSE (Â·V vs softmax(QKᵀ/√d)·V)</option>
          </select>
        </div>
        {field('lt-lr', 'Learning rate (Adam)', lr, setLr, { step: 'any', min: 0 })}
        {field('lt-steps', 'Steps', steps, setSteps, { min: 1 })}
        {field('lt-n', 'Tokens per sequence', n, setN, { min: 8, max: 1024 })}
        {field('lt-batch', 'Sequences per batch', batch, setBatch, { min: 1, max: 16 })}
        <div className="field">
          <label htmlFor="lt-workload">Batches from</label>
          <select id="lt-workload" value={workload} disabled={running} onChange={(e) => setWorkload(e.target.value as TrainWorkload)}>
            <option value="mixed">every workload in turn</option>
            {WORKLOADS.map((w) => (
              <option key={w} value={w}>
                {w}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="lt-from">Start from</label>
          <select id="lt-from" value={startFrom} disabled={running} onChange={(e) => setStartFrom(e.target.value as 'view' | 'init')}>
            <option value="view">the view's weights ({lp.weightsFrom})</option>
            <option value="init">the untrained initialization</option>
          </select>
        </div>
        <p className="field-help">
          d = {arch.d}, logit scale, causal mask and seed come from the problem settings; {arch.kernel === 'ffk' ? 'features and blocks from the kernel settings. ' : ''}
          Cost per step grows like sequences × tokens²: a software adapter needs seconds per step.
        </p>
        {problems.length > 0 && <p className="field-error" role="alert">{problems.join('; ')}</p>}
        <div className="button-row">
          {running ? (
            <button type="button" onClick={() => phase.kind === 'running' && phase.ctl.abort()}>
              Stop
            </button>
          ) : (
            <>
              <button type="button" className="primary" disabled={problems.length > 0} onClick={() => void start(false)}>
                {s ? 'Restart' : 'Train'}
              </button>
              {s && (
                <button type="button" disabled={problems.length > 0} onClick={() => void start(true)}>
                  Resume
                </button>
              )}
            </>
          )}
          <button type="button" disabled={!s || running} onClick={() => void showInView()}>
            Use in the view
          </button>
          <button type="button" disabled={!s || running} onClick={() => void save()}>
            Save weights (JSON)
          </button>
          <label className="button-like">
            Load weights (JSON){' '}
            <input type="file" accept=".json,application/json" disabled={running} onChange={(e) => void load(e.target.files?.[0])} />
          </label>
        </div>
        <p className="panel-note" role="status" data-testid="linear-training-status">
          {phase.kind === 'starting' && 'Compiling the training kernels…'}
          {phase.kind === 'running' && s && `Step ${s.trainer.step}${rate ? ` (${rate.toFixed(2)} s per step)` : ''}${s.steps.length ? `, batch loss ${formatNumber(s.steps.at(-1)!.loss)}` : ''}…`}
          {lastEval && firstEval && ` Held-out relative error ${formatNumber(firstEval.relErr)} → ${formatNumber(lastEval.relErr)} (loss ${formatNumber(firstEval.loss)} → ${formatNumber(lastEval.loss)}).`}
          {phase.kind === 'failed' && ` Training stopped: ${phase.message}`}
          {message && ` ${message}`}
        </p>
      </fieldset>
      <div ref={plotRef} className="map-plot-area" hidden={!figure || !plotly} aria-label="Training loss curve and held-out error" />
    </div>
  );
}
