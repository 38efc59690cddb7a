// Variant-specific results of the last run (Extra from the variant's notes and its plan's
// extras): metrics, notes and per-token strips, all generic — a variant adds them without UI
// code. Notes the controls already show for the current configuration are not repeated.
import { configOf } from '../../../state/config';
import { usePlayground } from '../../../state/store';
import { ExtraNotes, isNote } from '../../common/extra-notes';
import { formatNumber } from '../../common/format';
import { MetricList } from '../../common/metric-list';
import { StripPlot } from '../../plots/strip-plot';

export function DetailsPanel() {
  const result = usePlayground((s) => s.lastResult);
  const variantId = usePlayground((s) => s.variantId);
  const runRaw = usePlayground((s) => s.runRaw);
  const paramRaw = usePlayground((s) => s.paramRaw);
  const files = usePlayground((s) => s.files);
  const extras = result?.status === 'ok' ? (result.extras ?? []) : [];
  if (extras.length === 0) return null;

  const shown = new Set(configOf({ variantId, runRaw, paramRaw, files }).notes.filter(isNote).map((n) => `${n.id}:${n.text}`));
  const metrics = extras.flatMap((x) => (x.kind === 'metric' ? [x] : []));
  const notes = extras.filter(isNote).filter((n) => !shown.has(`${n.id}:${n.text}`));
  const strips = extras.flatMap((x) => (x.kind === 'strip' ? [x] : []));
  if (metrics.length + notes.length + strips.length === 0) return null;

  return (
    <section className="panel" data-testid="details-panel" aria-labelledby="details-panel-title">
      <h2 id="details-panel-title">Details of this variant</h2>
      {metrics.length > 0 && (
        <MetricList metrics={metrics.map((m) => ({ key: m.id, label: m.label, text: formatNumber(m.value), value: m.value, title: m.help }))} />
      )}
      <ExtraNotes notes={notes} label="Notes on this run" />
      {strips.map((s) => (
        <StripPlot key={s.id} strip={s} />
      ))}
    </section>
  );
}
