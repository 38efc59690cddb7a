// The attention-map panels: exact | approximate | difference side by side (just the map for
// exact attention), each a figure of its own. Exact and approximate share one colour scale
// starting at 0, so equal colours mean equal probabilities; the difference has its own
// diverging scale centred on 0. The cells are a PNG made in the view worker (src/state/map-images.ts)
// and drawn as a Plotly layout image under the panel's axes, with the colour scales as HTML
// legends: a redraw is an axes-only Plotly figure, and no task of the main thread colours
// 256² cells (issue 7). Zoom is shared through the page's state (every panel gets the same
// ranges); the hover readout reads the grids.
import type { Data, Layout } from 'plotly.js/lib/core';
import { baseline } from '../../attention/registry';
import type { MapWindow } from '../../attention/types';
import type { FigureTheme } from './figure-theme';
import { CLIP_QUANTILE, DIVERGING, MAX_PLOT_CELLS, VIRIDIS, type Grid, type MapGrids, type MapImages, type MapRole, type MapZoom } from '../../state/map-images';

export { MAX_PLOT_CELLS, type Grid, type MapGrids, type MapZoom };

export interface MapFigureInput {
  /** the variant's map window */
  map: MapWindow;
  /** what the view worker made of it (and of exact attention's map over the same window) */
  images: MapImages;
  /** the comparison was asked for (false for exact attention) */
  compare: boolean;
  variantLabel: string;
  /** sequence length (the window may hold fewer rows) */
  n: number;
  heads: number;
  theme: FigureTheme;
  /** width of the plot container in CSS pixels (the panels are sized for square-ish cells) */
  width: number;
  /** the zoomed part drawn (token indices); undefined = all of the window */
  zoom?: MapZoom;
  /** panel titles other than the defaults (e.g. the Fastmax panel names its reference) */
  titles?: Partial<Record<MapRole, string>>;
}

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
  /** what the panel shows, for the readout: reference | approx | diff */
  role: MapRole;
  /** the panel's name in the page (data-role, exported images' file names): the reference's is the baseline's id */
  name: string;
  data: Data[];
  layout: Partial<Layout>;
  /** drawn rows × columns of cells (set on the plot as data-drawn once Plotly has drawn it) */
  drawn: string;
}

export interface MapPanels {
  panels: MapPanel[];
  legends: MapLegend[];
  notes: string[];
  grids: MapGrids;
}

/** Token ranges of the whole grid: a cell covers [x, x + span) tokens, token t is drawn over [t − ½, t + ½]. */
function gridRanges(g: Grid): { x: [number, number]; y: [number, number] } {
  return { x: [g.x0 - 0.5, g.x0 + g.cols * g.xSpan - 0.5], y: [g.y0 - 0.5, g.y0 + g.rows * g.ySpan - 0.5] };
}

/** The drawn cell under token coordinates (x: key, y: query), or undefined outside the grid. */
export function cellAt(g: Grid, x: number, y: number): { r: number; c: number } | undefined {
  const c = Math.floor((Math.round(x) - g.x0) / g.xSpan);
  const r = Math.floor((Math.round(y) - g.y0) / g.ySpan);
  return r >= 0 && r < g.rows && c >= 0 && c < g.cols ? { r, c } : undefined;
}

export function buildMapPanels(input: MapFigureInput): MapPanels {
  const { map, theme, images } = input;
  const { grids, scales } = images;
  const { approx, reference, diff } = grids;
  const notes: string[] = [];
  const mapScale = scales.signed ? DIVERGING : VIRIDIS;
  const legends: MapLegend[] = [{ title: scales.signed ? 'value' : 'p', cmin: scales.cmin, cmax: scales.cmax, colorscale: mapScale, panels: reference ? [0, 1] : [0] }];
  if (reference && diff && scales.diffTop !== undefined) legends.push({ title: 'Δ', cmin: -scales.diffTop, cmax: scales.diffTop, colorscale: DIVERGING, panels: [2] });

  const count = reference ? 3 : 1;
  // each panel square-ish in token units; a wide window (first rows of a long sequence) up to 4:1
  const gap = 16;
  const legendWidth = 70;
  const panelWidth = Math.max(160, Math.floor((input.width - legendWidth * (reference ? 2 : 1) - gap * count) / count));
  const margin = { l: 52, r: 8, t: 8, b: 44 };
  const aspect = Math.min(4, Math.max(1, map.cols / map.rows));
  const plotW = panelWidth - margin.l - margin.r;
  const height = Math.round(Math.min(count === 1 ? 420 : 360, Math.max(200, plotW / aspect + margin.t + margin.b)));
  // fixed margins and no tick-label overflow checks: Plotly's defaults (automargin redraws,
  // 'hide past div' measuring every label against every other) cost hundreds of ms per draw
  const axisStyle = { color: theme.muted, gridcolor: theme.grid, zeroline: false, ticks: 'outside' as const, automargin: false, ticklabeloverflow: 'allow' as const, showgrid: false };
  // explicit ranges (there is no trace to autorange on): the whole grid, or the zoomed part
  const full = gridRanges(approx);
  const z = input.zoom;
  const xRange = z ? [z.x0 - 0.5, z.x1 + 0.5] : full.x;
  const yRange = z ? [z.y1 + 0.5, z.y0 - 0.5] : [full.y[1], full.y[0]]; // reversed: query 0 at the top

  const panel = (g: Grid, role: MapRole, title: string): MapPanel => {
    const r = gridRanges(g);
    return {
      title,
      role,
      name: role === 'reference' ? baseline.id : role,
      drawn: `${g.rows}x${g.cols}`,
      data: [],
      layout: {
        paper_bgcolor: 'rgba(0,0,0,0)',
        plot_bgcolor: 'rgba(0,0,0,0)',
        font: { color: theme.fg, size: 11, family: 'system-ui, sans-serif' },
        margin,
        height,
        autosize: true,
        xaxis: { ...axisStyle, range: xRange, autorange: false, title: { text: 'key j', standoff: 4 } },
        yaxis: { ...axisStyle, range: yRange, autorange: false, title: { text: 'query i', standoff: 4 } },
        dragmode: 'zoom',
        // the cells: one image in token coordinates, under the axes, clipped to the plot area
        images: [
          {
            source: images.images[role],
            xref: 'x',
            yref: 'y',
            x: r.x[0],
            y: r.y[0],
            sizex: r.x[1] - r.x[0],
            sizey: r.y[1] - r.y[0],
            xanchor: 'left',
            yanchor: 'top',
            sizing: 'stretch',
            layer: 'below',
          },
        ],
      } as Partial<Layout>,
    };
  };

  const titles = input.titles ?? {};
  const panels: MapPanel[] = [];
  if (reference && diff) {
    panels.push(
      panel(reference, 'reference', titles.reference ?? 'Exact'),
      panel(approx, 'approx', titles.approx ?? input.variantLabel),
      panel(diff, 'diff', titles.diff ?? 'Difference (approx − exact)'),
    );
  } else {
    panels.push(panel(approx, 'approx', titles.approx ?? (input.compare ? `${input.variantLabel} (no exact map to compare)` : input.variantLabel)));
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
  if (reference) notes.push('Exact and approximate share one colour scale; the difference has its own diverging scale, centred on 0 (red: the approximation puts more weight there). Zoom and pan are shared by the three maps.');
  if (scales.signed) notes.push('This map can be negative: its scale diverges around 0.');
  if (scales.clipped) {
    notes.push(`Colour scale clipped at the ${CLIP_QUANTILE * 100}th percentile (${scales.cmax.toPrecision(3)}); the largest entry is ${scales.largest.toPrecision(3)} (the readout shows exact values).`);
  }
  return { panels, legends, notes, grids };
}
