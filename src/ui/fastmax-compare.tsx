// Fastmax's "compare against" switch (issue 5): the last run's output and implied map against
// raw softmax(QKᵀ/√d) — what the rest of the page shows — or against softmax of the same
// normalized logits, softmax_j(β·q̃_i·k̃_j/T) (β = a1/a0, 1 at the defaults), the attention
// Fastmax is a Taylor approximation of. Normalized maps are nearly flat, so against raw softmax
// the error is large unless a model was trained with Fastmax; against the same logits it falls
// like T^−(p+1).
import { useEffect, useMemo, useRef, useState } from 'react';
import type { MapWindow } from '../attention/types';
import { sameLogitsMapRows } from '../attention/fastmax/reference';
import { CPU_REFERENCE_MAX_N, makeInputs } from '../bench/runner';
import { WORKLOADS } from '../bench/run-params';
import { mapErrors } from '../metrics/errors';
import { usePlayground } from '../state/store';
import { themeColors } from './figure-theme';
import { formatNumber } from './format';
import { buildMapFigure } from './map-figure';
import { MetricList } from './metric-list';
import { useColorScheme } from './use-color-scheme';
import { useElementWidth } from './use-element-width';
import { usePlotly } from './use-plotly';
import type { VariantPanelProps } from './variant-panels';

type Against = 'raw' | 'same_logits';

const LABELS: Record<Against, string> = {
  raw: 'raw softmax(QKᵀ/√d)',
  same_logits: 'softmax of the same normalized logits',
};

export default function FastmaxCompare(_props: VariantPanelProps) {
  const result = usePlayground((s) => s.lastResult);
  const [against, setAgainst] = useState<Against>('same_logits');
  const scheme = useColorScheme();
  const plotRef = useRef<HTMLDivElement>(null);
  const { plotly } = usePlotly();
  const width = useElementWidth(plotRef);
  const ok = result?.variant === 'fastmax' && result.status === 'ok' ? result : undefined;

  // the reference map over the run's map window: exact's (from the run) or softmax(β·x), computed here
  const refMap = useMemo((): { map?: MapWindow; why?: string } => {
    if (!ok?.map) return { why: 'This run read no attention map.' };
    if (against === 'raw') return ok.exactMap ? { map: ok.exactMap } : { why: 'This run has no exact map to compare with.' };
    if (ok.map.kind !== 'rows') return { why: 'Only a window of rows can be compared.' };
    if (ok.shape.n > CPU_REFERENCE_MAX_N) return { why: `Softmax of the same logits is computed on the CPU, up to N = ${CPU_REFERENCE_MAX_N}.` };
    if (!(WORKLOADS as readonly string[]).includes(String(ok.run.workload))) return { why: 'The inputs of this run cannot be regenerated here.' };
    const { x64 } = makeInputs({ variant: ok.variant, params: ok.params, run: ok.run });
    const data = sameLogitsMapRows(x64, ok.params, ok.map.head, ok.map.row0, ok.map.rows);
    return { map: { ...ok.map, data: Float32Array.from(data), signed: false } };
  }, [ok, against]);

  const figure = useMemo(() => {
    if (!ok?.map || !refMap.map) return undefined;
    const f = buildMapFigure({ map: ok.map, exactMap: refMap.map, compare: true, variantLabel: 'Fastmax', n: ok.shape.n, heads: ok.shape.heads, theme: themeColors(), width });
    // the generic figure calls its reference "exact": name the one chosen here
    const titles = (f.layout.annotations ?? []) as { text?: string }[];
    if (titles[0]) titles[0].text = against === 'raw' ? 'softmax(QKᵀ/√d)' : 'softmax of the same logits';
    if (titles[2]) titles[2].text = 'Difference (Fastmax − reference)';
    return f;
    // the scheme is a dependency because themeColors() reads the theme's CSS variables
  }, [ok, refMap, width, scheme, against]);

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

  if (!ok) return <p className="panel-empty">Run Fastmax to compare it with either reference.</p>;
  const errors = against === 'raw' ? ok.errors : ok.altErrors?.same_logits?.errors;
  const me = ok.map && refMap.map && ok.map.rows === refMap.map.rows && ok.map.cols === refMap.map.cols
    ? mapErrors(ok.map.data, refMap.map.data, ok.map.rows, ok.map.cols)
    : undefined;
  const p = Number(ok.params.p);

  return (
    <div data-testid="fastmax-compare">
      <fieldset className="fastmax-against" style={{ border: 0, padding: 0, margin: '0 0 8px' }}>
        <legend>Compare against</legend>
        {(['raw', 'same_logits'] as const).map((a) => (
          <label key={a} style={{ marginRight: 16 }}>
            <input type="radio" name="fastmax-against" value={a} checked={against === a} onChange={() => setAgainst(a)} /> {LABELS[a]}
          </label>
        ))}
      </fieldset>
      <p className="panel-note">
        {against === 'raw'
          ? 'Normalized Fastmax maps are nearly flat, so against raw softmax the error is large unless the model was trained with Fastmax.'
          : `softmax_j(β·q̃_i·k̃_j/T) with β = a1/a0 (= 1 at the defaults): the exponential f matches to first order (to order p when a1..ap are its Taylor coefficients). The error falls like T^−${p + 1}.`}
      </p>
      {errors ? (
        <MetricList
          metrics={[
            { key: `fastmax-rel-fro-${against}`, label: 'Relative Frobenius', text: formatNumber(errors.relFro), value: errors.relFro, title: '‖O − O_ref‖_F / ‖O_ref‖_F' },
            { key: `fastmax-max-abs-${against}`, label: 'Max |Δ|', text: formatNumber(errors.maxAbs), value: errors.maxAbs },
            { key: `fastmax-mean-cos-${against}`, label: 'Mean cosine', text: formatNumber(errors.meanCos, 6), value: errors.meanCos },
            ...(me ? [{ key: `fastmax-map-l1-${against}`, label: 'Map row L1', text: formatNumber(me.meanRowL1), value: me.meanRowL1, title: 'mean over shown rows of Σ_j |A − A_ref|' }] : []),
          ]}
        />
      ) : (
        <p className="panel-empty">
          {against === 'raw' ? 'No error against exact attention in this run.' : `Softmax of the same logits is compared on the CPU, up to N = ${CPU_REFERENCE_MAX_N}.`}
        </p>
      )}
      <div className="map-plot">
        <div ref={plotRef} className="map-plot-area" hidden={!figure || !plotly} />
        {!figure && refMap.why && <p className="panel-empty">{refMap.why}</p>}
      </div>
      {figure && figure.notes.length > 0 && (
        <ul className="map-notes">
          {figure.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
