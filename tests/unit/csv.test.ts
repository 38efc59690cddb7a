import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { CSV_COLUMNS, CSV_SCHEMA, parseCsv, toCsv, type CsvRow } from '../../src/bench/csv';

// The required columns as printed in docs/spec/benchmarks.md ("CSV"), transcribed by hand.
const SPEC_HEADER = `
schema,variant,kernel,n,d,heads,causal,rank_m,clusters,kappa,features,pinv_iters,
workload,logit_scale,seed,repeats,time_ms_median,time_ms_min,time_ms_p90,timing_source,
compile_ms,flops,bytes,gflops_per_s,speedup_vs_exact,err_rel_fro,err_max_abs,
err_map_l1,reference,adapter_vendor,adapter_architecture,is_fallback_adapter,
user_agent,status,message
`;
const SPEC_COLUMNS = SPEC_HEADER.replace(/\s+/g, '').split(',');

/** A complete valid row (every required column) for parse tests. */
function line(cells: Record<string, string> = {}): string {
  return CSV_COLUMNS.map((c) => cells[c] ?? (c === 'schema' ? '1' : '')).join(',');
}
const HEADER = CSV_COLUMNS.join(',');

describe('CSV columns', () => {
  it('are the spec’s required columns, in its order', () => {
    expect(SPEC_COLUMNS).toHaveLength(35);
    expect([...CSV_COLUMNS]).toEqual(SPEC_COLUMNS);
    expect(Number.isInteger(CSV_SCHEMA)).toBe(true);
  });
});

describe('toCsv', () => {
  it('writes the header alone for no rows, CRLF-terminated', () => {
    expect(toCsv([])).toBe(SPEC_COLUMNS.join(',') + '\r\n');
  });

  it('orders columns: required, then extra, then the other keys in first-seen order', () => {
    const text = toCsv(
      [
        { variant: 'a', zeta: 1, m_extra: 2 },
        { variant: 'b', alpha: 3, zeta: 4 },
      ],
      ['m_extra', 'n', 'second_extra'],
    );
    const header = text.split('\r\n')[0].split(',');
    expect(header).toEqual([...SPEC_COLUMNS, 'm_extra', 'second_extra', 'zeta', 'alpha']);
    const { rows } = parseCsv(text);
    expect(rows[0]).toMatchObject({ variant: 'a', zeta: '1', m_extra: '2', alpha: '', second_extra: '' });
    expect(rows[1]).toMatchObject({ variant: 'b', zeta: '4', alpha: '3', m_extra: '' });
  });

  it('fills schema when absent and keeps an explicit one', () => {
    const text = toCsv([{ variant: 'x' }, { variant: 'y', schema: null }]);
    expect(text.split('\r\n')[1].startsWith(`${CSV_SCHEMA},x,`)).toBe(true);
    expect(parseCsv(text).rows.map((r) => r.schema)).toEqual(['1', '1']);
    expect(toCsv([{ schema: 7 }]).split('\r\n')[1].startsWith('7,')).toBe(true);
  });

  it('formats booleans, null/undefined, numbers and non-finite numbers', () => {
    const text = toCsv([
      { causal: true, is_fallback_adapter: false, kappa: null, features: undefined, n: 1024, err_rel_fro: 1e-7,
        time_ms_median: 123456789.5, flops: 4e21, gflops_per_s: NaN, speedup_vs_exact: Infinity, err_max_abs: -Infinity },
    ]);
    const row = parseCsv(text).rows[0];
    expect(row).toMatchObject({
      causal: 'true', is_fallback_adapter: 'false', kappa: '', features: '', n: '1024', err_rel_fro: '1e-7',
      time_ms_median: '123456789.5', flops: '4e+21', gflops_per_s: '', speedup_vs_exact: '', err_max_abs: '',
    });
  });

  it('quotes per RFC 4180: commas, quotes, CR and LF; other cells bare', () => {
    const text = toCsv([{ variant: 'plain', message: 'a,"b"\nc', user_agent: 'x\ry', kernel: ' spaced ' }]);
    const record = text.split('\r\n').slice(1).join('\r\n');
    expect(record).toContain(',"a,""b""\nc"\r\n');
    expect(record).toContain(',"x\ry",');
    expect(record).toContain(', spaced ,');
    expect(record.startsWith('1,plain,')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
  });

  it('quotes awkward header names too', () => {
    const { columns } = parseCsv(toCsv([{ 'odd,"name"': 1 }]));
    expect(columns[columns.length - 1]).toBe('odd,"name"');
  });
});

describe('round trip toCsv → parseCsv', () => {
  it('keeps awkward strings intact', () => {
    const awkward = ['', ' ', 'a,b', '"', '""', 'say "hi"', 'line\nbreak', 'crlf\r\nend', 'cr\ronly', '\n', ',',
      'é ü 中文 🚀 \u0000 tab\t', '=SUM(A1)', 'trailing,', '"quoted"'];
    const rows: CsvRow[] = awkward.map((message, i) => ({ variant: `v${i}`, message, status: 'ok' }));
    const back = parseCsv(toCsv(rows)).rows;
    expect(back.map((r) => r.message)).toEqual(awkward);
    expect(back.map((r) => r.variant)).toEqual(awkward.map((_, i) => `v${i}`));
  });

  it('keeps any strings intact (property)', () => {
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.stringMatching(/^[",\r\n a]*$/));
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 5 }), (cells) => {
        const rows = cells.map(([message, user_agent]) => ({ message, user_agent }));
        const back = parseCsv(toCsv(rows)).rows;
        expect(back.map((r) => [r.message, r.user_agent])).toEqual(cells);
      }),
      { numRuns: 300 },
    );
  });

  it('numbers survive Number()', () => {
    const values = [1e-7, 123456789.5, 0.1, -0.000123, 1e21, 5e-324, Number.MAX_VALUE, 2 ** 53 + 2, 1 / 3];
    const back = parseCsv(toCsv(values.map((v) => ({ err_rel_fro: v })))).rows;
    expect(back.map((r) => Number(r.err_rel_fro))).toEqual(values);
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const cell = parseCsv(toCsv([{ time_ms_min: x }])).rows[0].time_ms_min;
        expect(cell).toMatch(/^-?\d+(\.\d+)?(e[+-]\d+)?$/);
        expect(Number(cell) === x).toBe(true); // −0 reads back as 0, which === accepts
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseCsv', () => {
  it('accepts LF or CRLF, a BOM, blank lines and any column order', () => {
    const reordered = [...CSV_COLUMNS].reverse();
    const row = reordered.map((c) => (c === 'schema' ? '1' : c === 'n' ? '64' : '')).join(',');
    for (const text of [
      `${reordered.join(',')}\n${row}\n`,
      `\uFEFF${reordered.join(',')}\r\n${row}\r\n\r\n`,
      `${reordered.join(',')}\n\n${row}`,
    ]) {
      const parsed = parseCsv(text);
      expect(parsed.columns).toEqual(reordered);
      expect(parsed.rows).toHaveLength(1);
      expect(parsed.rows[0].n).toBe('64');
    }
  });

  it('names the line of a ragged row, counting lines inside quoted cells', () => {
    const text = [HEADER, line({ message: '"two\nlines"' }), `${line()},extra`].join('\n');
    // the header is line 1, the quoted row spans lines 2–3, the ragged row is line 4
    expect(() => parseCsv(text)).toThrow(/^CSV line 4: expected 35 cells \(one per column\), found 36$/);
    expect(() => parseCsv([HEADER, line(), '1,exact'].join('\r\n'))).toThrow(/^CSV line 3: expected 35 cells/);
  });

  it('names missing required columns', () => {
    const cols = CSV_COLUMNS.filter((c) => c !== 'flops' && c !== 'seed');
    expect(() => parseCsv(cols.join(',') + '\n')).toThrow('CSV line 1: missing required columns: seed, flops');
    expect(() => parseCsv('a\n1\n')).toThrow(/^CSV line 1: missing required columns: schema, variant,/);
  });

  it('rejects duplicate columns', () => {
    expect(() => parseCsv(`${HEADER},n\n`)).toThrow("CSV line 1: duplicate column 'n'");
  });

  it('rejects an unknown or missing schema version', () => {
    expect(() => parseCsv([HEADER, line(), line({ schema: '2' })].join('\n')))
      .toThrow("CSV line 3: unknown schema version '2' (this build reads schema 1)");
    expect(() => parseCsv([HEADER, line({ schema: '' })].join('\n'))).toThrow(/^CSV line 2: no schema version/);
    expect(() => parseCsv([HEADER, line({ schema: 'v1' })].join('\n'))).toThrow(/^CSV line 2: unknown schema version 'v1'/);
  });

  it('rejects malformed quoting with the line', () => {
    const text = [HEADER, line(), line({ message: '"unterminated' })].join('\n');
    expect(() => parseCsv(text)).toThrow(/^CSV line 3: .*malformed quoting/);
  });

  it('rejects an empty text', () => {
    expect(() => parseCsv('')).toThrow(/no header line/);
    expect(() => parseCsv('\n\n')).toThrow(/no header line/);
  });

  it('error messages are one line', () => {
    const text = [HEADER, line({ message: '"a\nb"' }), 'x'].join('\n');
    try {
      parseCsv(text);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toMatch(/\n/);
    }
  });
});
