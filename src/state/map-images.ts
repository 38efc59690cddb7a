// The pixels of the attention-map panels, computed off the main thread (the page's view
// worker, src/state/cpu-worker.ts): block means of the window (or of its zoomed part) down to
// at most MAX_PLOT_CELLS² cells, the shared colour scale of exact and approximate (clipped at
// a high quantile when a few cells dominate), the difference and its own diverging scale, and
// each grid coloured into RGBA pixels. Pure functions (no DOM), so Node's unit tests run them;
// the worker encodes the pixels as PNG and the page draws them as a Plotly layout image under
// the panel's axes (map-figure.ts) — a Plotly heatmap of 256² cells was the page's longest
// main-thread task (issue 7).
import type { MapWindow } from '../attention/types';

/**
 * Most cells drawn along either side of one panel; larger windows are averaged over blocks
 * for display (zooming in draws the zoomed part at full resolution).
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

/**
 * A window (or a zoomed part of it) reduced to at most MAX_PLOT_CELLS² cells of block means,
 * row-major. Drawn column c covers keys x0 + c·xSpan … x0 + (c+1)·xSpan − 1, drawn row r
 * queries y0 + r·ySpan … (the last block of a side may cover fewer tokens).
 */
export interface Grid {
  z: Float32Array;
  rows: number;
  cols: number;
  /** first key / query token of the first drawn column / row */
  x0: number;
  y0: number;
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

/** Block means of the window (or of the part the zoom covers). */
export function toGrid(w: MapWindow, zoom?: MapZoom): Grid {
  const { r0, r1, c0, c1 } = cellRange(w, zoom);
  const block = Math.max(1, Math.ceil((c1 - c0) / MAX_PLOT_CELLS));
  const rowBlock = Math.max(1, Math.ceil((r1 - r0) / MAX_PLOT_CELLS));
  const cols = Math.ceil((c1 - c0) / block);
  const rows = Math.ceil((r1 - r0) / rowBlock);
  const z = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const i0 = r0 + r * rowBlock;
    const i1 = Math.min(r1, i0 + rowBlock);
    for (let c = 0; c < cols; c++) {
      const j0 = c0 + c * block;
      const j1 = Math.min(c1, j0 + block);
      let sum = 0;
      for (let i = i0; i < i1; i++) {
        const base = i * w.cols;
        for (let j = j0; j < j1; j++) sum += w.data[base + j];
      }
      z[r * cols + c] = sum / ((j1 - j0) * (i1 - i0));
    }
  }
  // token coordinates: a pooled window's cell covers `pool` tokens
  return { z, rows, cols, x0: c0 * w.pool, y0: w.row0 + r0 * w.pool, xSpan: w.pool * block, ySpan: w.pool * rowBlock, block, rowBlock };
}

function extent(grids: Grid[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const g of grids) {
    for (const v of g.z) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min, max };
}

/** Quantile of |value| the shared colour scale is clipped at when a few cells dominate. */
export const CLIP_QUANTILE = 0.995;

/** Values sorted to find a quantile: at most this many (a strided sample of larger grids). */
const QUANTILE_SAMPLE = 16_384;

/** The q-quantile of the absolute non-zero values of the grids (0 when all are zero). */
function quantileAbs(grids: Grid[], q: number): number {
  let count = 0;
  for (const g of grids) for (const v of g.z) if (v !== 0) count++;
  if (count === 0) return 0;
  // a strided sample keeps the sort small (the quantile only sets where the scale clips)
  const stride = Math.max(1, Math.ceil(count / QUANTILE_SAMPLE));
  const values = new Float64Array(Math.ceil(count / stride));
  let k = 0;
  let seen = 0;
  for (const g of grids) {
    for (const v of g.z) {
      if (v === 0) continue;
      if (seen++ % stride === 0 && k < values.length) values[k++] = Math.abs(v);
    }
  }
  const sample = values.subarray(0, k).sort();
  return sample[Math.min(k - 1, Math.floor(q * k))];
}

/** Viridis (matplotlib), 9 stops: the scale of probabilities. */
export const VIRIDIS: [number, string][] = [
  [0, '#440154'], [0.125, '#472c7a'], [0.25, '#3b518b'], [0.375, '#2c718e'], [0.5, '#21908d'],
  [0.625, '#27ad81'], [0.75, '#5cc863'], [0.875, '#aadc32'], [1, '#fde725'],
];
/** A diverging blue–white–red scale (ColorBrewer RdBu, reversed): negative blue, 0 white, positive red. */
export const DIVERGING: [number, string][] = [
  [0, '#2166ac'], [0.2, '#4393c3'], [0.35, '#92c5de'], [0.5, '#f7f7f7'], [0.65, '#f4a582'], [0.8, '#d6604d'], [1, '#b2182b'],
];

/** 256 RGB entries interpolated linearly between the stops of a scale. */
function colourTable(scale: [number, string][]): Uint8Array {
  const stops = scale.map(([t, c]) => [t, Number.parseInt(c.slice(1, 3), 16), Number.parseInt(c.slice(3, 5), 16), Number.parseInt(c.slice(5, 7), 16)]);
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let k = 0;
    while (k < stops.length - 2 && t > stops[k + 1][0]) k++;
    const [ta, ...a] = stops[k];
    const [tb, ...b] = stops[k + 1];
    const f = tb > ta ? Math.min(1, Math.max(0, (t - ta) / (tb - ta))) : 0;
    for (let ch = 0; ch < 3; ch++) table[i * 3 + ch] = Math.round(a[ch] + f * (b[ch] - a[ch]));
  }
  return table;
}

/** RGBA pixels of one panel: each grid cell is `scale`×`scale` pixels. */
export interface Pixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/**
 * Pixels per cell: the image is drawn (and exported) stretched over the panel, and a browser
 * smooths a stretched image — about 512 pixels a side keep the cells' edges sharp.
 */
export function pixelScale(rows: number, cols: number): number {
  const side = Math.max(rows, cols, 1);
  return Math.max(1, Math.min(Math.floor(1024 / side), Math.ceil(512 / side)));
}

/** The grid coloured on `scale` from cmin to cmax (values outside are clamped to the ends). */
export function colourGrid(g: Grid, cmin: number, cmax: number, scale: [number, string][], px = pixelScale(g.rows, g.cols)): Pixels {
  const table = colourTable(scale);
  const width = g.cols * px;
  const height = g.rows * px;
  const data = new Uint8ClampedArray(width * height * 4);
  const span = cmax > cmin ? cmax - cmin : 1;
  const row = new Uint8ClampedArray(width * 4);
  for (let r = 0; r < g.rows; r++) {
    for (let c = 0; c < g.cols; c++) {
      const v = g.z[r * g.cols + c];
      const i = Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, (v - cmin) / span)) * 255) : 0;
      for (let k = 0; k < px; k++) {
        const o = (c * px + k) * 4;
        row[o] = table[i * 3];
        row[o + 1] = table[i * 3 + 1];
        row[o + 2] = table[i * 3 + 2];
        row[o + 3] = 255;
      }
    }
    for (let k = 0; k < px; k++) data.set(row, (r * px + k) * width * 4);
  }
  return { data, width, height };
}

export interface MapImagesRequest {
  /** the variant's map window */
  map: MapWindow;
  /** exact attention over the same window */
  exactMap?: MapWindow;
  /** draw the exact | approximate | difference comparison (false for exact attention) */
  compare: boolean;
  /** the part of the window to draw (token indices); undefined = all of it */
  zoom?: MapZoom;
}

/** The shared colour scale of exact and approximate, and the difference's. */
export interface MapScales {
  signed: boolean;
  cmin: number;
  cmax: number;
  /** the scale tops out at the CLIP_QUANTILE quantile (below the largest entry) */
  clipped: boolean;
  largest: number;
  /** the difference's scale is −diffTop … diffTop */
  diffTop?: number;
}

/** The panels: the reference's map (the baseline's, or another reference), the variant's, their difference. */
export type MapRole = 'reference' | 'approx' | 'diff';

/** What is drawn, for the hover readout: the grids of the panels. */
export interface MapGrids {
  reference?: Grid;
  approx: Grid;
  diff?: Grid;
}

export interface MapImagesData {
  grids: MapGrids;
  scales: MapScales;
  pixels: Partial<Record<MapRole, Pixels>>;
}

/** Grids, scales and pixels of the panels (exact | approximate | difference, or the map alone). */
export function computeMapImages(req: MapImagesRequest): MapImagesData {
  const { map, exactMap } = req;
  const comparing = req.compare && exactMap !== undefined && exactMap.rows === map.rows && exactMap.cols === map.cols;
  const approx = toGrid(map, req.zoom);
  const reference = comparing ? toGrid(exactMap!, req.zoom) : undefined;
  // the shared scale of the map(s): from 0 (probabilities) to the largest entry shown; maps
  // that can be negative (signed) get a symmetric scale instead. A few dominant cells (causal
  // row 0 is all on one key: p = 1) would wash out the rest of the map: then the scale tops
  // out at a high quantile, and the caption says so.
  const signed = map.signed || Boolean(exactMap?.signed && comparing);
  const both = reference ? [reference, approx] : [approx];
  const range = extent(both);
  const largest = Math.max(Math.abs(range.max), signed ? Math.abs(range.min) : 0, 1e-12);
  const typical = quantileAbs(both, CLIP_QUANTILE);
  const clipped = typical > 0 && largest > 2 * typical;
  const top = clipped ? typical : largest;
  const scales: MapScales = { signed, cmin: signed ? -top : 0, cmax: top, clipped, largest };
  const mapScale = signed ? DIVERGING : VIRIDIS;
  const pixels: MapImagesData['pixels'] = { approx: colourGrid(approx, scales.cmin, scales.cmax, mapScale) };
  let diff: Grid | undefined;
  if (reference) {
    const z = new Float32Array(approx.z.length);
    for (let i = 0; i < z.length; i++) z[i] = approx.z[i] - reference.z[i];
    diff = { ...approx, z };
    const d = extent([diff]);
    scales.diffTop = Math.max(Math.abs(d.min), Math.abs(d.max), 1e-12);
    pixels.reference = colourGrid(reference, scales.cmin, scales.cmax, mapScale);
    pixels.diff = colourGrid(diff, -scales.diffTop, scales.diffTop, DIVERGING);
  }
  return { grids: { reference, approx, diff }, scales, pixels };
}

/** What the page gets back from the worker: the grids and scales, and each panel as a PNG data URL. */
export interface MapImages {
  grids: MapGrids;
  scales: MapScales;
  images: Partial<Record<MapRole, string>>;
}
