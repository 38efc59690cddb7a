// Typed failures of a GPU run. The benchmark runner turns them into CSV `status` values
// (docs/spec/benchmarks.md method step 6); the UI shows `message` as is.

export type GpuErrorKind = 'oom' | 'limit' | 'validation' | 'lost' | 'internal' | 'unsupported';

export class GpuError extends Error {
  constructor(
    readonly kind: GpuErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'GpuError';
  }

  /** the CSV `status` cell for a run that failed with this error */
  get status(): 'skipped-oom' | 'skipped-limit' | 'error' {
    if (this.kind === 'oom') return 'skipped-oom';
    if (this.kind === 'limit') return 'skipped-limit';
    return 'error';
  }
}


/** A size or count that exceeds an adapter limit: a clear message naming the limit. */
export function limitError(what: string, needed: number, limitName: string, limit: number): GpuError {
  return new GpuError(
    'limit',
    `${what} needs ${formatBytesOrCount(needed, limitName)} but this adapter's ${limitName} is ${formatBytesOrCount(limit, limitName)}`,
  );
}

function formatBytesOrCount(x: number, limitName: string): string {
  if (!/Size$/.test(limitName)) return String(x);
  return formatBytes(x);
}

export function formatBytes(x: number): string {
  if (x < 1024) return `${x} B`;
  if (x < 1024 ** 2) return `${(x / 1024).toFixed(1)} KiB`;
  if (x < 1024 ** 3) return `${(x / 1024 ** 2).toFixed(1)} MiB`;
  return `${(x / 1024 ** 3).toFixed(2)} GiB`;
}
