// The attention-map figure: exact | approximate | difference side by side (just the map for
// exact attention). The two maps share one colour axis starting at 0, so equal colours mean
// equal probabilities; the difference has its own diverging axis centred on 0.
import type { Data, Layout } from 'plotly.js/lib/core';
import type { MapWindow } from '../attention/types';
import type { FigureTheme } from './figure-theme';

/**
 * Most cells drawn along either side of one panel; larger windows are averaged over blocks
 * for display (zooming in draws the zoomed part at full resolution). Keeps a redraw well
 * under a frame's budget on the main thread: three panels of 256² cells.
 */
export const MAX_PLOT_CELLS = 256;

/** A zoomed part of the window, in token indices (inclusive ranges). */
export interface MapZoom {
  /** key (column) range */
  x0: number;
  x1: number;
  /** query (row) range */
  y0: number;
  y1: number;
}

export interface MapFigureInput {
  /** the variant's map window */
  map: MapWindow;
  /** exact attention over the same window */
  exactMap?: MapWindow;
  /** draw the exact | approximate | difference comparison (false for exact attention) */
  compare: boolean;
  variantLabel: string;
  /** sequence length (the window may hold fewer rows) */
  n: number;
  heads: number;
  theme: FigureTheme;
  /** width of the plot container in CSS pixels (the panels are sized for square-ish cells) */
  width: number;
  /** the part of the window to draw (token indices); undefined = all of it */
  zoom?: MapZoom;
}

/** What is drawn, for the hover readout: the grids of the panels and how cells map to tokens. */
export interface MapGrids {
  exact?: Grid;
  approx: Grid;
  diff?: Grid;
}

export interface MapFigure {
  data: Data[];
  layout: Partial<Layout>;
  /** lines for the caption under the plot (what is shown, how it was reduced) */
  notes: string[];
  grids: MapGrids;
}

/** A window (or a zoomed part of it) reduced to at most MAX_PLOT_CELLS² cells of block means. */
export interface Grid {
  z: number[][];
  /** first key / query token of each drawn column / row */
  x: number[];
  y: number[];
  /** tokens each drawn column / row covers */
  xSpan: number;
  ySpan: number;
  /** window cells averaged per drawn column / row */
  block: number;
  rowBlock: number;
}

/** Window cells [r0, r1) × [c0, c1) covering the zoom (the whole window without one). */
function cellRange(w: MapWindow, zoom: MapZoom | undefined): { r0: number; r1: number; c0: number; c1: number } {
  if (!zoom) return { r0: 0, r1: w.rows, c0: 0, c1: w.cols };
  const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  const r0 = clamp(Math.floor((zoom.y0 - w.row0) / w.pool), w.rows - 1);
  const r1 = clamp(Math.floor((zoom.y1 - w.row0) / w.pool) + 1, w.rows);
  const c0 = clamp(Math.floor(zoom.x0 / w.pool), w.cols - 1);
  const c1 = clamp(Math.floor(zoom.x1 / w.pool) + 1, w.cols);
  return { r0, r1: Math.max(r1, r0 + 1), c0, c1: Math.max(c1, c0 + 1) };
}

function toGrid(w: MapWindow, zoom?: MapZoom): Grid {
  const { r0, r1, c0, c1 } = cellRange(w, zoom);
  const cols = c1 - c0;
  const rows = r1 - r0;
  const block = Math.max(1, Math.ceil(cols / MAX_PLOT_CELLS));
  const rowBlock = Math.max(1, Math.ceil(rows / MAX_PLOT_CELLS));
  const outCols = Math.ceil(cols / block);
  const outRows = Math.ceil(rows / rowBlock);
  const z: number[][] = [];
  for (let r = 0; r < outRows; r++) {
    const row = new Array<number>(outCols);
    const i0 = r0 + r * rowBlock;
    const i1 = Math.min(r1, i0 + rowBlock);
    for (let c = 0; c < outCols; c++) {
      const j0 = c0 + c * block;
      const j1 = Math.min(c1, j0 + block);
      let sum = 0;
      for (let i = i0; i < i1; i++) {
        const base = i * w.cols;
        for (let j = j0; j < j1; j++) sum += w.data[base + j];
      }
      row[c] = sum / ((j1 - j0) * (i1 - i0));
    }
    z.push(row);
  }
  // axis coordinates in token indices: a pooled window's cell covers `pool` tokens
  const xSpan = w.pool * block;
  const ySpan = w.pool * rowBlock;
  const x = Array.from({ length: outCols }, (_, c) => (c0 + c * block) * w.pool);
  const y = Array.from({ length: outRows }, (_, r) => w.row0 + (r0 + r * rowBlock) * w.pool);
  return { z, x, y, xSpan, ySpan, block, rowBlock };
}

function extent(grids: Grid[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const g of grids) {
    for (const row of g.z) {
      for (const v of row) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  return { min, max };
}

/** Quantile of |value| the shared colour scale is clipped at when a few cells dominate. */
const CLIP_QUANTILE = 0.995;

/** Values sorted to find a quantile: at most this many (a strided sample of larger grids). */
const QUANTILE_SAMPLE = 16_384;

/** The q-quantile of the absolute non-zero values of the grids (0 when all are zero). */
function quantileAbs(grids: Grid[], q: number): number {
  let count = 0;
  for (const g of grids) for (const row of g.z) for (const v of row) if (v !== 0) count++;
  if (count === 0) return 0;
  // a strided sample keeps the sort small (the quantile only sets where the scale clips)
  const stride = Math.max(1, Math.ceil(count / QUANTILE_SAMPLE));
  const values = new Float64Array(Math.ceil(count / stride));
  let k = 0;
  let seen = 0;
  for (const g of grids) {
    for (const row of g.z) {
      for (const v of row) {
        if (v === 0) continue;
        if (seen++ % stride === 0 && k < values.length) values[k++] = Math.abs(v);
      }
    }
  }
  const sample = values.subarray(0, k).sort();
  return sample[Math.min(k - 1, Math.floor(q * k))];
}

const HOVER = 'query %{y}<br>key %{x}<br>%{z:.4g}<extra></extra>';

export function buildMapFigure(input: MapFigureInput): MapFigure {
  const { map, exactMap, theme } = input;
  const notes: string[] = [];
  const comparing = input.compare && exactMap !== undefined && exactMap.rows === map.rows && exactMap.cols === map.cols;
  const approx = toGrid(map, input.zoom);
  const exact = comparing ? toGrid(exactMap!, input.zoom) : undefined;

  // the shared colour axis of the map(s): from 0 (probabilities) to the largest entry shown;
  // maps that can be negative (signed) get a symmetric axis instead
  const signed = map.signed || Boolean(exactMap?.signed && comparing);
  const range = extent(exact ? [exact, approx] : [approx]);
  const largest = Math.max(Math.abs(range.max), signed ? Math.abs(range.min) : 0, 1e-12);
  // A few dominant cells (causal row 0 is all on one key: p = 1) would wash out the rest of
  // the map: then the scale tops out at a high quantile, and the caption says so.
  const typical = quantileAbs(exact ? [exact, approx] : [approx], CLIP_QUANTILE);
  const clipped = typical > 0 && largest > 2 * typical;
  const top = clipped ? typical : largest;
  const shared = { cmin: signed ? -top : 0, cmax: top };

  const heatmap = (g: Grid, name: string, axis: number, coloraxis: string): Data =>
    ({
      type: 'heatmap',
      name,
      z: g.z,
      x: g.x,
      y: g.y,
      coloraxis,
      xaxis: axis === 1 ? 'x' : `x${axis}`,
      yaxis: axis === 1 ? 'y' : `y${axis}`,
      hovertemplate: HOVER,
    }) as Data;

  const data: Data[] = [];
  const titles: string[] = [];
  let diffTop = 0;
  let diff: Grid | undefined;
  if (exact) {
    diff = { ...approx, z: approx.z.map((row, i) => row.map((v, j) => v - exact.z[i][j])) };
    const d = extent([diff]);
    diffTop = Math.max(Math.abs(d.min), Math.abs(d.max), 1e-12);
    data.push(heatmap(exact, 'exact', 1, 'coloraxis'), heatmap(approx, 'approximate', 2, 'coloraxis'), heatmap(diff, 'difference', 3, 'coloraxis2'));
    titles.push('Exact', input.variantLabel, 'Difference (approx − exact)');
  } else {
    data.push(heatmap(approx, input.compare ? 'approximate' : 'map', 1, 'coloraxis'));
    titles.push(input.compare ? `${input.variantLabel} (no exact map to compare)` : input.variantLabel);
  }

  // Side-by-side panels sized so a token step is about as long across as down (the N×N map
  // looks square); a wide window (first rows of a long sequence) is allowed up to 4:1.
  const panels = data.length;
  const margin = { l: 64, r: 16, t: 32, b: 48 };
  const plotWidth = Math.max(200, input.width - margin.l - margin.r);
  const aspect = Math.min(4, Math.max(1, (map.cols * map.pool) / (map.rows * map.pool)));
  let height: number;
  let domains: [number, number][];
  let barX: number;
  if (panels === 1) {
    height = 400;
    const frac = Math.min(0.86, ((height - margin.t - margin.b) * aspect) / plotWidth);
    domains = [[0, frac]];
    barX = frac + 0.015;
  } else {
    // three panels with room for the shared colour bar between the maps and the difference
    domains = [[0, 0.27], [0.31, 0.58], [0.69, 0.96]];
    barX = 0.595;
    height = Math.round(Math.min(420, Math.max(240, (0.27 * plotWidth) / aspect + margin.t + margin.b)));
  }
  // fixed margins and no tick-label overflow checks: Plotly's defaults (automargin redraws,
  // 'hide past div' measuring every label against every other) cost hundreds of ms per draw
  const axisStyle = { color: theme.muted, gridcolor: theme.grid, zeroline: false, ticks: 'outside' as const, automargin: false, ticklabeloverflow: 'allow' as const };
  const layout: Record<string, unknown> = {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { color: theme.fg, size: 12, family: 'system-ui, sans-serif' },
    margin,
    autosize: true,
    height,
    coloraxis: {
      ...shared,
      colorscale: signed ? 'RdBu' : 'Viridis',
      colorbar: { title: { text: signed ? 'value' : 'p' }, x: barX, xanchor: 'left', thickness: 12, len: 0.9 },
    },
    annotations: titles.map((text, i) => ({
      text,
      showarrow: false,
      xref: 'paper',
      yref: 'paper',
      x: (domains[i][0] + domains[i][1]) / 2,
      y: 1.02,
      xanchor: 'center',
      yanchor: 'bottom',
      font: { size: 13, color: theme.fg },
    })),
  };
  if (exact) {
    layout.coloraxis2 = {
      cmin: -diffTop,
      cmax: diffTop,
      // Plotly's RdBu runs blue (low) to red (high): red = the approximation puts more weight there
      colorscale: 'RdBu',
      colorbar: { title: { text: 'Δ' }, x: 0.975, xanchor: 'left', thickness: 12, len: 0.9, exponentformat: 'e' },
    };
  }
  domains.forEach((domain, i) => {
    const suffix = i === 0 ? '' : String(i + 1);
    layout[`xaxis${suffix}`] = { ...axisStyle, domain, anchor: `y${suffix}`, title: { text: 'key j' } };
    layout[`yaxis${suffix}`] = {
      ...axisStyle,
      anchor: `x${suffix}`,
      autorange: 'reversed',
      title: { text: i === 0 ? 'query i' : '' },
      // the other panels show the same rows: aligned when zooming, labelled once (and their
      // tick labels would collide with the colour bar placed between the panels)
      ...(i > 0 ? { matches: 'y', showticklabels: false } : {}),
    };
    if (i > 0) (layout[`xaxis${suffix}`] as Record<string, unknown>).matches = 'x';
  });

  if (input.zoom) {
    const z = input.zoom;
    for (let i = 0; i < domains.length; i++) {
      const suffix = i === 0 ? '' : String(i + 1);
      const xa = layout[`xaxis${suffix}`] as Record<string, unknown>;
      const ya = layout[`yaxis${suffix}`] as Record<string, unknown>;
      xa.range = [z.x0 - 0.5, z.x1 + 0.5];
      xa.autorange = false;
      ya.range = [z.y1 + 0.5, z.y0 - 0.5]; // reversed: query 0 at the top
      ya.autorange = false;
    }
  }

  if (map.kind === 'rows' && map.rows < input.n) {
    notes.push(
      map.row0 === 0
        ? `N = ${input.n}: showing the first ${map.rows} query rows (rows 0–${map.rows - 1}) of ${input.n}.`
        : `N = ${input.n}: showing query rows ${map.row0}–${map.row0 + map.rows - 1} of ${input.n}.`,
    );
  }
  if (map.kind === 'pooled') notes.push(`Pooled overview: each cell is the mean of a ${map.pool}×${map.pool} block of the N×N map.`);
  if (approx.block > 1 || approx.rowBlock > 1) {
    notes.push(`Drawn as means of ${approx.rowBlock}×${approx.block} cells (at most ${MAX_PLOT_CELLS}² per panel): zoom in (drag a box) for full resolution.`);
  }
  if (input.heads > 1) notes.push(`Head 1 of ${input.heads}.`);
  if (exact) notes.push('Exact and approximate share one colour scale from 0; the difference has its own diverging scale, centred on 0 (red: the approximation puts more weight there).');
  if (clipped) {
    notes.push(`Colour scale clipped at the ${CLIP_QUANTILE * 100}th percentile (${top.toPrecision(3)}); the largest entry is ${largest.toPrecision(3)} (the readout shows exact values).`);
  }
  return { data, layout: layout as Partial<Layout>, notes, grids: { exact, approx, diff } };
}

// ---------------------------------------------------------------------------------------
// The page's map panel draws each map as a figure of its own (buildMapPanels): three small
// Plotly draws in separate tasks instead of one large one, with the colour scales as HTML
// legends — the main thread never blocks long (issue 7). Zoom is shared through the page's
// state (every panel gets the same ranges). buildMapFigure above stays for one-figure users.

/** Viridis (matplotlib), 9 stops: the scale of probabilities. */
export const VIRIDIS: [number, string][] = [
  [0, '#440154'], [0.125, '#472c7a'], [0.25, '#3b518b'], [0.375, '#2c718e'], [0.5, '#21908d'],
  [0.625, '#27ad81'], [0.75, '#5cc863'], [0.875, '#aadc32'], [1, '#fde725'],
];
/** A diverging blue–white–red scale (ColorBrewer RdBu, reversed): negative blue, 0 white, positive red. */
export const DIVERGING: [number, string][] = [
  [0, '#2166ac'], [0.2, '#4393c3'], [0.35, '#92c5de'], [0.5, '#f7f7f7'], [0.65, '#f4a582'], [0.8, '#d6604d'], [1, '#b2182b'],
];

export interface MapLegend {
  title: string;
  cmin: number;
  cmax: number;
  colorscale: [number, string][];
  /** the panels (by index) that use it */
  panels: number[];
}

export interface MapPanel {
  title: string;
  /** what the panel shows, for the readout and the test hooks: exact | approx | diff */
  role: 'exact' | 'approx' | 'diff';
  data: Data[];
  layout: Partial<Layout>;
}

export interface MapPanels {
  panels: MapPanel[];
  legends: MapLegend[];
  notes: string[];
  grids: MapGrids;
}

/** Gives the main thread back between steps (a new task: input and painting can run). */
export const yieldToMain = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * The panels of the map figure, built in steps with the main thread given back between them
 * (each grid reduces up to a 1024² window): `pause` is awaited between the steps, and a step
 * returns undefined when `cancelled()` says the result is no longer wanted.
 */
export async function buildMapPanelsInSteps(input: MapFigureInput, pause: () => Promise<void> = yieldToMain, cancelled: () => boolean = () => false): Promise<MapPanels | undefined> {
  const { map, exactMap } = input;
  const comparing = input.compare && exactMap !== undefined && exactMap.rows === map.rows && exactMap.cols === map.cols;
  const approx = toGrid(map, input.zoom);
  await pause();
  if (cancelled()) return undefined;
  const exact = comparing ? toGrid(exactMap!, input.zoom) : undefined;
  await pause();
  if (cancelled()) return undefined;
  return buildMapPanels(input, { approx, exact });
}

export function buildMapPanels(input: MapFigureInput, grids?: { approx: Grid; exact?: Grid }): MapPanels {
  const { map, exactMap, theme } = input;
  const notes: string[] = [];
  const comparing = input.compare && exactMap !== undefined && exactMap.rows === map.rows && exactMap.cols === map.cols;
  const approx = grids?.approx ?? toGrid(map, input.zoom);
  const exact = comparing ? (grids?.exact ?? toGrid(exactMap!, input.zoom)) : undefined;
  const signed = map.signed || Boolean(exactMap?.signed && comparing);
  const range = extent(exact ? [exact, approx] : [approx]);
  const largest = Math.max(Math.abs(range.max), signed ? Math.abs(range.min) : 0, 1e-12);
  const typical = quantileAbs(exact ? [exact, approx] : [approx], CLIP_QUANTILE);
  const clipped = typical > 0 && largest > 2 * typical;
  const top = clipped ? typical : largest;
  const mapScale = signed ? DIVERGING : VIRIDIS;
  const legends: MapLegend[] = [{ title: signed ? 'value' : 'p', cmin: signed ? -top : 0, cmax: top, colorscale: mapScale, panels: exact ? [0, 1] : [0] }];

  let diff: Grid | undefined;
  if (exact) {
    diff = { ...approx, z: approx.z.map((row, i) => row.map((v, j) => v - exact.z[i][j])) };
    const d = extent([diff]);
    const diffTop = Math.max(Math.abs(d.min), Math.abs(d.max), 1e-12);
    legends.push({ title: 'Δ', cmin: -diffTop, cmax: diffTop, colorscale: DIVERGING, panels: [2] });
  }

  const count = exact ? 3 : 1;
  // each panel square-ish in token units; a wide window (first rows of a long sequence) up to 4:1
  const gap = 16;
  const legendWidth = 70;
  const panelWidth = Math.max(160, Math.floor((input.width - legendWidth * (exact ? 2 : 1) - gap * count) / count));
  const margin = { l: 52, r: 8, t: 8, b: 44 };
  const aspect = Math.min(4, Math.max(1, map.cols / map.rows));
  const plotW = panelWidth - margin.l - margin.r;
  const height = Math.round(Math.min(count === 1 ? 420 : 360, Math.max(200, plotW / aspect + margin.t + margin.b)));
  const axisStyle = { color: theme.muted, gridcolor: theme.grid, zeroline: false, ticks: 'outside' as const, automargin: false, ticklabeloverflow: 'allow' as const, showgrid: false };

  const panel = (g: Grid, role: MapPanel['role'], title: string, legend: MapLegend): MapPanel => {
    const xaxis: Record<string, unknown> = { ...axisStyle, title: { text: 'key j', standoff: 4 } };
    const yaxis: Record<string, unknown> = { ...axisStyle, autorange: 'reversed', title: { text: 'query i', standoff: 4 } };
    if (input.zoom) {
      const z = input.zoom;
      Object.assign(xaxis, { range: [z.x0 - 0.5, z.x1 + 0.5], autorange: false });
      Object.assign(yaxis, { range: [z.y1 + 0.5, z.y0 - 0.5], autorange: false });
    }
    return {
      title,
      role,
      data: [
        {
          type: 'heatmap',
          name: title,
          z: g.z,
          x: g.x,
          y: g.y,
          zmin: legend.cmin,
          zmax: legend.cmax,
          zauto: false,
          colorscale: legend.colorscale,
          showscale: false,
          // the page's readout shows the values of all three maps; Plotly's own label stays short
          hovertemplate: 'query %{y}, key %{x}<extra></extra>',
        } as Data,
      ],
      layout: {
        paper_bgcolor: 'rgba(0,0,0,0)',
        plot_bgcolor: 'rgba(0,0,0,0)',
        font: { color: theme.fg, size: 11, family: 'system-ui, sans-serif' },
        margin,
        height,
        autosize: true,
        xaxis,
        yaxis,
        dragmode: 'zoom',
        hoverlabel: { namelength: 0 },
      } as Partial<Layout>,
    };
  };

  const panels: MapPanel[] = [];
  if (exact && diff) {
    panels.push(panel(exact, 'exact', 'Exact', legends[0]), panel(approx, 'approx', input.variantLabel, legends[0]), panel(diff, 'diff', 'Difference (approx − exact)', legends[1]));
  } else {
    panels.push(panel(approx, 'approx', input.compare ? `${input.variantLabel} (no exact map to compare)` : input.variantLabel, legends[0]));
  }

  if (map.kind === 'rows' && map.rows < input.n) {
    notes.push(
      map.row0 === 0
        ? `N = ${input.n}: showing the first ${map.rows} query rows (rows 0–${map.rows - 1}) of ${input.n}.`
        : `N = ${input.n}: showing query rows ${map.row0}–${map.row0 + map.rows - 1} of ${input.n}.`,
    );
  }
  if (map.kind === 'pooled') notes.push(`Pooled overview: each cell is the mean of a ${map.pool}×${map.pool} block of the N×N map.`);
  if (approx.block > 1 || approx.rowBlock > 1) {
    notes.push(`Drawn as means of ${approx.rowBlock}×${approx.block} cells (at most ${MAX_PLOT_CELLS}² per panel): zoom in (drag a box) for full resolution.`);
  }
  if (input.heads > 1) notes.push(`Head 1 of ${input.heads}.`);
  if (exact) notes.push('Exact and approximate share one colour scale; the difference has its own diverging scale, centred on 0 (red: the approximation puts more weight there). Zoom and pan are shared by the three maps.');
  if (signed) notes.push('This map can be negative: its scale diverges around 0.');
  if (clipped) {
    notes.push(`Colour scale clipped at the ${CLIP_QUANTILE * 100}th percentile (${top.toPrecision(3)}); the largest entry is ${largest.toPrecision(3)} (the readout shows exact values).`);
  }
  return { panels, legends, notes, grids: { exact, approx, diff } };
}
