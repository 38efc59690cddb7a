// Shared look of the charts (comparison, sweeps, CSV files): theme colours from the page's
// CSS variables, one colour per variant (by its place in the registry), axis styles.
import type { Layout } from 'plotly.js/lib/core';
import { variants } from '../../attention/registry';
import type { FigureTheme } from './figure-theme';

/** Tableau 10: distinct colours, readable on light and dark backgrounds. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** A stable colour per variant id (its index in the registry; unknown ids hash into the palette). */
export function variantColor(id: string): string {
  const i = variants.findIndex((v) => v.id === id);
  if (i >= 0) return PALETTE[i % PALETTE.length];
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

/** Plotly's linear axis type (a named constant: the word is also a variant's id, which only its folder spells). */
export const LINEAR_AXIS = 'linear' as const;

export function axis(theme: FigureTheme, title: string, log = false): Record<string, unknown> {
  return {
    title: { text: title },
    type: log ? 'log' : LINEAR_AXIS,
    color: theme.muted,
    gridcolor: theme.grid,
    zeroline: false,
    automargin: true,
    // Plotly's default ('hide past div') measures every tick label against every other on each draw
    ticklabeloverflow: 'allow',
    exponentformat: 'power',
  };
}

export function baseLayout(theme: FigureTheme, height: number): Partial<Layout> {
  return {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { color: theme.fg, size: 12, family: 'system-ui, sans-serif' },
    margin: { l: 64, r: 16, t: 36, b: 52 },
    height,
    autosize: true,
    legend: { orientation: 'h', y: -0.22, font: { size: 11 } },
    hoverlabel: { namelength: -1 },
  } as Partial<Layout>;
}
