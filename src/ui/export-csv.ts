// "Export CSV": every run of this session as one benchmark CSV — the same rows and writer the
// CLI uses (src/bench/rows.ts, src/bench/csv.ts), so UI and CLI files are interchangeable.
import { toCsv } from '../bench/csv';
import { EXTRA_COLUMNS, resultToRow } from '../bench/rows';
import type { RunResult } from '../bench/runner';

export const CSV_FILE_NAME = 'attention-runs.csv';

export function resultsToCsv(results: readonly RunResult[]): string {
  return toCsv(results.map(resultToRow), EXTRA_COLUMNS);
}

/** Offers `results` as a download named attention-runs.csv. */
export function downloadCsv(results: readonly RunResult[]): void {
  const blob = new Blob([resultsToCsv(results)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = CSV_FILE_NAME;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // the download has started from the click; give the browser a moment before freeing the blob
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
