// The attention map panel: exact | approximate | difference of the last run (map-figure.ts),
// with zoom and pan shared by the three panels (drag a box; double-click to reset), a zoomed
// part re-drawn at full resolution, and a readout of the hovered cell (query i, key j, exact,
// approximate, difference). Above the full-map limit (N > 1024) the run shows its first rows,
// and a pooled overview of the whole map or any window of rows is computed on demand.
import { useEffect, useMemo, useRef, useState } from 'react';
import { findVariant } from '../attention/registry';
import { FULL_MAP_MAX_N, type RunResult } from '../bench/runner';
import { mapRequestOf } from '../state/jobs';
import { usePlayground } from '../state/store';
import { DEFAULT_MAP_VIEW, formatMapView, type MapView } from '../state/view-state';
import { Figure } from './figure';
import { themeColors } from './figure-theme';
import { formatNumber } from './format';
import { JobProgress } from './job-progress';
import { buildMapPanelsInSteps, yieldToMain, type MapGrids, type MapLegend, type MapPanels, type MapZoom } from './map-figure';
import { useColorScheme } from './use-color-scheme';
import { useElementWidth } from './use-element-width';

interface HoverPoint {
  /** drawn row and column */
  r: number;
  c: number;
}

interface PlotlyPointEvent {
  points?: { pointIndex?: number[] | number; pointNumber?: number[] | number; curveNumber?: number }[];
}

/** A relayout event's zoom: a new range, `reset` (autorange), or undefined (something else changed). */
export function zoomFromRelayout(e: Record<string, unknown>): MapZoom | 'reset' | undefined {
  let x: number[] | undefined;
  let y: number[] | undefined;
  let reset = false;
  for (const [key, value] of Object.entries(e)) {
    const m = /^([xy])axis\d*\.(range\[([01])\]|range|autorange)$/.exec(key);
    if (!m) continue;
    const axis = m[1] === 'x' ? (x ??= []) : (y ??= []);
    if (m[2] === 'autorange') {
      if (value) reset = true;
    } else if (m[2] === 'range' && Array.isArray(value)) {
      axis[0] = Number(value[0]);
      axis[1] = Number(value[1]);
    } else {
      axis[Number(m[3])] = Number(value);
    }
  }
  if (reset) return 'reset';
  if (!x && !y) return undefined;
  const range = (a: number[] | undefined) => (a && a.length === 2 && a.every(Number.isFinite) ? [Math.min(a[0], a[1]), Math.max(a[0], a[1])] : undefined);
  const rx = range(x);
  const ry = range(y);
  if (!rx && !ry) return undefined;
  return {
    x0: rx ? Math.max(0, Math.ceil(rx[0] - 0.5)) : 0,
    x1: rx ? Math.floor(rx[1] + 0.5) : Number.MAX_SAFE_INTEGER,
    y0: ry ? Math.max(0, Math.ceil(ry[0] - 0.5)) : 0,
    y1: ry ? Math.floor(ry[1] + 0.5) : Number.MAX_SAFE_INTEGER,
  };
}

function Readout({ grids, hover, label, signed }: { grids: MapGrids; hover?: HoverPoint; label: string; signed: boolean }) {
  const g = grids.approx;
  if (!hover || hover.r >= g.z.length || hover.c >= (g.z[0]?.length ?? 0)) {
    return (
      <p className="map-readout" data-testid="map-readout">
        Point at a cell to read its values{grids.exact ? ' in all three maps' : ''}.
      </p>
    );
  }
  const { r, c } = hover;
  const i0 = g.y[r];
  const j0 = g.x[c];
  const i = g.ySpan > 1 ? `queries ${i0}–${i0 + g.ySpan - 1}` : `query i = ${i0}`;
  const j = g.xSpan > 1 ? `keys ${j0}–${j0 + g.xSpan - 1}` : `key j = ${j0}`;
  const approx = g.z[r][c];
  const exact = grids.exact?.z[r]?.[c];
  const diff = grids.diff?.z[r]?.[c];
  const fmt = (v: number) => formatNumber(v, 4);
  return (
    <p className="map-readout" data-testid="map-readout" data-i={i0} data-j={j0} data-exact={exact} data-approx={approx} data-diff={diff}>
      <strong>{i}</strong>, <strong>{j}</strong>
      {g.xSpan > 1 || g.ySpan > 1 ? ' (block means)' : ''}:{' '}
      {exact !== undefined && (
        <>
          exact <span className="mono">{fmt(exact)}</span> ·{' '}
        </>
      )}
      {label} <span className="mono">{fmt(approx)}</span>
      {diff !== undefined && (
        <>
          {' '}
          · difference <span className="mono">{fmt(diff)}</span>
        </>
      )}
      {signed && ' (signed map)'}
    </p>
  );
}

/** The map panels have no Plotly mode bar (it would cover small panels): zoom, pan, reset and export are the page's own. */
const MAP_CONFIG = { displayModeBar: false, doubleClick: 'autosize' as const };

/** A colour scale as an HTML legend: a vertical gradient with its top, middle and bottom values. */
function ColorLegend({ legend }: { legend: MapLegend }) {
  const stops = legend.colorscale.map(([t, c]) => `${c} ${(t * 100).toFixed(1)}%`).join(', ');
  const mid = (legend.cmin + legend.cmax) / 2;
  const fmt = (v: number) => formatNumber(v, 3);
  return (
    <div className="map-legend" role="img" aria-label={`Colour scale ${legend.title}: from ${fmt(legend.cmin)} to ${fmt(legend.cmax)}`}>
      <span className="map-legend-title">{legend.title}</span>
      <div className="map-legend-body">
        <div className="map-legend-bar" style={{ background: `linear-gradient(to top, ${stops})` }} />
        <div className="map-legend-ticks" aria-hidden="true">
          <span>{fmt(legend.cmax)}</span>
          <span>{fmt(mid)}</span>
          <span>{fmt(legend.cmin)}</span>
        </div>
      </div>
    </div>
  );
}

const sameView = (a: MapView | undefined, b: MapView | undefined) => (a && b ? formatMapView(a) === formatMapView(b) : a === b);

/** Choice of the map window for N above the full-map limit. */
function WindowControls({ result }: { result: RunResult }) {
  const mapView = usePlayground((s) => s.ui.mapView) ?? DEFAULT_MAP_VIEW;
  const setMapView = usePlayground((s) => s.setMapView);
  const n = result.shape.n;
  const [row0, setRow0] = useState(mapView?.kind === 'rows' ? String(mapView.row0) : '0');
  const [rows, setRows] = useState(mapView?.kind === 'rows' ? String(mapView.rows) : '256');
  const r0 = Number(row0);
  const rr = Number(rows);
  const rowsError =
    !Number.isInteger(r0) || r0 < 0 || r0 >= n ? `the first row must be a whole number from 0 to ${n - 1}`
    : !Number.isInteger(rr) || rr < 1 || rr > 1024 ? 'the number of rows must be from 1 to 1024'
    : undefined;
  const kind = mapView.kind;
  return (
    <fieldset className="map-window" data-testid="map-window">
      <legend>Map window (N = {n} is above the full-map limit of {FULL_MAP_MAX_N})</legend>
      <div className="map-window-row">
        <label className="check">
          <input type="radio" name="map-window" checked={kind === 'run'} onChange={() => setMapView({ kind: 'run' })} /> First rows (from the run)
        </label>
        <label className="check">
          <input type="radio" name="map-window" checked={kind === 'pooled'} onChange={() => setMapView({ kind: 'pooled' })} /> Pooled overview of all {n}×{n}
        </label>
        <label className="check">
          <input
            type="radio"
            name="map-window"
            checked={kind === 'rows'}
            onChange={() => !rowsError && setMapView({ kind: 'rows', row0: r0, rows: rr })}
          />{' '}
          Rows from
        </label>
        <label className="sr-only" htmlFor="map-window-row0">
          First row of the window
        </label>
        <input id="map-window-row0" className="field-number" type="number" min={0} max={n - 1} value={row0} onChange={(e) => setRow0(e.target.value)} />
        <label htmlFor="map-window-rows">rows</label>
        <input id="map-window-rows" className="field-number" type="number" min={1} max={1024} value={rows} onChange={(e) => setRows(e.target.value)} />
        <button type="button" onClick={() => setMapView({ kind: 'rows', row0: r0, rows: rr })} disabled={Boolean(rowsError)}>
          Show these rows
        </button>
      </div>
      {rowsError && <p className="field-error">{rowsError}</p>}
      <p className="field-help">
        Computed on demand: one forward of the variant and of exact attention, then the chosen window of both maps. In the overview, click a
        cell to open the rows around it.
      </p>
    </fieldset>
  );
}

export function AttentionMaps() {
  const lastResult = usePlayground((s) => s.lastResult);
  const lastKey = usePlayground((s) => s.lastKey);
  const windowResult = usePlayground((s) => s.windowResult);
  const mapView = usePlayground((s) => s.ui.mapView) ?? DEFAULT_MAP_VIEW;
  const setMapView = usePlayground((s) => s.setMapView);
  const scheme = useColorScheme();
  const boxRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(boxRef);
  const [zoom, setZoom] = useState<MapZoom>();
  const [dragmode, setDragmode] = useState<'zoom' | 'pan'>('zoom');
  const [hover, setHover] = useState<HoverPoint>();

  const large = lastResult !== undefined && lastResult.shape.n > FULL_MAP_MAX_N && lastResult.status === 'ok';
  const onDemand = mapView.kind === 'run' ? undefined : mapView;
  const fromWindow = large && onDemand && windowResult && windowResult.key === lastKey && sameView(windowResult.view, onDemand) ? windowResult.result : undefined;
  const waitingForWindow = large && onDemand !== undefined && !fromWindow && Boolean(findVariant(lastResult.variant)?.supports.map);
  const result = fromWindow ?? lastResult;
  const label = findVariant(result?.variant ?? '')?.label ?? result?.variant ?? '';

  // a new map starts unzoomed
  useEffect(() => {
    setZoom(undefined);
    setHover(undefined);
  }, [result?.map]);

  // The figure is built after the result arrives, in steps with the main thread given back
  // between them (block means of up to 1024² cells per map): no step blocks long.
  const [figure, setFigure] = useState<MapPanels>();
  useEffect(() => {
    if (!result?.map) {
      setFigure(undefined);
      return;
    }
    const map = result.map;
    let live = true;
    void yieldToMain()
      .then(() =>
        buildMapPanelsInSteps(
          {
            map,
            exactMap: result.exactMap,
            compare: result.variant !== 'exact',
            variantLabel: label,
            n: result.shape.n,
            heads: result.shape.heads,
            theme: themeColors(),
            width,
            zoom,
          },
          yieldToMain,
          () => !live,
        ),
      )
      .then((f) => {
        if (live && f) setFigure(f);
      });
    return () => {
      live = false;
    };
    // the scheme is a dependency because themeColors() reads the theme's CSS variables
  }, [result, label, scheme, width, zoom]);

  const events = useMemo(
    () => ({
      plotly_hover: (e: unknown) => {
        const pt = (e as PlotlyPointEvent).points?.[0];
        const idx = pt?.pointIndex ?? pt?.pointNumber;
        if (Array.isArray(idx) && idx.length === 2) setHover({ r: idx[0], c: idx[1] });
      },
      plotly_relayout: (e: unknown) => {
        const z = zoomFromRelayout((e ?? {}) as Record<string, unknown>);
        if (z === 'reset') setZoom(undefined);
        else if (z) setZoom((old) => (old && old.x0 === z.x0 && old.x1 === z.x1 && old.y0 === z.y0 && old.y1 === z.y1 ? old : z));
      },
      plotly_click: (e: unknown) => {
        // in the pooled overview, a click opens the rows around the clicked block
        if (result?.map?.kind !== 'pooled' || !figure) return;
        const pt = (e as PlotlyPointEvent).points?.[0];
        const idx = pt?.pointIndex ?? pt?.pointNumber;
        if (!Array.isArray(idx)) return;
        const row = figure.grids.approx.y[idx[0]] ?? 0;
        const n = result.shape.n;
        const rows = 256;
        setMapView({ kind: 'rows', row0: Math.max(0, Math.min(n - rows, row - rows / 2)), rows });
      },
    }),
    [result, figure, setMapView],
  );

  let empty: string | undefined;
  if (!result) empty = 'The map appears after the first run.';
  else if (!result.map) empty = result.status === 'ok' ? 'This run has no attention map.' : 'No map: the run did not finish.';

  const signed = Boolean(result?.map?.signed);
  return (
    <section className="panel panel-map" aria-labelledby="map-panel-title">
      <h2 id="map-panel-title">Attention map</h2>
      {large && lastResult && findVariant(lastResult.variant)?.supports.map && <WindowControls result={lastResult} />}
      <JobProgress kinds={['window']} />
      {waitingForWindow && onDemand && lastResult && (
        <p className="panel-note" role="status">
          Computing the {onDemand.kind === 'pooled' ? 'pooled overview' : 'window of rows'} (
          {(() => {
            const req = mapRequestOf(onDemand, lastResult.shape.n);
            return req.kind === 'pooled' ? `${req.pool}×${req.pool} blocks` : `rows ${req.row0}–${req.row0 + req.rows - 1}`;
          })()}
          ); showing the run’s own window meanwhile.
        </p>
      )}
      <div className="map-plot" data-testid="attention-map" ref={boxRef}>
        {figure && (
          <>
            <div className={`map-panels map-panels-${figure.panels.length}`}>
              {figure.panels.map((panel, i) => (
                <div className="map-group" key={panel.role}>
                  <div className="map-panel" data-role={panel.role}>
                    <h3 className="map-panel-title" title={panel.title}>
                      {panel.title}
                    </h3>
                    <Figure
                      data={panel.data}
                      layout={dragmode === 'zoom' ? panel.layout : { ...panel.layout, dragmode }}
                      config={MAP_CONFIG}
                      title={`${panel.title} map`}
                      fileName={`attention-map-${panel.role}-${result?.variant}-n${result?.shape.n}`}
                      events={events}
                      className="map-figure"
                    />
                  </div>
                  {figure.legends
                    .filter((l) => l.panels[l.panels.length - 1] === i)
                    .map((l) => (
                      <ColorLegend key={l.title} legend={l} />
                    ))}
                </div>
              ))}
            </div>
            <div className="map-zoom-row">
              <Readout grids={figure.grids} hover={hover} label={label} signed={signed} />
              <div className="map-drag" role="radiogroup" aria-label="Dragging on a map">
                <label className="check">
                  <input type="radio" name="map-drag" checked={dragmode === 'zoom'} onChange={() => setDragmode('zoom')} /> Drag to zoom
                </label>
                <label className="check">
                  <input type="radio" name="map-drag" checked={dragmode === 'pan'} onChange={() => setDragmode('pan')} /> Drag to pan
                </label>
                {zoom && (
                  <button type="button" className="small" onClick={() => setZoom(undefined)}>
                    Reset zoom
                  </button>
                )}
              </div>
            </div>
          </>
        )}
        {empty && <p className="panel-empty">{empty}</p>}
      </div>
      {figure && figure.notes.length > 0 && (
        <ul className="map-notes">
          {figure.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
