// How far the variant's output and map are from exact attention, and against which reference.
import type { ReferenceKind } from '../../../bench/runner';
import { usePlayground } from '../../../state/store';
import { formatNumber } from '../../common/format';
import { MetricList } from '../../common/metric-list';

export const REFERENCE_TEXT: Record<ReferenceKind, string> = {
  'cpu-f64': 'float64 CPU',
  'gpu-exact': 'GPU exact flash',
  none: 'none',
};

export function ErrorPanel() {
  const result = usePlayground((s) => s.lastResult);
  const e = result?.errors;
  const m = result?.mapErrors;
  return (
    <section className="panel" data-testid="error-panel" aria-labelledby="error-panel-title">
      <h2 id="error-panel-title">Error against exact attention</h2>
      {!result || result.status !== 'ok' ? (
        <p className="panel-empty">No measurement yet.</p>
      ) : (
        <>
          <MetricList
            metrics={[
              { key: 'rel-fro', label: 'Relative Frobenius', text: formatNumber(e?.relFro), value: e?.relFro, title: '‖O − O_ref‖_F / ‖O_ref‖_F over the whole output' },
              { key: 'max-abs', label: 'Max |Δ|', text: formatNumber(e?.maxAbs), value: e?.maxAbs, title: 'largest absolute difference of one output element' },
              { key: 'mean-cos', label: 'Mean cosine', text: formatNumber(e?.meanCos, 6), value: e?.meanCos, title: 'mean cosine similarity of output rows (1 = same direction)' },
              { key: 'map-l1', label: 'Map row L1', text: formatNumber(m?.meanRowL1), value: m?.meanRowL1, title: 'mean over shown rows of Σ_j |P − P_exact|' },
              { key: 'map-kl', label: 'Map row KL', text: formatNumber(m?.meanRowKL), value: m?.meanRowKL, title: 'mean over shown rows of KL(P_exact ‖ P); n/a when the map has negative entries' },
              { key: 'map-row-sum-dev', label: 'Row-sum deviation', text: formatNumber(m?.maxRowSumDev), value: m?.maxRowSumDev, title: 'max over shown rows of |Σ_j P − 1|' },
            ]}
          />
          <p className="panel-note">
            Reference: <strong data-metric="reference" data-value={result.reference}>{REFERENCE_TEXT[result.reference]}</strong>
          </p>
          {Object.entries(result.altErrors ?? {}).map(([id, alt]) => (
            <div className="alt-errors" key={id}>
              <p className="panel-note">Against {alt.label}:</p>
              <MetricList
                metrics={[
                  { key: `rel-fro-vs-${id}`, label: 'Relative Frobenius', text: formatNumber(alt.errors.relFro), value: alt.errors.relFro },
                  { key: `max-abs-vs-${id}`, label: 'Max |Δ|', text: formatNumber(alt.errors.maxAbs), value: alt.errors.maxAbs },
                  { key: `mean-cos-vs-${id}`, label: 'Mean cosine', text: formatNumber(alt.errors.meanCos, 6), value: alt.errors.meanCos },
                ]}
              />
            </div>
          ))}
        </>
      )}
    </section>
  );
}
