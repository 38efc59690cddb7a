// Fastmax's "compare against" switch (issue 5): the last run's output and implied map against
// raw softmax(QKᵀ/√d) — what the rest of the page shows — or against softmax of the same
// normalized logits, softmax_j(β·q̃_i·k̃_j/T) (β = a1/a0, 1 at the defaults), the attention
// Fastmax is a Taylor approximation of. Normalized maps are nearly flat, so against raw softmax
// the error is large unless a model was trained with Fastmax; against the same logits it falls
// like T^−(p+1).
import { useEffect, useMemo, useState } from 'react';
import type { MapWindow, VariantPanelProps } from '../types';
import { CPU_REFERENCE_MAX_N, type RunResult } from '../../bench/runner';
import { WORKLOADS } from '../../bench/run-params';
import type { MapErrors } from '../../metrics/errors';
import { viewWorker } from '../../state/cpu-offload';
import { usePlayground } from '../../state/store';
import { formatNumber, MapPanelsView, MetricList } from '../../ui/kit';

type Against = 'raw' | 'same_logits';

const LABELS: Record<Against, string> = {
  raw: 'raw softmax(QKᵀ/√d)',
  same_logits: 'softmax of the same normalized logits',
};

const TITLES: Record<Against, { exact: string; diff: string }> = {
  raw: { exact: 'softmax(QKᵀ/√d)', diff: 'Difference (Fastmax − reference)' },
  same_logits: { exact: 'softmax of the same logits', diff: 'Difference (Fastmax − reference)' },
};

/** The reference map over the run's window, with the window's errors against it (or why there is none). */
interface Reference {
  map?: MapWindow;
  errors?: MapErrors;
  why?: string;
}

/** Why the same-logits reference cannot be had for this run (undefined: it can, in the view worker). */
function sameLogitsRefusal(ok: RunResult): string | undefined {
  if (!ok.map) return 'This run read no attention map.';
  if (ok.map.kind !== 'rows') return 'Only a window of rows can be compared.';
  if (ok.shape.n > CPU_REFERENCE_MAX_N) return `Softmax of the same logits is computed on the CPU, up to N = ${CPU_REFERENCE_MAX_N}.`;
  if (!(WORKLOADS as readonly string[]).includes(String(ok.run.workload))) return 'The inputs of this run cannot be regenerated here.';
  return undefined;
}

export default function FastmaxCompare({ variantId }: VariantPanelProps) {
  const result = usePlayground((s) => s.lastResult);
  const [against, setAgainst] = useState<Against>('same_logits');
  const ok = result?.variant === variantId && result.status === 'ok' ? result : undefined;

  // softmax of the same logits over the run's map window: the run's inputs regenerated and
  // the float64 softmax computed in the view worker (a second at N = 1024), off the main thread
  const [sameLogits, setSameLogits] = useState<{ result: RunResult; ref: Reference }>();
  useEffect(() => {
    if (!ok?.map || against !== 'same_logits' || sameLogits?.result === ok) return;
    const why = sameLogitsRefusal(ok);
    if (why) {
      setSameLogits({ result: ok, ref: { why } });
      return;
    }
    let live = true;
    viewWorker()
      .altReference(variantId, 'same_logits', { run: ok.run }, ok.params, ok.map)
      .then(
        ({ data, errors }) => live && setSameLogits({ result: ok, ref: { map: { ...ok.map!, data, signed: false }, errors } }),
        (e: unknown) => live && setSameLogits({ result: ok, ref: { why: `Softmax of the same logits failed: ${(e as Error)?.message ?? String(e)}` } }),
      );
    return () => {
      live = false;
    };
  }, [ok, against, sameLogits, variantId]);

  const ref = useMemo((): Reference => {
    if (!ok?.map) return { why: 'This run read no attention map.' };
    if (against === 'raw') return ok.exactMap ? { map: ok.exactMap, errors: ok.mapErrors } : { why: 'This run has no exact map to compare with.' };
    return sameLogits?.result === ok ? sameLogits.ref : { why: 'Computing softmax of the same logits…' };
  }, [ok, against, sameLogits]);

  if (!ok) return <p className="panel-empty">Run Fastmax to compare it with either reference.</p>;
  const errors = against === 'raw' ? ok.errors : ok.altErrors?.same_logits?.errors;
  const me = ref.errors;
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
      {ok.map && ref.map ? (
        <MapPanelsView
          map={ok.map}
          exactMap={ref.map}
          compare
          variantLabel="Fastmax"
          n={ok.shape.n}
          heads={ok.shape.heads}
          fileStem={`fastmax-vs-${against}-n${ok.shape.n}`}
          titles={TITLES[against]}
          testId="fastmax-compare-map"
        />
      ) : (
        <div className="map-plot">{ref.why && <p className="panel-empty">{ref.why}</p>}</div>
      )}
    </div>
  );
}
