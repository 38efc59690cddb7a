// The bar above the panels: Run, the run status with its progress stage, Export CSV, and
// the configuration the panels below show.
import type { RunResult } from '../../bench/runner';
import { usePlayground, type Phase } from '../../state/store';
import { RunSummary } from './run-summary';

const PHASE_TEXT: Record<Phase, string> = {
  starting: 'starting',
  waiting: 'waiting',
  running: 'running',
  done: 'done',
  failed: 'failed',
  invalid: 'invalid',
  unavailable: 'unavailable',
};

const PHASE_HINT: Partial<Record<Phase, string>> = {
  starting: 'looking for a WebGPU adapter…',
  waiting: 'about to run…',
  invalid: 'fix the highlighted values to run',
  failed: 'see the error below',
  unavailable: 'no WebGPU adapter',
};

export interface RunBarProps {
  onRun(): void;
}

/** Builds and downloads the CSV; the writer (and its CSV parser dependency) loads on first use. */
async function exportCsv(results: readonly RunResult[], notify: (text: string) => void) {
  try {
    const { downloadCsv } = await import('./export-csv');
    downloadCsv(results);
  } catch (e) {
    notify(`Could not export the CSV: ${(e as Error)?.message ?? String(e)}`);
  }
}

export function RunBar({ onRun }: RunBarProps) {
  const phase = usePlayground((s) => s.phase);
  const stage = usePlayground((s) => s.stage);
  const results = usePlayground((s) => s.results);
  const addNotice = usePlayground((s) => s.addNotice);
  const busy = phase === 'running' || phase === 'waiting';
  const canRun = phase !== 'invalid' && phase !== 'unavailable' && phase !== 'starting';
  const hint = phase === 'running' ? stage : PHASE_HINT[phase];

  return (
    <div className="run-bar">
      <button type="button" className="primary" onClick={onRun} disabled={!canRun}>
        Run
      </button>
      <div className="run-state" role="status" aria-live="polite">
        {busy && <span className="spinner" aria-hidden="true" />}
        <span className={`run-status phase-${phase}`} data-testid="run-status">
          {PHASE_TEXT[phase]}
        </span>
        {hint && <span className="run-stage">{hint}</span>}
      </div>
      <div className="run-export">
        <span className="run-count">
          {results.length} run{results.length === 1 ? '' : 's'}
        </span>
        <button type="button" onClick={() => void exportCsv(results, addNotice)} disabled={results.length === 0}>
          Export CSV
        </button>
      </div>
      <RunSummary />
    </div>
  );
}
