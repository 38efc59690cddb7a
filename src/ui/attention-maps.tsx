// The attention map panel: Plotly heatmaps of the last run's map window (see map-figure.ts).
// Plotly arrives lazily; until then (and when a run has no map) the panel says why it is empty.
import { useEffect, useMemo, useRef } from 'react';
import { findVariant } from '../attention/registry';
import { usePlayground } from '../state/store';
import { themeColors } from './figure-theme';
import { buildMapFigure } from './map-figure';
import { useColorScheme } from './use-color-scheme';
import { useElementWidth } from './use-element-width';
import { usePlotly } from './use-plotly';

export function AttentionMaps() {
  const result = usePlayground((s) => s.lastResult);
  const scheme = useColorScheme();
  const plotRef = useRef<HTMLDivElement>(null);
  const { plotly, error: loadError } = usePlotly();
  const width = useElementWidth(plotRef);

  const figure = useMemo(() => {
    if (!result?.map) return undefined;
    const variant = findVariant(result.variant);
    return buildMapFigure({
      map: result.map,
      exactMap: result.exactMap,
      compare: result.variant !== 'exact',
      variantLabel: variant?.label ?? result.variant,
      n: result.shape.n,
      heads: result.shape.heads,
      theme: themeColors(),
      width,
    });
    // the scheme is a dependency because themeColors() reads the theme's CSS variables
  }, [result, scheme, width]);

  useEffect(() => {
    const el = plotRef.current;
    if (!plotly || !el) return;
    if (figure) void plotly.react(el, figure.data, figure.layout, { responsive: true, displaylogo: false });
    else plotly.purge(el);
  }, [plotly, figure]);

  useEffect(() => {
    const el = plotRef.current;
    return () => {
      if (plotly && el) plotly.purge(el);
    };
  }, [plotly]);

  let empty: string | undefined;
  if (loadError) empty = loadError;
  else if (!result) empty = 'The map appears after the first run.';
  else if (!result.map) empty = result.status === 'ok' ? 'This run has no attention map.' : 'No map: the run did not finish.';
  else if (!plotly) empty = 'Loading the plotting library…';

  return (
    <section className="panel panel-map" aria-labelledby="map-panel-title">
      <h2 id="map-panel-title">Attention map</h2>
      <div className="map-plot" data-testid="attention-map">
        <div ref={plotRef} className="map-plot-area" hidden={!figure || !plotly} />
        {empty && <p className="panel-empty">{empty}</p>}
      </div>
      {figure && figure.notes.length > 0 && (
        <ul className="map-notes">
          {figure.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
