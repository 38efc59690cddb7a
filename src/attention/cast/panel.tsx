// CAST's own panel (issue 6): the surrogate tokens S.
// - Load S (.npy): an N_c×d (or H×N_c×d) array trained elsewhere becomes the page's
//   surrogates (surrogates = file; N_c follows the file).
// - Fit S: Adam steps on the GPU against exact attention's output for the current inputs,
//   gradients through A_q and A_k with the clusters held fixed (src/attention/cast/fit.ts),
//   with the loss curve; the fitted S become the page's surrogates (written as the .npy
//   FITTED_NAME) and can be downloaded for the CLI (--set surrogates=file --set
//   surrogatesFile=S.npy).
// Either way the .npy's bytes go into the page's file store (`files`, keyed by the name that
// surrogatesFile then holds), where every run takes them from, as it does for a file picked
// for any file-type parameter: a shared link carries the name, not S.
import { useEffect, useMemo, useRef, useState } from 'react';
import { fitSurrogates } from './fit';
import { checkSurrogateShape } from './surrogates';
import { makeInputs } from '../../bench/runner';
import { browserGpuHost } from '../../gpu/browser';
import type { GpuHost } from '../../gpu/gpu';
import { useConfig } from '../../state/use-config';
import { playgroundStore, usePlayground } from '../../state/store';
import { formatShape, parseNpy, writeNpy, type NpyArray } from '../../workloads/npy';
import { baseLayout, downloadBlob, formatNumber, themeColors, useColorScheme, usePlotly, type VariantPanelProps } from '../../ui/kit';

/** The fitting runs on a device of its own, opened on the first fit. */
let fitHost: GpuHost | undefined;

/** The file name the fitted surrogates are stored under (surrogatesFile = this). */
export const FITTED_NAME = 'fitted-surrogates.npy';

/** What the panel calls the surrogate files it stored (a fit's steps and loss), by file name. */
const labels = new Map<string, string>();

type FitState =
  | { kind: 'idle' }
  | { kind: 'running'; step: number; steps: number; losses: number[]; ctl: AbortController }
  | { kind: 'done'; losses: number[]; seconds: number }
  | { kind: 'failed'; message: string; losses: number[] };

const download = (name: string, bytes: Uint8Array) => downloadBlob(name, new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));

/** The surrogate file in use (surrogates = file): its name, label and parsed array, if its bytes are in the store. */
function currentFile(name: string, bytes: Uint8Array | undefined): { name: string; label: string; bytes: Uint8Array; npy: NpyArray } | undefined {
  if (!name || !bytes) return undefined;
  try {
    return { name, label: labels.get(name) ?? name, bytes, npy: parseNpy(bytes, name) };
  } catch {
    return undefined;
  }
}

export default function CastPanel(_props: VariantPanelProps) {
  const files = usePlayground((s) => s.files);
  const userData = usePlayground((s) => s.userData);
  const config = useConfig();
  const fileName = String(config.params.surrogatesFile ?? '');
  const fileBytes = files.get(fileName);
  const page = useMemo(() => currentFile(fileName, fileBytes), [fileName, fileBytes]);
  const [loadError, setLoadError] = useState<string>();
  const [steps, setSteps] = useState('40');
  const [lr, setLr] = useState('0.05');
  const [fit, setFit] = useState<FitState>({ kind: 'idle' });
  const plotRef = useRef<HTMLDivElement>(null);
  const { plotly } = usePlotly();
  const scheme = useColorScheme();

  /** Stores the .npy `bytes` (shape `shape`) as the file `name` and makes it the surrogates in use. */
  const applySurrogates = (name: string, label: string, bytes: Uint8Array, shape: number[]) => {
    labels.set(name, label);
    const s = playgroundStore().getState();
    s.setFile(name, bytes);
    s.setParamValue('clusters', String(shape[shape.length - 2]));
    s.setParamValue('surrogates', 'file');
    s.setParamValue('surrogatesFile', name);
  };

  const onFile = async (file: File | undefined) => {
    setLoadError(undefined);
    if (!file) return;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const npy = parseNpy(bytes, file.name);
      const { d, heads } = config.spec ? { d: Number(config.run.d), heads: Number(config.run.heads) } : { d: npy.shape.at(-1)!, heads: 1 };
      const nc = npy.shape.length >= 2 ? npy.shape[npy.shape.length - 2] : 0;
      const errs = checkSurrogateShape(npy, file.name, nc, d, heads);
      if (errs.length) throw new Error(errs[0]);
      applySurrogates(file.name, file.name, bytes, npy.shape);
    } catch (e) {
      setLoadError((e as Error).message);
    }
  };

  const stepsN = Number(steps);
  const lrN = Number(lr);
  const fitProblem =
    !config.spec ? 'Fix the settings above first (the fit uses the current inputs and knobs).'
    : !(Number.isInteger(stepsN) && stepsN >= 1 && stepsN <= 2000) ? 'Steps must be an integer from 1 to 2000.'
    : !(lrN > 0 && lrN <= 10) ? 'The learning rate must be in (0, 10].'
    : undefined;

  const startFit = async () => {
    if (fitProblem || !config.spec) return;
    const spec = config.spec;
    const ctl = new AbortController();
    const losses: number[] = [];
    setFit({ kind: 'running', step: 0, steps: stepsN, losses, ctl });
    const t0 = performance.now();
    fitHost ??= browserGpuHost((m) => playgroundStore().getState().addNotice(m));
    try {
      const { x32, x64 } = makeInputs(spec, userData);
      const shape = x64.shape;
      const result = await fitHost.run('surrogate fitting', async (gpu) => {
        const inputs = { q: gpu.upload('fit.q', x32.q), k: gpu.upload('fit.k', x32.k), v: gpu.upload('fit.v', x32.v) };
        try {
          return await fitSurrogates(gpu, shape, spec.params ?? {}, inputs, {
            steps: stepsN,
            lr: lrN,
            signal: ctl.signal,
            files: spec.files,
            onStep: (step, loss) => {
              losses.push(loss);
              setFit({ kind: 'running', step, steps: stepsN, losses: [...losses], ctl });
            },
          });
        } finally {
          gpu.release(inputs.q);
          gpu.release(inputs.k);
          gpu.release(inputs.v);
        }
      });
      const fitted = [shape.heads, Number(spec.params?.clusters), shape.d];
      applySurrogates(FITTED_NAME, `fitted S (${stepsN} steps, loss ${formatNumber(result.losses.at(-1)!)})`, writeNpy(result.surrogates, fitted), fitted);
      setFit({ kind: 'done', losses: result.losses, seconds: (performance.now() - t0) / 1000 });
    } catch (e) {
      const aborted = e instanceof DOMException && e.name === 'AbortError';
      setFit({ kind: 'failed', message: aborted ? 'Cancelled.' : (e as Error).message, losses });
    }
  };

  const losses = fit.kind === 'idle' ? [] : fit.losses;
  const figure = useMemo(() => {
    if (losses.length === 0) return undefined;
    const theme = themeColors();
    return {
      data: [{ type: 'scatter' as const, mode: 'lines+markers' as const, x: losses.map((_, i) => i), y: losses, name: 'loss', line: { width: 2 }, marker: { size: 4 } }],
      layout: {
        ...baseLayout(theme, 240),
        margin: { l: 60, r: 10, t: 10, b: 40 },
        xaxis: { title: { text: 'step' }, gridcolor: theme.grid },
        yaxis: { title: { text: 'MSE vs exact' }, type: 'log' as const, gridcolor: theme.grid },
        showlegend: false,
      },
    };
    // the scheme is a dependency because themeColors() reads the theme's CSS variables
  }, [losses, scheme]);

  useEffect(() => {
    const el = plotRef.current;
    if (!plotly || !el) return;
    if (figure) void plotly.react(el, figure.data, figure.layout, { responsive: true, displaylogo: false });
    else plotly.purge(el);
  }, [plotly, figure]);

  const running = fit.kind === 'running';
  const params = config.params;
  return (
    <div data-testid="cast-panel">
      <p className="panel-note">
        Surrogate tokens now: {params.surrogates === 'file' ? (page ? `${page.label} (${formatShape(page.npy.shape)})` : 'none loaded — load or fit S below') : String(params.surrogates)}
        {params.surrogates === 'file' && page && (
          <>
            {' '}
            <button type="button" onClick={() => download('surrogates.npy', page.bytes)}>
              Download S.npy
            </button>
          </>
        )}
      </p>
      <div className="field">
        <label htmlFor="cast-load">Load S (.npy, N_c×d or H×N_c×d)</label>
        <input id="cast-load" type="file" accept=".npy" disabled={running} onChange={(e) => void onFile(e.target.files?.[0])} />
        {loadError && <p className="field-error" role="alert">{loadError}</p>}
      </div>
      <fieldset style={{ border: 0, padding: 0, margin: '8px 0' }}>
        <legend>Fit S to exact attention (Adam on the GPU; clusters re-selected every step, held fixed in the gradient)</legend>
        <div className="field">
          <label htmlFor="cast-fit-steps">Steps</label>
          <input id="cast-fit-steps" className="field-number" type="number" min={1} max={2000} value={steps} disabled={running} onChange={(e) => setSteps(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="cast-fit-lr">Learning rate</label>
          <input id="cast-fit-lr" className="field-number" type="number" step="any" min={0} value={lr} disabled={running} onChange={(e) => setLr(e.target.value)} />
        </div>
        {running ? (
          <button type="button" onClick={() => fit.ctl.abort()}>
            Cancel fit
          </button>
        ) : (
          <button type="button" className="primary" disabled={Boolean(fitProblem)} onClick={() => void startFit()}>
            Fit S
          </button>
        )}
        {fitProblem && !running && <p className="field-help">{fitProblem}</p>}
        <p className="panel-note" role="status">
          {fit.kind === 'running' && `Step ${fit.step} of ${fit.steps}${fit.losses.length ? `, loss ${formatNumber(fit.losses.at(-1)!)}` : ' (computing exact attention)'}…`}
          {fit.kind === 'done' && `Fitted in ${fit.seconds.toFixed(1)} s: loss ${formatNumber(fit.losses[0])} → ${formatNumber(fit.losses.at(-1)!)}. The fitted S are in use (press Run if the view did not refresh).`}
          {fit.kind === 'failed' && `Fitting stopped: ${fit.message}`}
        </p>
      </fieldset>
      <div ref={plotRef} className="map-plot-area" hidden={!figure || !plotly} aria-label="Loss curve of the surrogate fitting" />
    </div>
  );
}
