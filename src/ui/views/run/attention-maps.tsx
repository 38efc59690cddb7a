// The attention map panel: exact | approximate | difference of the last run (map-figure.ts),
// with zoom and pan shared by the three panels (drag a box; double-click to reset), a zoomed
// part re-drawn at full resolution, and a readout of the hovered cell (query i, key j, exact,
// approximate, difference). Above the full-map limit (N > 1024) the run shows its first rows,
// and a pooled overview of the whole map or any window of rows is computed on demand.
import { useCallback, useEffect, useId, useMemo, useRef, useState, type MouseEvent as ReactMouseEvent } from 'react';
import { baseline, findVariant } from '../../../attention/registry';
import type { MapWindow } from '../../../attention/types';
import { FULL_MAP_MAX_N, type RunResult } from '../../../bench/runner';
import { viewWorker } from '../../../state/cpu-offload';
import { mapRequestOf } from '../../../state/jobs';
import { usePlayground } from '../../../state/store';
import { DEFAULT_MAP_VIEW, formatMapView, type MapView } from '../../../state/view-state';
import { Figure } from '../../plots/figure';
import { themeColors } from '../../plots/figure-theme';
import { formatNumber } from '../../common/format';
import { JobProgress } from '../../common/job-progress';
import { buildMapPanels, cellAt, type MapLegend } from '../../plots/map-figure';
import type { MapGrids, MapImages, MapRole, MapZoom } from '../../../state/map-images';
import type { PlotElement } from '../../plots/plotly-loader';
import { useColorScheme } from '../../common/use-color-scheme';
import { useElementWidth } from '../../plots/use-element-width';

interface HoverPoint {
  /** drawn row and column */
  r: number;
  c: number;
}

/** What Plotly keeps of a drawn figure's geometry: the plot area in pixels and the axes' current ranges. */
interface PlotLayoutState {
  _size?: { l: number; t: number; w: number; h: number };
  xaxis?: { range?: [number, number] };
  yaxis?: { range?: [number, number] };
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
  if (!hover || hover.r >= g.rows || hover.c >= g.cols) {
    return (
      <p className="map-readout" data-testid="map-readout">
        Point at a cell to read its values{grids.reference ? ' in all three maps' : ''}.
      </p>
    );
  }
  const { r, c } = hover;
  const i0 = g.y0 + r * g.ySpan;
  const j0 = g.x0 + c * g.xSpan;
  const i = g.ySpan > 1 ? `queries ${i0}–${i0 + g.ySpan - 1}` : `query i = ${i0}`;
  const j = g.xSpan > 1 ? `keys ${j0}–${j0 + g.xSpan - 1}` : `key j = ${j0}`;
  const at = r * g.cols + c;
  const approx = g.z[at];
  const exact = grids.reference?.z[at];
  const diff = grids.diff?.z[at];
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

/**
 * The map panels have no Plotly mode bar (it would cover small panels): zoom, pan, reset and
 * export are the page's own; a double click resets the shared zoom (plotly_doubleclick).
 */
const MAP_CONFIG = { displayModeBar: false, doubleClick: false as const };

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

export interface MapPanelsViewProps {
  /** the variant's map window */
  map: MapWindow;
  /** exact attention (or another reference) over the same window */
  exactMap?: MapWindow;
  /** draw the comparison (false for exact attention) */
  compare: boolean;
  variantLabel: string;
  /** sequence length (the window may hold fewer rows) */
  n: number;
  heads: number;
  /** stem of exported images' file names (the panel's role is appended) */
  fileStem: string;
  titles?: Partial<Record<MapRole, string>>;
  /** a click on a drawn cell, with the first query row it covers */
  onCellClick?: (row: number) => void;
  /** test id of the plots' box (default attention-map: the page's map panel) */
  testId?: string;
}

/**
 * The panels of a map (exact | approximate | difference, or the map alone) with their colour
 * legends, the hover readout, shared zoom and pan, and the notes. The cells are made in the
 * view worker (block means, colour scales, PNG); the main thread only draws axes and an image.
 */
export function MapPanelsView({ map, exactMap, compare, variantLabel, n, heads, fileStem, titles, onCellClick, testId = 'attention-map' }: MapPanelsViewProps) {
  const scheme = useColorScheme();
  const dragName = `map-drag-${useId()}`;
  const boxRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(boxRef);
  // zoom and hover belong to the map they were set on: a new map starts unzoomed
  const [zoomState, setZoomState] = useState<{ map: MapWindow; zoom: MapZoom }>();
  const zoom = zoomState?.map === map ? zoomState.zoom : undefined;
  const [dragmode, setDragmode] = useState<'zoom' | 'pan'>('zoom');
  const [hoverState, setHoverState] = useState<{ images: MapImages; at: HoverPoint }>();
  const [made, setMade] = useState<{ map: MapWindow; n: number; heads: number; zoom?: MapZoom; images: MapImages }>();
  const [error, setError] = useState<string>();

  const setZoom = useCallback(
    (z: MapZoom | undefined) =>
      setZoomState((old) => {
        if (!z) return undefined;
        const same = old && old.map === map && old.zoom.x0 === z.x0 && old.zoom.x1 === z.x1 && old.zoom.y0 === z.y0 && old.zoom.y1 === z.y1;
        return same ? old : { map, zoom: z };
      }),
    [map],
  );

  // the cells: block means, colour scales and PNG images, made in the view worker
  useEffect(() => {
    let live = true;
    viewWorker()
      .mapImages({ map, exactMap, compare, zoom })
      .then(
        (images) => {
          if (!live) return;
          setError(undefined);
          setMade({ map, n, heads, zoom, images });
        },
        (e: unknown) => live && setError(`Could not draw the map: ${(e as Error)?.message ?? String(e)}`),
      );
    return () => {
      live = false;
    };
  }, [map, exactMap, compare, zoom, n, heads]);

  // The figures (axes, image, legends, notes): cheap, rebuilt for the width and the theme too.
  // Until a new map's images are made the previous ones stay up: the plots are not unmounted
  // and re-created (a new Plotly figure costs several times an update of one).
  const current = made;
  const figure = useMemo(
    () =>
      current &&
      buildMapPanels({ ...current, compare, variantLabel, theme: themeColors(), width, titles }),
    // the scheme is a dependency because themeColors() reads the theme's CSS variables
    [current, compare, variantLabel, width, titles, scheme],
  );
  const grids = figure?.grids;
  const hover = hoverState && current && hoverState.images === current.images ? hoverState.at : undefined;

  /** The drawn cell under the pointer (Plotly's own hover needs a trace; the map is an image). */
  const cellOf = useCallback(
    (e: ReactMouseEvent<PlotElement>): HoverPoint | undefined => {
      const fl = (e.currentTarget as PlotElement & { _fullLayout?: PlotLayoutState })._fullLayout;
      if (!grids || !fl?._size || !fl.xaxis?.range || !fl.yaxis?.range) return undefined;
      const box = e.currentTarget.getBoundingClientRect();
      const fx = (e.clientX - box.left - fl._size.l) / fl._size.w;
      const fy = (e.clientY - box.top - fl._size.t) / fl._size.h;
      if (!(fx >= 0 && fx <= 1 && fy >= 0 && fy <= 1)) return undefined;
      const [x0, x1] = fl.xaxis.range;
      const [yBottom, yTop] = fl.yaxis.range;
      return cellAt(grids.approx, x0 + fx * (x1 - x0), yTop + fy * (yBottom - yTop));
    },
    [grids],
  );
  const onMove = useCallback(
    (e: ReactMouseEvent<PlotElement>) => {
      const at = cellOf(e);
      if (!at || !current) return;
      setHoverState((old) => (old && old.images === current.images && old.at.r === at.r && old.at.c === at.c ? old : { images: current.images, at }));
    },
    [cellOf, current],
  );
  const onClick = useCallback(
    (e: ReactMouseEvent<PlotElement>) => {
      const at = cellOf(e);
      if (at && grids && onCellClick) onCellClick(grids.approx.y0 + at.r * grids.approx.ySpan);
    },
    [cellOf, grids, onCellClick],
  );

  const events = useMemo(
    () => ({
      plotly_relayout: (e: unknown) => {
        const z = zoomFromRelayout((e ?? {}) as Record<string, unknown>);
        if (z === 'reset') setZoom(undefined);
        else if (z) setZoom(z);
      },
      plotly_doubleclick: () => setZoom(undefined),
    }),
    [setZoom],
  );

  // pan mode: the same figures with another drag mode (memoized: a hover must not redraw them)
  const panels = useMemo(
    () => (figure && dragmode !== 'zoom' ? figure.panels.map((p) => ({ ...p, layout: { ...p.layout, dragmode } })) : figure?.panels),
    [figure, dragmode],
  );
  const signed = Boolean(figure && current?.images.scales.signed);
  return (
    <>
      <div className="map-plot" data-testid={testId} ref={boxRef}>
        {figure && panels && (
          <>
            <div className={`map-panels map-panels-${panels.length}`}>
              {panels.map((panel, i) => (
                <div className="map-group" key={panel.name}>
                  <div className="map-panel" data-role={panel.name}>
                    <h3 className="map-panel-title" title={panel.title}>
                      {panel.title}
                    </h3>
                    <Figure
                      data={panel.data}
                      layout={panel.layout}
                      config={MAP_CONFIG}
                      title={`${panel.title} map`}
                      fileName={`${fileStem}-${panel.name}`}
                      events={events}
                      onPlotMouseMove={onMove}
                      onPlotClick={onCellClick ? onClick : undefined}
                      drawnId={panel.drawn}
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
              <Readout grids={figure.grids} hover={hover} label={variantLabel} signed={signed} />
              <div className="map-drag" role="radiogroup" aria-label="Dragging on a map">
                <label className="check">
                  <input type="radio" name={dragName} checked={dragmode === 'zoom'} onChange={() => setDragmode('zoom')} /> Drag to zoom
                </label>
                <label className="check">
                  <input type="radio" name={dragName} checked={dragmode === 'pan'} onChange={() => setDragmode('pan')} /> Drag to pan
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
        {!figure && !error && <p className="panel-empty">Drawing the map…</p>}
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
      {figure && figure.notes.length > 0 && (
        <ul className="map-notes">
          {figure.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
    </>
  );
}

export function AttentionMaps() {
  const lastResult = usePlayground((s) => s.lastResult);
  const lastKey = usePlayground((s) => s.lastKey);
  const windowResult = usePlayground((s) => s.windowResult);
  const mapView = usePlayground((s) => s.ui.mapView) ?? DEFAULT_MAP_VIEW;
  const setMapView = usePlayground((s) => s.setMapView);

  const large = lastResult !== undefined && lastResult.shape.n > FULL_MAP_MAX_N && lastResult.status === 'ok';
  const onDemand = mapView.kind === 'run' ? undefined : mapView;
  const fromWindow = large && onDemand && windowResult && windowResult.key === lastKey && sameView(windowResult.view, onDemand) ? windowResult.result : undefined;
  const waitingForWindow = large && onDemand !== undefined && !fromWindow && Boolean(findVariant(lastResult.variant)?.supports.map);
  const result = fromWindow ?? lastResult;
  const label = findVariant(result?.variant ?? '')?.label ?? result?.variant ?? '';
  const n = result?.shape.n ?? 0;

  // in the pooled overview, a click opens the rows around the clicked block
  const pooled = result?.map?.kind === 'pooled';
  const openRows = useCallback(
    (row: number) => {
      const rows = 256;
      setMapView({ kind: 'rows', row0: Math.max(0, Math.min(n - rows, row - rows / 2)), rows });
    },
    [n, setMapView],
  );

  let empty: string | undefined;
  if (!result) empty = 'The map appears after the first run.';
  else if (!result.map) empty = result.status === 'ok' ? 'This run has no attention map.' : 'No map: the run did not finish.';

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
      {result?.map ? (
        <MapPanelsView
          map={result.map}
          exactMap={result.exactMap}
          compare={result.variant !== baseline.id}
          variantLabel={label}
          n={result.shape.n}
          heads={result.shape.heads}
          fileStem={`attention-map-${result.variant}-n${result.shape.n}`}
          onCellClick={pooled ? openRows : undefined}
        />
      ) : (
        <div className="map-plot" data-testid="attention-map">
          {empty && <p className="panel-empty">{empty}</p>}
        </div>
      )}
    </section>
  );
}
