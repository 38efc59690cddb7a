// "Export CSV": every run of this session as one benchmark CSV — the same rows and writer the
// CLI uses (src/bench/rows.ts, src/bench/csv.ts), so UI and CLI files are interchangeable.
import { toCsv } from '../../bench/csv';
import { extraColumns, resultToRow } from '../../bench/rows';
import type { RunResult } from '../../bench/runner';
import { downloadBlob } from '../common/download';

export const CSV_FILE_NAME = 'attention-runs.csv';

export function resultsToCsv(results: readonly RunResult[]): string {
  return toCsv(results.map(resultToRow), extraColumns());
}

/** Offers `results` as a download named attention-runs.csv. */
export function downloadCsv(results: readonly RunResult[]): void {
  downloadBlob(CSV_FILE_NAME, new Blob([resultsToCsv(results)], { type: 'text/csv;charset=utf-8' }));
}
