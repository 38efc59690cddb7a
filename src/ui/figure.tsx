// A Plotly figure with its export buttons (PNG, SVG): draws `data`/`layout` into a div once the
// lazy Plotly chunk is there, re-draws on change, and hands Plotly's events to the caller.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Config, Data, Layout } from 'plotly.js/lib/core';
import type { PlotElement, PlotlyApi } from './plotly-loader';
import { usePlotly } from './use-plotly';

export interface FigureProps {
  data: Data[];
  layout: Partial<Layout>;
  /** what the figure shows: the accessible name and the export buttons' labels */
  title: string;
  /** file name (without extension) of an exported image */
  fileName: string;
  testId?: string;
  className?: string;
  config?: Partial<Config>;
  /** Plotly events of the drawn figure, e.g. plotly_hover, plotly_relayout */
  events?: Record<string, (e: unknown) => void>;
  /** shown under the plot */
  children?: ReactNode;
}

/** Downloads the figure drawn in `el` as PNG or SVG (Plotly.downloadImage). */
export async function downloadFigure(plotly: PlotlyApi, el: HTMLElement, format: 'png' | 'svg', fileName: string): Promise<void> {
  const width = Math.max(400, el.clientWidth);
  const height = Math.max(200, el.clientHeight);
  await plotly.downloadImage(el, { format, width, height, filename: fileName, scale: format === 'png' ? 2 : 1 });
}

export function Figure({ data, layout, title, fileName, testId, className, config, events, children }: FigureProps) {
  const ref = useRef<HTMLDivElement & PlotElement>(null);
  const { plotly, error } = usePlotly();
  const [drawn, setDrawn] = useState(false);
  const [exportError, setExportError] = useState<string>();
  const attached = useRef<[string, (e: unknown) => void][]>([]);

  useEffect(() => {
    const el = ref.current;
    if (!plotly || !el) return;
    let live = true;
    // Draw in a task of its own, not in React's commit: a Plotly draw is the biggest piece of
    // main-thread work of a run, and the page must never block long (issue 7).
    const timer = setTimeout(() => {
      if (!live) return;
      void plotly.react(el, data, layout, { responsive: true, displaylogo: false, ...config }).then(() => {
        if (!live) return;
        setDrawn(true);
        // swap our handlers for the current ones (Plotly keeps the element between draws)
        for (const [name, fn] of attached.current) el.removeListener?.(name, fn);
        attached.current = Object.entries(events ?? {});
        for (const [name, fn] of attached.current) el.on?.(name, fn);
      });
    }, 0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [plotly, data, layout, config, events]);

  useEffect(() => {
    const el = ref.current;
    return () => {
      if (plotly && el) plotly.purge(el);
    };
  }, [plotly]);

  const save = (format: 'png' | 'svg') => {
    const el = ref.current;
    if (!plotly || !el) return;
    setExportError(undefined);
    downloadFigure(plotly, el, format, fileName).catch((e: unknown) => setExportError(`Could not export the image: ${(e as Error)?.message ?? String(e)}`));
  };

  return (
    <figure className={`figure ${className ?? ''}`} data-testid={testId}>
      <div className="figure-tools">
        <button type="button" className="small" onClick={() => save('png')} disabled={!drawn} aria-label={`Download ${title} as PNG`}>
          PNG
        </button>
        <button type="button" className="small" onClick={() => save('svg')} disabled={!drawn} aria-label={`Download ${title} as SVG`}>
          SVG
        </button>
      </div>
      <div ref={ref} className="figure-plot" role="img" aria-label={title} />
      {!plotly && <p className="panel-empty">{error ?? 'Loading the plotting library…'}</p>}
      {exportError && (
        <p className="field-error" role="alert">
          {exportError}
        </p>
      )}
      {children}
    </figure>
  );
}
