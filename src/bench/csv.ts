// The benchmark CSV (docs/spec/benchmarks.md, "CSV"): one implementation for the UI's export, the
// CLI and loading a run back for comparison.
//
// Writing (toCsv):
// - header: the required columns CSV_COLUMNS in the spec's order, then the caller's extra
//   columns, then any other key found in the rows (first-seen order), so nothing is lost;
// - `schema` is filled with CSV_SCHEMA when a row leaves it out (undefined or null);
// - null and undefined are empty cells (the spec's "empty cells for knobs that do not
//   apply"); booleans are `true` / `false`; finite numbers are written with String(x)
//   (plain decimal or exponent notation, e.g. 0.25, 1e-7, 1e+21, and they read back to the
//   identical number with Number()); NaN and ±Infinity are written as empty cells, because
//   spreadsheets and CSV readers disagree on how to spell them — a metric that came out
//   non-finite must therefore be reported in `status`/`message` as well;
// - RFC 4180: a cell holding a comma, a double quote, CR or LF is enclosed in double quotes
//   and its quotes are doubled; records end with CRLF ("\r\n"), including the last one.
//   No byte-order mark is written.
// Reading (parseCsv) accepts LF or CRLF line ends, a leading UTF-8 BOM, blank lines, and the
// required columns in any order.

import Papa from 'papaparse';

/** Version of the column set below; bump it when a column changes meaning or is removed. */
export const CSV_SCHEMA = 1;

/** The required columns, in the order of docs/spec/benchmarks.md. */
export const CSV_COLUMNS = [
  'schema', 'variant', 'kernel', 'n', 'd', 'heads', 'causal', 'rank_m', 'clusters', 'kappa', 'features', 'pinv_iters',
  'workload', 'logit_scale', 'seed', 'repeats', 'time_ms_median', 'time_ms_min', 'time_ms_p90', 'timing_source',
  'compile_ms', 'flops', 'bytes', 'gflops_per_s', 'speedup_vs_exact', 'err_rel_fro', 'err_max_abs',
  'err_map_l1', 'reference', 'adapter_vendor', 'adapter_architecture', 'is_fallback_adapter',
  'user_agent', 'status', 'message',
] as const;

export type CsvValue = string | number | boolean | null | undefined;
export type CsvRow = Record<string, CsvValue>;

/** Schema versions parseCsv understands. */
const KNOWN_SCHEMAS = new Set([String(CSV_SCHEMA)]);

const EOL = '\r\n';

function formatValue(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return v;
}

/** RFC 4180 quoting: only when needed. */
function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/**
 * Serializes benchmark rows (see the rules at the top of this file).
 * @param extraColumns columns to place right after the required ones (e.g. a variant's own
 *   knobs), in this order
 */
export function toCsv(rows: CsvRow[], extraColumns: string[] = []): string {
  const columns: string[] = [...CSV_COLUMNS];
  const seen = new Set(columns);
  const add = (c: string) => {
    if (!seen.has(c)) {
      seen.add(c);
      columns.push(c);
    }
  };
  extraColumns.forEach(add);
  for (const row of rows) Object.keys(row).forEach(add);

  const lines = [columns.map(quote).join(',')];
  for (const row of rows) {
    const cells = columns.map((c) => {
      const v = c === 'schema' ? (row.schema ?? CSV_SCHEMA) : row[c];
      return quote(formatValue(v));
    });
    lines.push(cells.join(','));
  }
  return lines.join(EOL) + EOL;
}

/** 1-based line numbers of character offsets in `text` (LF, CRLF and lone CR end a line). */
function lineLocator(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) starts.push(i + 1);
  }
  return (offset) => {
    // last line start ≤ offset (binary search)
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/**
 * Parses a benchmark CSV written by toCsv (or edited by hand / by a spreadsheet). Cells are
 * returned as strings; missing knobs are ''.
 * @throws Error with a one-line message "CSV line L: …" for malformed quoting, a row with
 *   the wrong number of cells, a duplicate or missing required column, or a schema version
 *   this build does not know
 */
export function parseCsv(text: string): { columns: string[]; rows: Record<string, string>[] } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lineOf = lineLocator(body);
  const fail = (offset: number, msg: string): never => {
    throw new Error(`CSV line ${lineOf(offset)}: ${msg}`);
  };

  // Step mode tells where every record starts (the previous record's cursor), so errors
  // can name the line even when quoted cells span several lines.
  const records: { cells: string[]; start: number }[] = [];
  let cursor = 0;
  Papa.parse<string[]>(body, {
    delimiter: ',',
    quoteChar: '"',
    escapeChar: '"',
    skipEmptyLines: false,
    step: (result) => {
      const start = cursor;
      cursor = result.meta.cursor;
      const err = result.errors[0];
      if (err) {
        const at = typeof err.index === 'number' ? err.index : start;
        fail(at, `${err.message.replace(/\.$/, '')} (malformed quoting)`);
      }
      // a blank line parses as one empty cell: skip it
      if (result.data.length === 1 && result.data[0] === '') return;
      records.push({ cells: result.data, start });
    },
  });

  if (records.length === 0) throw new Error('CSV line 1: no header line (the CSV is empty)');
  const [header, ...data] = records;
  const columns = header.cells;
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) fail(header.start, `duplicate column '${c}'`);
    seen.add(c);
  }
  const missing = CSV_COLUMNS.filter((c) => !seen.has(c));
  if (missing.length > 0) {
    fail(header.start, `missing required column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  }

  const rows = data.map(({ cells, start }) => {
    if (cells.length !== columns.length) {
      fail(start, `expected ${columns.length} cells (one per column), found ${cells.length}`);
    }
    const row: Record<string, string> = {};
    columns.forEach((c, i) => {
      row[c] = cells[i];
    });
    if (!KNOWN_SCHEMAS.has(row.schema)) {
      fail(
        start,
        row.schema === ''
          ? `no schema version (the 'schema' cell is empty; this build reads schema ${CSV_SCHEMA})`
          : `unknown schema version '${row.schema}' (this build reads schema ${CSV_SCHEMA})`,
      );
    }
    return row;
  });
  return { columns, rows };
}
