// Progress of a batch of runs (comparison, sweep, map window): a progress bar, "3 of 8", the
// ETA and the current point's stage, with Cancel.
import { useEffect, useState } from 'react';
import { cancelJob } from '../../state/jobs';
import { usePlayground, type Job } from '../../state/store';
import { etaSeconds, formatEta } from '../../state/sweep';

export function JobProgress({ kinds }: { kinds: Job['kind'][] }) {
  const job = usePlayground((s) => s.job);
  const [now, setNow] = useState(() => performance.now());
  const active = job && kinds.includes(job.kind) ? job : undefined;
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  if (!active) return null;
  const elapsed = Math.max(0, now - active.startedAt);
  const eta = etaSeconds(elapsed, active.done, active.total);
  return (
    <div className="job-progress" data-testid="job-progress">
      <div className="job-row">
        <label className="job-label" htmlFor={`job-progress-${active.kind}`}>
          {active.label}
        </label>
        <button type="button" onClick={cancelJob}>
          Cancel
        </button>
      </div>
      <progress id={`job-progress-${active.kind}`} max={active.total} value={active.done} aria-valuetext={`${active.done} of ${active.total} points`} />
      <p className="job-status" role="status" aria-live="polite">
        <span data-testid="job-count" data-done={active.done} data-total={active.total}>
          {active.done} of {active.total} point{active.total === 1 ? '' : 's'}
        </span>
        {' · '}
        {active.done > 0 ? `${formatEta(eta)} left` : 'time left: estimating…'}
        <span className="job-stage"> · {active.stage}</span>
      </p>
    </div>
  );
}
