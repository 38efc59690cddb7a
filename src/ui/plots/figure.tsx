// A Plotly figure with its export buttons (PNG, SVG): draws `data`/`layout` into a div once the
// lazy Plotly chunk is there, re-draws on change, and hands Plotly's events to the caller.
import { useEffect, useMemo, useRef, useState, type MouseEvent as ReactMouseEvent, type ReactNode } from 'react';
import type { Config, Data, Layout } from 'plotly.js/lib/core';
import { afterNextFrame } from './after-paint';
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
  /** DOM mouse events on the plot (e.g. a readout of what is under the pointer, without a Plotly trace to hover) */
  onPlotMouseMove?: (e: ReactMouseEvent<HTMLDivElement & PlotElement>) => void;
  onPlotClick?: (e: ReactMouseEvent<HTMLDivElement & PlotElement>) => void;
  /** set on the plot as `data-drawn` once Plotly has drawn this figure (a hook for tests and tools) */
  drawnId?: string;
  /**
   * 'html': the traces' legend is HTML under the plot instead of Plotly's (a Plotly legend
   * outside the plot pushes the margins, and each push costs another full draw); exported
   * images keep Plotly's legend.
   */
  legend?: 'plotly' | 'html';
  /** shown under the plot */
  children?: ReactNode;
}

/**
 * Downloads the figure drawn in `el` as PNG or SVG (Plotly.downloadImage), or `figure` (a
 * variant of the drawn one, e.g. with its legend) at the drawn size.
 */
export async function downloadFigure(plotly: PlotlyApi, el: HTMLElement, format: 'png' | 'svg', fileName: string, figure?: { data: Data[]; layout: Partial<Layout> }): Promise<void> {
  const width = Math.max(400, el.clientWidth);
  const height = Math.max(200, el.clientHeight);
  await plotly.downloadImage(figure ?? el, { format, width, height, filename: fileName, scale: format === 'png' ? 2 : 1 });
}

interface LegendEntry {
  name: string;
  color?: string;
  dash?: string;
  lines: boolean;
  markers: boolean;
}

/** The legend entries of the traces (those Plotly would list). */
function legendEntries(data: Data[]): LegendEntry[] {
  return data.flatMap((d) => {
    const t = d as { name?: string; showlegend?: boolean; mode?: string; type?: string; line?: { color?: string; dash?: string }; marker?: { color?: unknown } };
    if (!t.name || t.showlegend === false) return [];
    const mode = t.mode ?? (t.type === 'scatter' ? 'lines+markers' : 'markers');
    const markerColor = typeof t.marker?.color === 'string' ? t.marker.color : undefined;
    return [{ name: t.name, color: t.line?.color ?? markerColor, dash: t.line?.dash, lines: mode.includes('lines'), markers: mode.includes('markers') || t.type === 'bar' }];
  });
}

function HtmlLegend({ entries }: { entries: LegendEntry[] }) {
  return (
    <ul className="figure-legend">
      {entries.map((e) => (
        <li key={e.name}>
          <span className="figure-legend-key" aria-hidden="true">
            {e.lines && <span className="figure-legend-line" style={{ borderTopColor: e.color, borderTopStyle: e.dash === 'dot' ? 'dotted' : e.dash && e.dash !== 'solid' ? 'dashed' : 'solid' }} />}
            {e.markers && <span className="figure-legend-marker" style={{ background: e.color }} />}
          </span>
          {e.name}
        </li>
      ))}
    </ul>
  );
}

export function Figure({ data, layout, title, fileName, testId, className, config, events, onPlotMouseMove, onPlotClick, drawnId, legend = 'plotly', children }: FigureProps) {
  const ref = useRef<HTMLDivElement & PlotElement>(null);
  const { plotly, error } = usePlotly();
  const [drawn, setDrawn] = useState(false);
  const [exportError, setExportError] = useState<string>();
  const attached = useRef<[string, (e: unknown) => void][]>([]);
  const shown = useMemo(() => (legend === 'html' ? { ...layout, showlegend: false } : layout), [layout, legend]);
  const entries = useMemo(() => (legend === 'html' ? legendEntries(data) : []), [data, legend]);

  useEffect(() => {
    const el = ref.current;
    if (!plotly || !el) return;
    let live = true;
    // Draw in a task of its own after the next frame, not in React's commit: a Plotly draw is
    // the biggest piece of main-thread work of a run, and the page must never block long (issue 7).
    const cancel = afterNextFrame(() => {
      if (!live) return;
      void plotly.react(el, data, shown, { responsive: true, displaylogo: false, ...config }).then(() => {
        if (!live) return;
        setDrawn(true);
        if (drawnId !== undefined) el.dataset.drawn = drawnId;
        else delete el.dataset.drawn;
        // swap our handlers for the current ones (Plotly keeps the element between draws)
        for (const [name, fn] of attached.current) el.removeListener?.(name, fn);
        attached.current = Object.entries(events ?? {});
        for (const [name, fn] of attached.current) el.on?.(name, fn);
      });
    });
    return () => {
      live = false;
      cancel();
    };
  }, [plotly, data, shown, config, events, drawnId]);

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
    // an HTML legend is not part of Plotly's image: the export draws Plotly's own
    const figure = legend === 'html' ? { data, layout: { ...layout, showlegend: true } } : undefined;
    downloadFigure(plotly, el, format, fileName, figure).catch((e: unknown) => setExportError(`Could not export the image: ${(e as Error)?.message ?? String(e)}`));
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
      <div ref={ref} className="figure-plot" role="img" aria-label={title} onMouseMove={onPlotMouseMove} onClick={onPlotClick} />
      {entries.length > 0 && <HtmlLegend entries={entries} />}
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
