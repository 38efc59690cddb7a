// "Sweep": N or a numeric knob of the selected variant over a log grid, with a progress bar,
// an ETA and Cancel; then time against N on log–log axes with the fitted slope of each
// variant, the error against N or the knob, and where each variant overtakes exact attention.
import { useMemo } from 'react';
import type { Data, Layout } from 'plotly.js/lib/core';
import { baseline, findVariant, variants } from '../../../attention/registry';
import { planSweep, startSweep } from '../../../state/jobs';
import { isBaselineTimedPoint, resultToPoint, type Point } from '../../../state/points';
import { usePlayground, type SweepRun } from '../../../state/store';
import { crossoverN, logLogSlope, MAX_SWEEP_POINTS, type Crossover } from '../../../state/sweep';
import { Figure } from '../../plots/figure';
import { themeColors, type FigureTheme } from '../../plots/figure-theme';
import { JobProgress } from '../../common/job-progress';
import { axis, baseLayout, variantColor } from '../../plots/plot-style';
import { useColorScheme } from '../../common/use-color-scheme';

const EXACT_COLOR = '#7f7f7f';

/** The swept value of a point. */
function xOf(p: Point, target: string): number {
  return target === 'n' ? p.n : Number(p.knobs[target]);
}

interface Series {
  id: string;
  name: string;
  color: string;
  points: { x: number; y: number }[];
  dash?: string;
}

function seriesBy(points: Point[], target: string, y: (p: Point) => number | undefined): Series[] {
  const groups = new Map<string, Point[]>();
  for (const p of points) groups.set(p.variant, [...(groups.get(p.variant) ?? []), p]);
  return [...groups.entries()].map(([id, pts]) => ({
    id,
    name: pts[0].label,
    color: variantColor(id),
    points: pts
      .map((p) => ({ x: xOf(p, target), y: y(p) }))
      .filter((q): q is { x: number; y: number } => q.y !== undefined && Number.isFinite(q.y) && q.y > 0 && Number.isFinite(q.x))
      .sort((a, b) => a.x - b.x),
  }));
}

/** Exact flash's time at each N, from the points' exact timings (measured once per shape). */
function exactSeries(points: Point[]): Series {
  const byN = new Map<number, number>();
  for (const p of points) if (p.exactTimeMs !== undefined) byN.set(p.n, p.exactTimeMs);
  return {
    id: 'exact-flash',
    name: 'exact (flash)',
    color: EXACT_COLOR,
    dash: 'dash',
    points: [...byN.entries()].map(([x, y]) => ({ x, y })).sort((a, b) => a.x - b.x),
  };
}

function lines(series: Series[], withSlope: boolean, yLabel: string, xLabel: string): Data[] {
  return series
    .filter((s) => s.points.length > 0)
    .map((s) => {
      const slope = withSlope ? logLogSlope(s.points) : undefined;
      return {
        type: 'scatter',
        mode: 'lines+markers',
        name: slope !== undefined ? `${s.name} — slope ${slope.toFixed(2)}` : s.name,
        x: s.points.map((p) => p.x),
        y: s.points.map((p) => p.y),
        line: { color: s.color, dash: s.dash ?? 'solid', width: 2 },
        marker: { color: s.color, size: 7 },
        hovertemplate: `${s.name}<br>${xLabel} %{x}<br>${yLabel} %{y:.3g}<extra></extra>`,
      } as Data;
    });
}

/**
 * An axis within the layout's fixed margins: the sweep's charts are redrawn at every point,
 * and an axis that may push the margins costs a second full draw each time (issue 7).
 */
function fixedAxis(theme: FigureTheme, title: string, log: boolean): Record<string, unknown> {
  return { ...axis(theme, title, log), automargin: false };
}

export function sweepFigures(sweep: SweepRun, theme: FigureTheme) {
  return sweepFiguresOf(sweep.results.map((r) => resultToPoint(r)), sweep.settings.target, sweep.variantId, theme);
}

/** The sweep charts of any points (a sweep's, or a CSV's): time and error against `target`. */
export function sweepFiguresOf(all: Point[], target: string, variantId: string, theme: FigureTheme) {
  const points = all.filter((p) => p.status === 'ok');
  const variant = findVariant(variantId);
  const knob = variant?.params.find((p) => p.name === target);
  const xLabel = target === 'n' ? 'N' : (knob?.label ?? target);
  const logX = true; // the grid is logarithmic
  const time = seriesBy(points, target, (p) => p.timeMs);
  // exact flash's own time at each N (measured once per shape), unless exact flash is a swept variant itself
  if (target === 'n' && !points.some(isBaselineTimedPoint)) time.push(exactSeries(points));
  const err = seriesBy(points, target, (p) => p.errRelFro);
  const timeFig = {
    data: lines(time, target === 'n', 'time (ms)', xLabel),
    layout: {
      ...baseLayout(theme, 380),
      title: { text: target === 'n' ? 'Time per forward against N (log–log; slope = fitted exponent)' : `Time per forward against ${xLabel}`, font: { size: 13 } },
      xaxis: fixedAxis(theme, `${xLabel} (log)`, logX),
      yaxis: fixedAxis(theme, 'time per forward (ms, log)', true),
    } as Partial<Layout>,
  };
  const errFig = {
    data: lines(err, false, 'error', xLabel),
    layout: {
      ...baseLayout(theme, 380),
      title: { text: `Relative error against ${xLabel}`, font: { size: 13 } },
      xaxis: fixedAxis(theme, `${xLabel} (log)`, logX),
      yaxis: fixedAxis(theme, 'relative error (Frobenius, log)', true),
    } as Partial<Layout>,
  };
  const crossovers: { id: string; label: string; c: Crossover }[] = [];
  if (target === 'n') {
    const groups = new Map<string, Point[]>();
    for (const p of points) if (p.variant !== baseline.id) groups.set(p.variant, [...(groups.get(p.variant) ?? []), p]);
    for (const [id, pts] of groups) {
      crossovers.push({
        id,
        label: pts[0].label,
        c: crossoverN(pts.filter((p) => p.timeMs !== undefined && p.exactTimeMs !== undefined).map((p) => ({ n: p.n, time: p.timeMs!, exactTime: p.exactTimeMs! }))),
      });
    }
  }
  return { timeFig, errFig, crossovers, count: points.length };
}

function crossoverText(c: Crossover, lo: number, hi: number): string {
  switch (c.kind) {
    case 'at':
      return `overtakes exact flash at N ≈ ${c.n.toLocaleString('en-US')}`;
    case 'always-faster':
      return `faster than exact flash at every N swept (${lo}–${hi}): the crossover is below ${lo}`;
    case 'never-faster':
      return `not faster than exact flash at the largest N swept (${hi})`;
    case 'unknown':
      return 'no timing to compare';
  }
}

function SweepSetup() {
  const variantId = usePlayground((s) => s.variantId);
  const sweep = usePlayground((s) => s.ui.sweep);
  const setSweep = usePlayground((s) => s.setSweep);
  const phase = usePlayground((s) => s.phase);
  const job = usePlayground((s) => s.job);
  // re-plan whenever anything the plan reads changes
  usePlayground((s) => s.runRaw);
  usePlayground((s) => s.paramRaw);
  usePlayground((s) => s.userData);
  const variant = findVariant(variantId)!;
  const knobs = variant.params.filter((p) => p.type === 'int' || p.type === 'float');
  const plan = planSweep(sweep);
  const spec = sweep.target === 'n' ? undefined : knobs.find((k) => k.name === sweep.target);

  const setTarget = (target: string) => {
    if (target === 'n') setSweep({ target, from: '64', to: '512', steps: '4' });
    else {
      const k = knobs.find((x) => x.name === target);
      if (!k || (k.type !== 'int' && k.type !== 'float')) return;
      const lo = Math.max(k.min, k.type === 'int' ? Math.max(1, Math.round(k.default / 4)) : k.default / 4);
      const hi = Math.min(k.max, k.default * 4);
      setSweep({ target, from: String(lo), to: String(hi), steps: '5' });
    }
  };
  const toggle = (id: string, on: boolean) =>
    setSweep({ variants: on ? variants.map((v) => v.id).filter((x) => x === id || sweep.variants.includes(x)) : sweep.variants.filter((x) => x !== id) });
  const canRun = !plan.error && plan.points.length > 0 && phase !== 'unavailable' && phase !== 'starting' && !job;

  return (
    <form className="sweep-setup" onSubmit={(e) => e.preventDefault()} aria-label="Sweep settings">
      <div className="sweep-fields">
        <div className="field">
          <label htmlFor="sweep-target">Sweep over</label>
          <select id="sweep-target" value={sweep.target} onChange={(e) => setTarget(e.target.value)}>
            <option value="n">Sequence length N</option>
            {knobs.map((k) => (
              <option key={k.name} value={k.name}>
                {variant.label}: {k.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="sweep-from">From</label>
          <input id="sweep-from" className="field-number" type="number" value={sweep.from} onChange={(e) => setSweep({ from: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="sweep-to">To</label>
          <input id="sweep-to" className="field-number" type="number" value={sweep.to} onChange={(e) => setSweep({ to: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="sweep-steps">Points (log grid)</label>
          <input id="sweep-steps" className="field-number" type="number" min={1} max={MAX_SWEEP_POINTS} value={sweep.steps} onChange={(e) => setSweep({ steps: e.target.value })} />
        </div>
      </div>
      {sweep.target === 'n' ? (
        <fieldset className="checks">
          <legend>Variants to sweep (each with its own knobs; exact flash is timed at every N for the crossover)</legend>
          {variants.map((v) => (
            <label key={v.id} className="check">
              <input type="checkbox" checked={sweep.variants.includes(v.id)} onChange={(e) => toggle(v.id, e.target.checked)} />
              <span className="swatch" style={{ background: variantColor(v.id) }} aria-hidden="true" /> {v.label}
            </label>
          ))}
        </fieldset>
      ) : (
        <p className="panel-note">
          Sweeps {variant.label}’s {spec?.label ?? sweep.target} with every other knob as set on the left.
        </p>
      )}
      {plan.error ? (
        <p className="field-error" role="alert" data-testid="sweep-error">
          {plan.error}
        </p>
      ) : (
        <p className="panel-note" data-testid="sweep-plan">
          {plan.points.length} run{plan.points.length === 1 ? '' : 's'}: {sweep.target === 'n' ? 'N' : (spec?.label ?? sweep.target)} = {plan.values.join(', ')}
        </p>
      )}
      <div className="button-row">
        <button type="button" className="primary" onClick={() => void startSweep()} disabled={!canRun}>
          Run sweep
        </button>
      </div>
    </form>
  );
}

function SweepResults({ sweep }: { sweep: SweepRun }) {
  const scheme = useColorScheme();
  // the scheme is a dependency because themeColors() reads the theme's CSS variables
  const figs = useMemo(() => sweepFigures(sweep, themeColors()), [sweep, scheme]);
  const target = sweep.settings.target;
  const ns = sweep.results.map((r) => r.shape.n);
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  const failed = sweep.results.filter((r) => r.status !== 'ok');
  const stem = `sweep-${target}`;
  return (
    <div data-testid="sweep-results" data-state={sweep.state} data-count={sweep.results.length}>
      <p className="panel-note" role="status">
        {sweep.state === 'running' && `Running: ${sweep.results.length} of ${sweep.total} points so far.`}
        {sweep.state === 'done' && `Done: ${sweep.results.length} points.`}
        {sweep.state === 'cancelled' && `Cancelled after ${sweep.results.length} of ${sweep.total} points; the plots show those.`}
      </p>
      {failed.length > 0 && (
        <ul className="extra-notes" aria-label="Points that did not run">
          {failed.map((r, i) => (
            <li key={i} className="extra-note tone-warning">
              {findVariant(r.variant)?.label ?? r.variant}, N = {r.shape.n}: <code>{r.status}</code> {r.message}
            </li>
          ))}
        </ul>
      )}
      {target === 'n' && figs.crossovers.length > 0 && (
        <div className="crossovers">
          <h3>Crossover with exact attention</h3>
          <ul data-testid="crossovers">
            {figs.crossovers.map((c) => (
              <li key={c.id} data-variant={c.id} data-kind={c.c.kind} data-n={c.c.kind === 'at' ? c.c.n : undefined}>
                <span className="swatch" style={{ background: variantColor(c.id) }} aria-hidden="true" /> <strong>{c.label}</strong>: {crossoverText(c.c, lo, hi)}
              </li>
            ))}
          </ul>
        </div>
      )}
      {figs.count > 0 && (
        <div className="charts">
          <Figure data={figs.timeFig.data} layout={figs.timeFig.layout} title={`Time against ${target === 'n' ? 'N' : target}`} fileName={`${stem}-time`} testId="sweep-time-chart" legend="html" />
          <Figure data={figs.errFig.data} layout={figs.errFig.layout} title={`Error against ${target === 'n' ? 'N' : target}`} fileName={`${stem}-error`} testId="sweep-error-chart" legend="html" />
        </div>
      )}
      {figs.count > 0 && target === 'n' && (
        <p className="panel-note">
          Slopes are least-squares fits of log(time) against log(N): about 2 for exact attention at large N, about 1 for linear-time
          variants. Small N is dominated by fixed costs (dispatch, launch), which flattens the slopes.
        </p>
      )}
    </div>
  );
}

export default function SweepView() {
  const sweep = usePlayground((s) => s.lastSweep);
  return (
    <section className="panel" aria-labelledby="sweep-title" data-testid="sweep-view">
      <h2 id="sweep-title">Sweep</h2>
      <SweepSetup />
      <JobProgress kinds={['sweep']} />
      {sweep ? <SweepResults sweep={sweep} /> : <p className="panel-empty">No sweep yet in this session.</p>}
    </section>
  );
}
