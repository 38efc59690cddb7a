// Number formatting for the panels: readable, and honest about magnitude (small errors in
// exponent notation, counts with SI prefixes, bytes in binary units).
export { formatBytes } from '../../gpu/errors';

const DASH = '—';

/** Three significant digits; exponent notation outside 1e-3 … 1e6. null = not defined (n/a). */
export function formatNumber(x: number | null | undefined, digits = 3): string {
  if (x === null) return 'n/a';
  if (x === undefined) return DASH;
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e6) return x.toExponential(digits - 1);
  return Number(x.toPrecision(digits)).toString();
}

/** Milliseconds with a sensible number of decimals. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return DASH;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${ms.toPrecision(3)} ms`;
}

const SI = ['', 'k', 'M', 'G', 'T', 'P'];

/** 1.23 GFLOP style: a count with an SI prefix and a unit. */
export function formatSi(x: number | undefined, unit: string): string {
  if (x === undefined || !Number.isFinite(x)) return DASH;
  let i = 0;
  let v = x;
  while (Math.abs(v) >= 1000 && i < SI.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))} ${SI[i]}${unit}`;
}

/** A ratio like 3.2×. */
export function formatRatio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return DASH;
  return `${Number(x.toPrecision(3))}×`;
}
