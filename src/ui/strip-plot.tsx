// A per-token strip (Extra of kind 'strip'): one value per token along the sequence, drawn
// as a one-row heatmap — categories (e.g. cluster ids) in distinct colours, numbers on Viridis.
import { useEffect, useMemo, useRef } from 'react';
import type { Data, Layout } from 'plotly.js/lib/core';
import type { Extra } from '../attention/types';
import { themeColors } from './figure-theme';
import { useColorScheme } from './use-color-scheme';
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
    const data: Data[] = [
      { type: 'heatmap', z: [values], x: values.map((_, i) => i), hovertemplate: `token %{x}<br>${strip.label}: %{z}<extra></extra>`, ...colour } as Data,
    ];
    const layout: Partial<Layout> = {
      height: 90,
      margin: { l: 56, r: 16, t: 6, b: 30 },
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      font: { color: theme.fg, size: 11 },
      xaxis: { title: { text: 'token' }, color: theme.muted, zeroline: false },
      yaxis: { visible: false },
    } as Partial<Layout>;
    return { data, layout };
    // the scheme is a dependency because themeColors() reads the theme's CSS variables
  }, [strip, scheme]);

  useEffect(() => {
    const el = ref.current;
    if (!plotly || !el) return;
    // drawn in a task of its own, not in React's commit of the run's result (main-thread budget)
    const timer = setTimeout(() => void plotly.react(el, figure.data, figure.layout, { responsive: true, displayModeBar: false }), 0);
    return () => clearTimeout(timer);
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
