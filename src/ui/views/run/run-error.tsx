// A run that did not finish with status ok: its status and message, as the runner wrote them.
import { usePlayground } from '../../../state/store';

const STATUS_TEXT: Record<string, string> = {
  'skipped-oom': 'Out of GPU memory',
  'skipped-limit': 'Beyond this adapter’s limits',
  error: 'The run failed',
  invalid: 'Invalid configuration',
};

export function RunError() {
  const result = usePlayground((s) => s.lastResult);
  const phase = usePlayground((s) => s.phase);
  if (!result || result.status === 'ok' || phase !== 'failed') return null;
  return (
    <div className="run-error" role="alert" data-testid="run-error">
      <h2>
        {STATUS_TEXT[result.status] ?? 'The run failed'} <code>{result.status}</code>
      </h2>
      <p className="run-error-message">{result.message}</p>
    </div>
  );
}
