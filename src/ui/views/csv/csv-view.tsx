// "CSV files": load benchmark CSVs back (from this page's export or the CLI's `bench`), see one
// as a table with charts, or two side by side — rows matched by configuration, with B/A ratio
// columns for time and error.
import { useId, useMemo, useState } from 'react';
import { parseCsv } from '../../../bench/csv';
import { pairCsvs, resultToPoint, rowToPoint, type CsvPair } from '../../../state/points';
import { usePlayground, type LoadedCsv } from '../../../state/store';
import { PointsByProblem } from '../compare/compare-view';
import { formatMs, formatNumber, formatRatio } from '../../common/format';

/** Reads a CSV file with the project's parser; the error names the line and the problem. */
export async function readCsvFile(file: File): Promise<LoadedCsv> {
  const text = await file.text();
  try {
    const { columns, rows } = parseCsv(text);
    return { name: file.name, columns, rows };
  } catch (e) {
    throw new Error(`${file.name}: ${(e as Error)?.message ?? String(e)}`);
  }
}

function CsvPicker({ slot, label }: { slot: 'a' | 'b'; label: string }) {
  const csv = usePlayground((s) => s.csv[slot]);
  const setCsv = usePlayground((s) => s.setCsv);
  const [error, setError] = useState<string>();
  const id = useId();
  const onFile = async (file: File | undefined) => {
    setError(undefined);
    if (!file) return;
    try {
      setCsv(slot, await readCsvFile(file));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div className="field csv-picker">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="file" accept=".csv,text/csv" onChange={(e) => void onFile(e.target.files?.[0])} aria-describedby={`${id}-state`} />
      <p className="field-help" id={`${id}-state`}>
        {csv ? (
          <>
            <strong>{csv.name}</strong>: {csv.rows.length} row{csv.rows.length === 1 ? '' : 's'}{' '}
            <button type="button" className="small" onClick={() => setCsv(slot, undefined)} aria-label={`Remove ${csv.name}`}>
              Remove
            </button>
          </>
        ) : slot === 'a' ? (
          'None loaded: A is this session’s runs.'
        ) : (
          'None loaded.'
        )}
      </p>
      {error && (
        <p className="field-error" role="alert" data-testid={`csv-error-${slot}`}>
          {error}
        </p>
      )}
    </div>
  );
}

function ratioClass(r: number | undefined): string {
  if (r === undefined) return '';
  return r < 0.95 ? 'better' : r > 1.05 ? 'worse' : '';
}

function PairTable({ pairs, nameA, nameB }: { pairs: CsvPair[]; nameA: string; nameB: string }) {
  return (
    <div className="table-wrap">
      <table className="data-table" data-testid="csv-pairs">
        <caption className="sr-only">
          Runs of {nameA} (A) and {nameB} (B) matched by configuration, with B/A ratios
        </caption>
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col">Knobs</th>
            <th scope="col" className="num">N</th>
            <th scope="col" className="num">d</th>
            <th scope="col" className="num">Time A</th>
            <th scope="col" className="num">Time B</th>
            <th scope="col" className="num">Time B/A</th>
            <th scope="col" className="num">Error A</th>
            <th scope="col" className="num">Error B</th>
            <th scope="col" className="num">Error B/A</th>
          </tr>
        </thead>
        <tbody>
          {pairs.map((pair) => {
            const p = pair.a ?? pair.b!;
            return (
              <tr key={pair.key} data-variant={p.variant}>
                <th scope="row">{p.label}</th>
                <td className="knobs" title={p.knobAll || undefined}>
                  {p.knobText || (p.knobAll ? 'defaults' : '—')}
                </td>
                <td className="num">{p.n}</td>
                <td className="num">{p.d}</td>
                <td className="num">{pair.a ? formatMs(pair.a.timeMs) : 'not in A'}</td>
                <td className="num">{pair.b ? formatMs(pair.b.timeMs) : 'not in B'}</td>
                <td className={`num ratio ${ratioClass(pair.timeRatio)}`} data-metric="time-ratio" data-value={pair.timeRatio}>
                  {formatRatio(pair.timeRatio)}
                </td>
                <td className="num">{pair.a ? formatNumber(pair.a.errRelFro) : '—'}</td>
                <td className="num">{pair.b ? formatNumber(pair.b.errRelFro) : '—'}</td>
                <td className={`num ratio ${ratioClass(pair.errRatio)}`} data-metric="err-ratio" data-value={pair.errRatio}>
                  {formatRatio(pair.errRatio)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export default function CsvView() {
  const csv = usePlayground((s) => s.csv);
  const results = usePlayground((s) => s.results);
  const a = useMemo(() => (csv.a ? csv.a.rows.map((r) => rowToPoint(r, csv.a!.name)) : results.map((r) => resultToPoint(r))), [csv.a, results]);
  const b = useMemo(() => (csv.b ? csv.b.rows.map((r) => rowToPoint(r, csv.b!.name)) : undefined), [csv.b]);
  const nameA = csv.a?.name ?? 'this session';
  const pairs = useMemo(() => (b ? pairCsvs(a, b) : undefined), [a, b]);
  return (
    <section className="panel" aria-labelledby="csv-title" data-testid="csv-view">
      <h2 id="csv-title">CSV files</h2>
      <p className="panel-note">
        Load a benchmark CSV (this page’s “Export CSV” or <code>npm run cli -- bench … --csv</code>) to see it again, or two to compare
        them: rows are matched by variant, knobs and problem; a ratio below 1× means B is faster (or more accurate).
      </p>
      <div className="csv-pickers">
        <CsvPicker slot="a" label="CSV A" />
        <CsvPicker slot="b" label="CSV B" />
      </div>
      {pairs ? (
        <>
          <h3>
            {nameA} (A) against {csv.b!.name} (B)
          </h3>
          <PairTable pairs={pairs} nameA={nameA} nameB={csv.b!.name} />
        </>
      ) : a.length > 0 ? (
        <>
          <h3>{nameA}</h3>
          <PointsByProblem points={a} what={nameA} fileStem="csv-a" />
        </>
      ) : (
        <p className="panel-empty">No runs yet: load a CSV.</p>
      )}
    </section>
  );
}
