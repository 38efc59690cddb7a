// Plotly, loaded lazily as a partial bundle (DESIGN.md "UI"): the core plus the one trace
// type the playground draws. The dynamic imports put it in its own chunk, fetched after the
// first paint, so the controls are usable before the plotting library arrives.
import type { Config, Data, Layout } from 'plotly.js/lib/core';

/** The part of the Plotly API the UI uses. */
export interface PlotlyApi {
  react(root: HTMLElement, data: Data[], layout?: Partial<Layout>, config?: Partial<Config>): Promise<unknown>;
  purge(root: HTMLElement): void;
}

let loading: Promise<PlotlyApi> | undefined;

/** Loads and registers Plotly once; later calls share the same promise. */
export function loadPlotly(): Promise<PlotlyApi> {
  loading ??= Promise.all([import('plotly.js/lib/core'), import('plotly.js/lib/heatmap')]).then(([core, heatmap]) => {
    const Plotly = core.default;
    Plotly.register([heatmap.default ?? heatmap]);
    return Plotly as unknown as PlotlyApi;
  });
  // a failed load (network) may be retried by the next caller
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
