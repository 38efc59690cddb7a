// A definition list of named values, each carrying its raw number in data-value so tests and
// scripts can read the exact figure behind the formatted text.
import type { ReactNode } from 'react';

export interface Metric {
  /** stable machine name (data-metric) */
  key: string;
  label: ReactNode;
  /** formatted value */
  text: string;
  /** the raw number behind `text` */
  value?: number | string | null;
  /** tooltip: what the number means */
  title?: string;
}

export function MetricList({ metrics }: { metrics: Metric[] }) {
  return (
    <dl className="metrics">
      {metrics.map((m) => (
        <div className="metric" key={m.key} title={m.title}>
          <dt>{m.label}</dt>
          <dd data-metric={m.key} data-value={m.value === undefined || m.value === null ? undefined : String(m.value)}>
            {m.text}
          </dd>
        </div>
      ))}
    </dl>
  );
}
