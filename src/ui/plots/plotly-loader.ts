// Plotly, loaded lazily as a partial bundle (docs/ui.md): the core (with scatter) plus
// the trace types the playground draws (heatmap, bar). The dynamic imports put it in its own
// chunk, fetched after the first paint, so the controls are usable before the plotting
// library arrives.
import type { Config, Data, Layout } from 'plotly.js/lib/core';

export interface ImageOptions {
  format: 'png' | 'svg';
  width?: number;
  height?: number;
  filename?: string;
  scale?: number;
}

/** The part of the Plotly API the UI uses. */
export interface PlotlyApi {
  react(root: HTMLElement, data: Data[], layout?: Partial<Layout>, config?: Partial<Config>): Promise<unknown>;
  purge(root: HTMLElement): void;
  /** `root`: a drawn plot, or a figure to draw off-screen */
  toImage(root: HTMLElement | { data: Data[]; layout?: Partial<Layout> }, opts: ImageOptions): Promise<string>;
  downloadImage(root: HTMLElement | { data: Data[]; layout?: Partial<Layout> }, opts: ImageOptions): Promise<string>;
}

/** A plot's element after Plotly drew into it: its event emitter and its current figure. */
export interface PlotElement extends HTMLElement {
  on?(event: string, handler: (e: unknown) => void): void;
  removeListener?(event: string, handler: (e: unknown) => void): void;
  data?: Data[];
  layout?: Partial<Layout>;
}

let loading: Promise<PlotlyApi> | undefined;

/** Loads and registers Plotly once; later calls share the same promise. */
export function loadPlotly(): Promise<PlotlyApi> {
  loading ??= Promise.all([import('plotly.js/lib/core'), import('plotly.js/lib/heatmap'), import('plotly.js/lib/bar')]).then(([core, heatmap, bar]) => {
    const Plotly = core.default;
    Plotly.register([heatmap.default ?? heatmap, bar.default ?? bar]);
    return Plotly as unknown as PlotlyApi;
  });
  // a failed load (network) may be retried by the next caller
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
