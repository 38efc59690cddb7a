// A per-token strip (Extra of kind 'strip'): one value per token along the sequence, drawn
// as a one-row heatmap — categories (e.g. cluster ids) in distinct colours, numbers on Viridis.
import { useEffect, useMemo, useRef } from 'react';
import type { Data, Layout } from 'plotly.js/lib/core';
import type { Extra } from '../../attention/types';
import { afterNextFrame } from './after-paint';
import { themeColors } from './figure-theme';
import { LINEAR_AXIS } from './plot-style';
import { useColorScheme } from '../common/use-color-scheme';
import { usePlotly } from './use-plotly';

type Strip = Extract<Extra, { kind: 'strip' }>;

/** Tableau 10: distinct colours, readable on light and dark backgrounds. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** A stepwise colour scale giving category c (0 … k−1) colour PALETTE[c mod 10]. */
function categoricalScale(k: number): [number, string][] {
  if (k <= 1) return [[0, PALETTE[0]], [1, PALETTE[0]]];
  const scale: [number, string][] = [];
  for (let c = 0; c < k; c++) {
    const colour = PALETTE[c % PALETTE.length];
    scale.push([c / k, colour], [(c + 1) / k, colour]);
  }
  return scale;
}

export function StripPlot({ strip }: { strip: Strip }) {
  const ref = useRef<HTMLDivElement>(null);
  const { plotly } = usePlotly();
  const scheme = useColorScheme();

  const figure = useMemo(() => {
    const values = Array.from(strip.values);
    const theme = themeColors();
    let colour: Record<string, unknown> = { colorscale: 'Viridis', showscale: true, colorbar: { thickness: 10, len: 1 } };
    if (strip.categorical) {
      const k = Math.max(1, ...values.map((v) => v + 1));
      colour = { colorscale: categoricalScale(k), zmin: -0.5, zmax: k - 0.5, showscale: false };
    }
    // cells at x = 0 … n − 1 (Plotly's default for a heatmap without x); fixed ranges, types
    // and margins: no autorange, no axis-type guessing over n values, no margin pushing —
    // the strip is drawn after every run, and the page must never block long (issue 7)
    const data: Data[] = [{ type: 'heatmap', z: [values], hovertemplate: `token %{x}<br>${strip.label}: %{z}<extra></extra>`, ...colour } as Data];
    const layout: Partial<Layout> = {
      height: 90,
      // room for the colour bar of a numeric strip, which then pushes no margin (no second draw)
      margin: { l: 56, r: strip.categorical ? 16 : 64, t: 6, b: 30, autoexpand: false },
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      font: { color: theme.fg, size: 11 },
      xaxis: {
        title: { text: 'token', standoff: 2 },
        type: LINEAR_AXIS,
        range: [-0.5, values.length - 0.5],
        autorange: false,
        color: theme.muted,
        zeroline: false,
        showgrid: false,
        automargin: false,
        ticklabeloverflow: 'allow',
        tickangle: 0,
      },
      yaxis: { visible: false, type: LINEAR_AXIS, range: [-0.5, 0.5], autorange: false },
    } as Partial<Layout>;
    return { data, layout };
    // the scheme is a dependency because themeColors() reads the theme's CSS variables
  }, [strip, scheme]);

  useEffect(() => {
    const el = ref.current;
    if (!plotly || !el) return;
    // drawn in a task of its own after the next frame, not in React's commit of the run's result (main-thread budget)
    return afterNextFrame(() => void plotly.react(el, figure.data, figure.layout, { responsive: true, displayModeBar: false }));
  }, [plotly, figure]);

  useEffect(() => {
    const el = ref.current;
    return () => {
      if (plotly && el) plotly.purge(el);
    };
  }, [plotly]);

  return (
    <figure className="strip">
      <figcaption title={strip.help}>
        {strip.label}
        {strip.help && <span className="strip-help"> — {strip.help}</span>}
      </figcaption>
      <div ref={ref} className="strip-plot" />
    </figure>
  );
}
