// The attention-map figure: exact | approximate | difference side by side (just the map for
// exact attention). The two maps share one colour axis starting at 0, so equal colours mean
// equal probabilities; the difference has its own diverging axis centred on 0.
import type { Data, Layout } from 'plotly.js/lib/core';
import type { MapWindow } from '../attention/types';
import type { FigureTheme } from './figure-theme';

/** Widest map drawn as is; wider windows are averaged over blocks of columns for display. */
export const MAX_PLOT_COLS = 1024;

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
}

export interface MapFigure {
  data: Data[];
  layout: Partial<Layout>;
  /** lines for the caption under the plot (what is shown, how it was reduced) */
  notes: string[];
}

/** A window reduced to at most MAX_PLOT_COLS columns (block means), as rows of numbers. */
interface Grid {
  z: number[][];
  x: number[];
  y: number[];
  /** columns averaged per drawn column */
  block: number;
}

function toGrid(w: MapWindow): Grid {
  const block = Math.max(1, Math.ceil(w.cols / MAX_PLOT_COLS));
  const outCols = Math.ceil(w.cols / block);
  const z: number[][] = [];
  for (let i = 0; i < w.rows; i++) {
    const row = new Array<number>(outCols);
    const base = i * w.cols;
    for (let c = 0; c < outCols; c++) {
      const j0 = c * block;
      const j1 = Math.min(w.cols, j0 + block);
      let sum = 0;
      for (let j = j0; j < j1; j++) sum += w.data[base + j];
      row[c] = sum / (j1 - j0);
    }
    z.push(row);
  }
  // axis coordinates in token indices: a pooled window's cell covers `pool` tokens
  const scale = w.pool * block;
  const x = Array.from({ length: outCols }, (_, c) => c * scale);
  const y = Array.from({ length: w.rows }, (_, i) => w.row0 + i * w.pool);
  return { z, x, y, block };
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

/** The q-quantile of the absolute non-zero values of the grids (0 when all are zero). */
function quantileAbs(grids: Grid[], q: number): number {
  let count = 0;
  for (const g of grids) for (const row of g.z) for (const v of row) if (v !== 0) count++;
  if (count === 0) return 0;
  const values = new Float64Array(count);
  let k = 0;
  for (const g of grids) for (const row of g.z) for (const v of row) if (v !== 0) values[k++] = Math.abs(v);
  values.sort();
  return values[Math.min(count - 1, Math.floor(q * count))];
}

const HOVER = 'query %{y}<br>key %{x}<br>%{z:.4g}<extra></extra>';

export function buildMapFigure(input: MapFigureInput): MapFigure {
  const { map, exactMap, theme } = input;
  const notes: string[] = [];
  const comparing = input.compare && exactMap !== undefined && exactMap.rows === map.rows && exactMap.cols === map.cols;
  const approx = toGrid(map);
  const exact = comparing ? toGrid(exactMap!) : undefined;

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
  if (exact) {
    const diff: Grid = { ...approx, z: approx.z.map((row, i) => row.map((v, j) => v - exact.z[i][j])) };
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
  const margin = { l: 56, r: 16, t: 32, b: 44 };
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
  const axisStyle = { color: theme.muted, gridcolor: theme.grid, zeroline: false, ticks: 'outside' as const, automargin: true };
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

  if (map.kind === 'rows' && map.rows < input.n) {
    notes.push(`N = ${input.n}: showing the first ${map.rows} query rows (rows ${map.row0}–${map.row0 + map.rows - 1}) of ${input.n}.`);
  }
  if (map.kind === 'pooled') notes.push(`Averaged over ${map.pool}×${map.pool} blocks of the N×N map.`);
  if (approx.block > 1) notes.push(`Drawn with ${approx.block} keys averaged per column (${map.cols} keys).`);
  if (input.heads > 1) notes.push(`Head 1 of ${input.heads}.`);
  if (exact) notes.push('The maps share one colour scale from 0; the difference has its own, centred on 0.');
  if (clipped) {
    notes.push(`Colour scale clipped at the ${CLIP_QUANTILE * 100}th percentile (${top.toPrecision(3)}); the largest entry is ${largest.toPrecision(3)} (hover shows exact values).`);
  }
  return { data, layout: layout as Partial<Layout>, notes };
}
