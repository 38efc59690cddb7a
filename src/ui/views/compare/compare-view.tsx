// "Compare variants": run several variants on the same problem, each with its own knobs, and
// see them side by side — a table, bar charts of time, GFLOP/s, memory and error, and an
// error-versus-time chart whose Pareto front answers "which approximation should I use at
// this N?". Every run of the session on this problem is a point (sweeps of a knob add more).
import { useId, useMemo, useState } from 'react';
import type { Data, Layout } from 'plotly.js/lib/core';
import { variants } from '../../../attention/registry';
import { configOf } from '../../../state/config';
import { runComparison } from '../../../state/jobs';
import { latestPerConfig, paretoFront, problemKey, resultToPoint, type Point } from '../../../state/points';
import { usePlayground } from '../../../state/store';
import { Figure } from '../../plots/figure';
import { themeColors, type FigureTheme } from '../../plots/figure-theme';
import { formatBytes, formatMs, formatNumber, formatRatio } from '../../common/format';
import { JobProgress } from '../../common/job-progress';
import { axis, baseLayout, variantColor } from '../../plots/plot-style';
import { useColorScheme } from '../../common/use-color-scheme';

/** Short name of a point for axes and legends: label plus its changed knobs. */
export function pointName(p: Point): string {
  return p.knobText ? `${p.label} (${p.knobText})` : p.label;
}

/** Axis label of a point: the variant id and its first changed knobs (the labels are long). */
function shortName(p: Point): string {
  const first = p.knobText.split(', ').slice(0, 2).join(', ');
  return first ? `${p.variant} · ${first}` : p.variant;
}

export function barFigure(points: Point[], theme: FigureTheme): { data: Data[]; layout: Partial<Layout> } {
  const names = points.map(shortName);
  const colors = points.map((p) => variantColor(p.variant));
  const panels: { key: keyof Point; title: string; log: boolean; hover: (v: number) => string }[] = [
    { key: 'timeMs', title: 'Time per forward (ms)', log: true, hover: (v) => formatMs(v) },
    { key: 'gflops', title: 'GFLOP/s', log: false, hover: (v) => formatNumber(v) },
    { key: 'memoryBytes', title: 'GPU memory (bytes)', log: false, hover: (v) => formatBytes(v) },
    { key: 'errRelFro', title: 'Relative error (Frobenius)', log: true, hover: (v) => formatNumber(v) },
  ];
  const data: Data[] = panels.map((panel, i) => {
    const y = points.map((p) => p[panel.key] as number | undefined ?? null);
    return {
      type: 'bar',
      name: panel.title,
      x: names,
      y,
      marker: { color: colors },
      xaxis: i === 0 ? 'x' : `x${i + 1}`,
      yaxis: i === 0 ? 'y' : `y${i + 1}`,
      text: y.map((v) => (v === null ? 'n/a' : panel.hover(v))),
      hovertemplate: '%{x}<br>%{text}<extra></extra>',
      textposition: 'none',
      showlegend: false,
    } as Data;
  });
  const layout: Record<string, unknown> = {
    ...baseLayout(theme, 520),
    grid: { rows: 2, columns: 2, pattern: 'independent', xgap: 0.12, ygap: 0.4 },
    margin: { l: 64, r: 16, t: 30, b: 40 },
    annotations: panels.map((panel, i) => ({
      text: panel.title,
      showarrow: false,
      xref: `x${i === 0 ? '' : i + 1} domain`,
      yref: `y${i === 0 ? '' : i + 1} domain`,
      x: 0.5,
      y: 1.08,
      xanchor: 'center',
      yanchor: 'bottom',
      font: { size: 12.5, color: theme.fg },
    })),
  };
  panels.forEach((panel, i) => {
    const s = i === 0 ? '' : String(i + 1);
    layout[`xaxis${s}`] = { ...axis(theme, ''), type: 'category', tickangle: -20, automargin: true, tickfont: { size: 10.5 } };
    layout[`yaxis${s}`] = axis(theme, '', panel.log);
  });
  return { data, layout: layout as Partial<Layout> };
}

export function paretoFigure(points: Point[], theme: FigureTheme): { data: Data[]; layout: Partial<Layout> } {
  const usable = points.filter((p) => p.timeMs !== undefined && p.errRelFro !== undefined && p.errRelFro > 0);
  const front = paretoFront(usable);
  const onFront = new Set(front);
  const byVariant = new Map<string, Point[]>();
  for (const p of usable) byVariant.set(p.variant, [...(byVariant.get(p.variant) ?? []), p]);
  const data: Data[] = [];
  for (const [id, pts] of byVariant) {
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: pts[0].label,
      x: pts.map((p) => p.timeMs!),
      y: pts.map((p) => p.errRelFro!),
      text: pts.map((p) => pointName(p)),
      marker: {
        color: variantColor(id),
        size: pts.map((p) => (onFront.has(p) ? 14 : 9)),
        line: { width: pts.map((p) => (onFront.has(p) ? 1 : 0)), color: theme.fg },
        symbol: pts.map((p) => (onFront.has(p) ? 'star' : 'circle')),
      },
      hovertemplate: '%{text}<br>time %{x:.3g} ms<br>error %{y:.3g}<extra></extra>',
    } as Data);
  }
  if (front.length > 0) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'Pareto front',
      x: front.map((p) => p.timeMs!),
      y: front.map((p) => p.errRelFro!),
      line: { color: theme.fg, width: 1.5, dash: 'dot', shape: 'hv' },
      hoverinfo: 'skip',
    } as Data);
  }
  const layout = {
    ...baseLayout(theme, 420),
    xaxis: axis(theme, 'time per forward (ms, log)', true),
    yaxis: axis(theme, 'relative error (Frobenius, log)', true),
  } as Partial<Layout>;
  return { data, layout };
}

function CompareTable({ points, front }: { points: Point[]; front: Set<Point> }) {
  return (
    <div className="table-wrap">
      <table className="data-table" data-testid="compare-table">
        <caption className="sr-only">Runs on this problem, one row per variant and knob setting</caption>
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col">Knobs</th>
            <th scope="col" className="num">Time</th>
            <th scope="col" className="num">vs exact</th>
            <th scope="col" className="num">GFLOP/s</th>
            <th scope="col" className="num">GPU memory</th>
            <th scope="col" className="num">Rel. error</th>
            <th scope="col" className="num">Map L1</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p, i) => (
            <tr key={`${p.variant}-${i}`} data-variant={p.variant} className={front.has(p) ? 'on-front' : undefined}>
              <th scope="row">
                <span className="swatch" style={{ background: variantColor(p.variant) }} aria-hidden="true" />
                {p.label}
                {front.has(p) && (
                  <span className="front-mark" title="on the Pareto front: no other point is both faster and more accurate">
                    {' '}
                    ★<span className="sr-only"> on the Pareto front</span>
                  </span>
                )}
              </th>
              <td className="knobs" title={p.knobAll || undefined}>
                {p.knobText || (p.knobAll ? 'defaults' : '—')}
              </td>
              <td className="num" data-metric="time-ms" data-value={p.timeMs}>{formatMs(p.timeMs)}</td>
              <td className="num">{formatRatio(p.speedup)}</td>
              <td className="num">{formatNumber(p.gflops)}</td>
              <td className="num">{p.memoryBytes !== undefined ? formatBytes(p.memoryBytes) : '—'}</td>
              <td className="num" data-metric="err-rel-fro" data-value={p.errRelFro}>{formatNumber(p.errRelFro)}</td>
              <td className="num">{formatNumber(p.errMapL1)}</td>
              <td className={`status status-${p.status}`} title={p.message || undefined}>
                {p.status}
                {p.status !== 'ok' && p.message && <span className="status-message">: {p.message}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The table and charts of a set of points (also used for CSV files and recorded results). */
export function PointsCharts({ points, what, fileStem }: { points: Point[]; what: string; fileStem: string }) {
  const scheme = useColorScheme();
  const front = useMemo(() => new Set(paretoFront(points.filter((p) => p.status === 'ok'))), [points]);
  const ok = useMemo(() => points.filter((p) => p.status === 'ok'), [points]);
  // the scheme is a dependency because themeColors() reads the theme's CSS variables
  const bars = useMemo(() => barFigure(ok, themeColors()), [ok, scheme]);
  const pareto = useMemo(() => paretoFigure(ok, themeColors()), [ok, scheme]);
  return (
    <>
      <CompareTable points={points} front={front} />
      {ok.length > 0 && (
        <div className="charts charts-stack">
          <Figure data={pareto.data} layout={pareto.layout} title={`Error against time, ${what}`} fileName={`${fileStem}-error-vs-time`} testId="pareto-chart">
            <figcaption className="figure-caption">
              Each point is one variant and knob setting. Lower left is better; the dotted line joins the Pareto front (★): for every
              other point, one on the front is at least as fast and at least as accurate.
            </figcaption>
          </Figure>
          <Figure data={bars.data} layout={bars.layout} title={`Time, GFLOP/s, memory and error, ${what}`} fileName={`${fileStem}-bars`} testId="compare-bars" />
        </div>
      )}
    </>
  );
}

function describeProblem(p: Point): string {
  const parts = [`N = ${p.n}`, `d = ${p.d}`];
  if (p.heads !== 1) parts.push(`H = ${p.heads}`);
  if (p.causal) parts.push('causal');
  parts.push(p.workload);
  if (p.seed) parts.push(`seed ${p.seed}`);
  if (p.logitScale && p.logitScale !== '1') parts.push(`logit scale ${p.logitScale}`);
  return parts.join(', ');
}

/** Points of several problems (a CSV file): pick one problem, see its table and charts. */
export function PointsByProblem({ points, what, fileStem }: { points: Point[]; what: string; fileStem: string }) {
  const problems = useMemo(() => {
    const m = new Map<string, { key: string; text: string; n: number; count: number }>();
    for (const p of points) {
      const key = problemKey(p);
      const entry = m.get(key) ?? { key, text: describeProblem(p), n: p.n, count: 0 };
      entry.count++;
      m.set(key, entry);
    }
    return [...m.values()].sort((a, b) => a.n - b.n);
  }, [points]);
  const [chosen, setChosen] = useState<string>();
  const id = useId();
  const key = chosen && problems.some((p) => p.key === chosen) ? chosen : problems[0]?.key;
  const shown = useMemo(() => latestPerConfig(points.filter((p) => problemKey(p) === key)), [points, key]);
  if (problems.length === 0) return <p className="panel-empty">No rows.</p>;
  const text = problems.find((p) => p.key === key)?.text ?? '';
  return (
    <>
      {problems.length > 1 && (
        <div className="field inline-field">
          <label htmlFor={id}>Problem</label>{' '}
          <select id={id} value={key} onChange={(e) => setChosen(e.target.value)}>
            {problems.map((p) => (
              <option key={p.key} value={p.key}>
                {p.text} ({p.count} row{p.count === 1 ? '' : 's'})
              </option>
            ))}
          </select>
        </div>
      )}
      <PointsCharts points={shown} what={`${what}, ${text}`} fileStem={fileStem} />
    </>
  );
}

export default function CompareView() {
  const compareIds = usePlayground((s) => s.ui.compareIds);
  const setCompareIds = usePlayground((s) => s.setCompareIds);
  const results = usePlayground((s) => s.results);
  const variantId = usePlayground((s) => s.variantId);
  const runRaw = usePlayground((s) => s.runRaw);
  const paramRaw = usePlayground((s) => s.paramRaw);
  const userData = usePlayground((s) => s.userData);
  const files = usePlayground((s) => s.files);
  const phase = usePlayground((s) => s.phase);
  const job = usePlayground((s) => s.job);
  const [scope, setScope] = useState<'problem' | 'all'>('problem');
  const config = configOf({ variantId, runRaw, paramRaw, userData, files });

  const problem = config.fieldErrors && Object.keys(config.fieldErrors).length === 0
    ? problemKey({
        n: Number(config.run.n),
        d: Number(config.run.d),
        heads: Number(config.run.heads),
        causal: Boolean(config.run.causal),
        workload: String(config.run.workload),
        seed: String(config.run.seed),
        logitScale: String(config.run.logitScale),
      })
    : undefined;
  const points = useMemo(() => {
    const all = latestPerConfig(results.map((r) => resultToPoint(r)));
    return scope === 'all' || !problem ? all : all.filter((p) => problemKey(p) === problem);
  }, [results, scope, problem]);

  const toggle = (id: string, on: boolean) => setCompareIds(on ? variants.map((v) => v.id).filter((x) => x === id || compareIds.includes(x)) : compareIds.filter((x) => x !== id));
  const canRun = phase !== 'unavailable' && phase !== 'starting' && compareIds.length > 0 && !job;
  const n = config.run.n;

  return (
    <section className="panel" aria-labelledby="compare-title" data-testid="compare-view">
      <h2 id="compare-title">Compare variants</h2>
      <p className="panel-note">
        Runs each checked variant on the problem set on the left (N = {String(n)}, d = {String(config.run.d)}), each with its own knobs — select a
        variant in the controls to change its knobs. Every run of this session on the same problem is a point below.
      </p>
      <fieldset className="checks">
        <legend>Variants to compare</legend>
        {variants.map((v) => (
          <label key={v.id} className="check">
            <input type="checkbox" checked={compareIds.includes(v.id)} onChange={(e) => toggle(v.id, e.target.checked)} />
            <span className="swatch" style={{ background: variantColor(v.id) }} aria-hidden="true" /> {v.label}
          </label>
        ))}
      </fieldset>
      <div className="button-row">
        <button type="button" className="primary" onClick={() => void runComparison()} disabled={!canRun}>
          Run comparison
        </button>
        <label className="inline-field">
          Show runs{' '}
          <select value={scope} onChange={(e) => setScope(e.target.value as 'problem' | 'all')}>
            <option value="problem">on this problem</option>
            <option value="all">on every problem</option>
          </select>
        </label>
      </div>
      <JobProgress kinds={['compare']} />
      {points.length === 0 ? (
        <p className="panel-empty">No runs on this problem yet: press “Run comparison”.</p>
      ) : (
        <PointsCharts points={points} what={`N = ${String(n)}`} fileStem={`compare-n${String(n)}`} />
      )}
    </section>
  );
}
