// The map panels' pixels as the view worker makes them (src/state/map-images.ts): block means and
// their token coordinates, the shared and the difference colour scales, the coloured pixels.
import { describe, expect, test } from 'vitest';
import type { MapWindow } from '../../src/attention/types';
import { colourGrid, computeMapImages, MAX_PLOT_CELLS, pixelScale, toGrid, VIRIDIS } from '../../src/state/map-images';
import { cellAt } from '../../src/ui/plots/map-figure';

function mapWindow(rows: number, cols: number, f: (i: number, j: number) => number, extra: Partial<MapWindow> = {}): MapWindow {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = f(i, j);
  return { kind: 'rows', head: 0, data, rows, cols, row0: 0, pool: 1, signed: false, ...extra };
}

describe('toGrid', () => {
  test('a small window is drawn cell for cell', () => {
    const w = mapWindow(3, 4, (i, j) => i * 10 + j);
    const g = toGrid(w);
    expect([g.rows, g.cols, g.block, g.rowBlock, g.x0, g.y0, g.xSpan, g.ySpan]).toEqual([3, 4, 1, 1, 0, 0, 1, 1]);
    expect(Array.from(g.z)).toEqual(Array.from(w.data));
  });

  test('a large window is reduced to block means of at most MAX_PLOT_CELLS a side', () => {
    const n = 2 * MAX_PLOT_CELLS + 2; // blocks of 3, the last one a single row and column
    const w = mapWindow(n, n, (i, j) => i + j);
    const g = toGrid(w);
    expect(g.block).toBe(3);
    expect(g.cols).toBe(Math.ceil(n / 3));
    // the first block: mean of i + j over 3×3 cells = 2
    expect(g.z[0]).toBeCloseTo(2, 5);
    // the last (partial) block holds the single cell (n − 1, n − 1)
    expect(g.z[g.z.length - 1]).toBeCloseTo(2 * (n - 1), 3);
  });

  test('a zoom draws the zoomed rows and keys at full resolution, in token coordinates', () => {
    const w = mapWindow(100, 600, (i, j) => i * 1000 + j, { row0: 500 });
    const g = toGrid(w, { x0: 10, x1: 19, y0: 520, y1: 524 });
    expect([g.rows, g.cols, g.x0, g.y0, g.block]).toEqual([5, 10, 10, 520, 1]);
    expect(g.z[0]).toBe(20 * 1000 + 10);
    expect(cellAt(g, 12, 521)).toEqual({ r: 1, c: 2 });
    expect(cellAt(g, 9.4, 521)).toBeUndefined();
  });

  test('a pooled window: each cell covers pool tokens', () => {
    const w = mapWindow(4, 4, () => 1, { kind: 'pooled', pool: 3 });
    const g = toGrid(w);
    expect([g.xSpan, g.ySpan]).toEqual([3, 3]);
    expect(cellAt(g, 7, 2)).toEqual({ r: 0, c: 2 });
  });
});

describe('computeMapImages', () => {
  test('exact and approximate share a scale from 0; the difference is approx − exact on its own symmetric scale', () => {
    const exact = mapWindow(8, 8, (i, j) => (i === j ? 0.5 : 0.5 / 7));
    const approx = mapWindow(8, 8, () => 1 / 8);
    const m = computeMapImages({ map: approx, exactMap: exact, compare: true });
    expect(m.scales.signed).toBe(false);
    expect(m.scales.cmin).toBe(0);
    expect(m.scales.cmax).toBeCloseTo(0.5, 6);
    expect(m.grids.diff!.z[0]).toBeCloseTo(1 / 8 - 0.5, 6);
    expect(m.scales.diffTop).toBeCloseTo(0.5 - 1 / 8, 6);
    expect(Object.keys(m.pixels).sort()).toEqual(['approx', 'diff', 'reference']);
    const px = pixelScale(8, 8);
    expect(m.pixels.approx!.width).toBe(8 * px);
  });

  test('a few dominant cells clip the shared scale at a high quantile', () => {
    const approx = mapWindow(64, 64, (i, j) => (i === 0 && j === 0 ? 1 : 0.01 + ((i * 64 + j) % 7) * 1e-3));
    const m = computeMapImages({ map: approx, compare: false });
    expect(m.scales.clipped).toBe(true);
    expect(m.scales.cmax).toBeLessThan(m.scales.largest);
    expect(m.grids.reference).toBeUndefined();
    expect(Object.keys(m.pixels)).toEqual(['approx']);
  });

  test('a signed map gets a symmetric scale', () => {
    const m = computeMapImages({ map: mapWindow(4, 4, (i, j) => (i - j) / 4, { signed: true }), compare: false });
    expect(m.scales.signed).toBe(true);
    expect(m.scales.cmin).toBe(-m.scales.cmax);
  });
});

describe('colourGrid', () => {
  test('the ends of the scale get its end colours, every pixel opaque', () => {
    const g = toGrid(mapWindow(1, 2, (_i, j) => j));
    const p = colourGrid(g, 0, 1, VIRIDIS, 2);
    expect([p.width, p.height]).toEqual([4, 2]);
    const rgb = (x: number, y: number) => Array.from(p.data.slice((y * p.width + x) * 4, (y * p.width + x) * 4 + 4));
    expect(rgb(0, 0)).toEqual([0x44, 0x01, 0x54, 255]);
    expect(rgb(3, 1)).toEqual([0xfd, 0xe7, 0x25, 255]);
    expect(rgb(1, 1)).toEqual(rgb(0, 0)); // a cell is px×px pixels
  });
});
