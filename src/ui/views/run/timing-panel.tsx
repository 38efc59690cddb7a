// Time, throughput and cost of the last run. GFLOP/s uses the variant's own FLOP model
// (docs/spec/benchmarks.md "Cost models"): flops / (median ms · 1e6).
import { usePlayground } from '../../../state/store';
import { formatBytes, formatMs, formatNumber, formatRatio, formatSi } from '../../common/format';
import { MetricList } from '../../common/metric-list';

const SOURCE_TEXT = { timestamp: 'timestamp queries', wall: 'wall clock' } as const;

export function TimingPanel() {
  const result = usePlayground((s) => s.lastResult);
  const t = result?.timing;
  const cost = result?.cost;
  const gflops = t && cost ? cost.flops / (t.medianMs * 1e6) : undefined;
  return (
    <section className="panel" data-testid="timing-panel" aria-labelledby="timing-panel-title">
      <h2 id="timing-panel-title">Time and cost</h2>
      {!result || result.status !== 'ok' ? (
        <p className="panel-empty">No measurement yet.</p>
      ) : (
        <>
          <MetricList
            metrics={[
              { key: 'median-ms', label: 'Median', text: formatMs(t?.medianMs), value: t?.medianMs, title: 'median time of one forward over the trials' },
              { key: 'min-ms', label: 'Min', text: formatMs(t?.minMs), value: t?.minMs },
              { key: 'p90-ms', label: 'p90', text: formatMs(t?.p90Ms), value: t?.p90Ms },
              { key: 'gflops', label: 'GFLOP/s', text: formatNumber(gflops), value: gflops, title: 'model FLOPs / median time' },
              { key: 'flops', label: 'FLOPs', text: formatSi(cost?.flops, 'FLOP'), value: cost?.flops, title: 'model FLOP count of one forward' },
              { key: 'bytes', label: 'Memory traffic', text: cost ? formatBytes(cost.bytes) : '—', value: cost?.bytes, title: 'model bytes of global-memory traffic of one forward' },
              { key: 'memory', label: 'GPU memory', text: result.bytesAllocated !== undefined ? formatBytes(result.bytesAllocated) : '—', value: result.bytesAllocated, title: 'bytes the plan allocated beyond the inputs' },
              { key: 'speedup', label: 'Speedup vs exact flash', text: formatRatio(result.speedupVsExact), value: result.speedupVsExact, title: 'exact flash median / this median, same adapter, same run' },
              { key: 'compile-ms', label: 'Compile', text: formatMs(result.compileMs), value: result.compileMs, title: 'pipeline compilation of this run (0 when cached)' },
            ]}
          />
          <p className="panel-note">
            Timing source: <strong data-metric="timing-source" data-value={t?.source}>{t ? SOURCE_TEXT[t.source] : '—'}</strong>
            {t && <> · {t.samplesMs.length} trials × {t.repeats} forward{t.repeats === 1 ? '' : 's'}</>}
          </p>
        </>
      )}
    </section>
  );
}
