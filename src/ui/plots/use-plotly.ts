// Plotly for a component: undefined until the lazy chunk has loaded (see plotly-loader.ts).
import { useEffect, useState } from 'react';
import { loadPlotly, type PlotlyApi } from './plotly-loader';

export function usePlotly(): { plotly?: PlotlyApi; error?: string } {
  const [state, setState] = useState<{ plotly?: PlotlyApi; error?: string }>({});
  useEffect(() => {
    let live = true;
    loadPlotly().then(
      (plotly) => live && setState({ plotly }),
      (e: unknown) => live && setState({ error: `Could not load the plotting library: ${(e as Error)?.message ?? String(e)}` }),
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}
