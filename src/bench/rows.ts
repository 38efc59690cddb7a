// RunResult → CSV row (docs/spec/benchmarks.md "CSV"). Parameter columns come from the param
// schemas (`csvColumn`), so a new variant's knobs land in their columns without code here.
import type { CsvRow } from './csv';
import type { RunResult } from './runner';
import { findVariant, variants } from '../attention/registry';
import { runParams } from './run-params';

/**
 * Columns this project writes after the required ones, in this order: its own, then every
 * registered variant's parameter columns (read at call time, so a variant registered later
 * — a plug-in, a test fixture — gets its columns too).
 */
export function extraColumns(): string[] {
  return [...FIXED_EXTRA, ...new Set(variants.flatMap((v) => v.params.map((p) => p.csvColumn ?? p.name)))];
}

const FIXED_EXTRA = [
  'dv',
  'err_mean_cos',
  'err_map_kl',
  'map_row_sum_dev',
  'memory_bytes',
  'bytes_allocated',
  'exact_time_ms_median',
  'trials',
  'adapter_description',
  // the adapter's optional features (the required column `features` is a variant knob: FAVOR+'s feature count)
  'adapter_features',
];

export function resultToRow(r: RunResult): CsvRow {
  const row: CsvRow = { variant: r.variant };
  for (const spec of runParams) {
    if (spec.csvColumn) row[spec.csvColumn] = r.run[spec.name] as CsvRow[string];
  }
  row.n = r.shape.n;
  row.d = r.shape.d;
  row.dv = r.shape.dv;
  row.heads = r.shape.heads;
  row.causal = r.shape.causal;
  const v = findVariant(r.variant);
  for (const spec of v?.params ?? []) row[spec.csvColumn ?? spec.name] = r.params[spec.name] as CsvRow[string];
  if (r.timing) {
    row.repeats = r.timing.repeats;
    row.trials = r.timing.samplesMs.length;
    row.time_ms_median = r.timing.medianMs;
    row.time_ms_min = r.timing.minMs;
    row.time_ms_p90 = r.timing.p90Ms;
    row.timing_source = r.timing.source;
  }
  row.compile_ms = r.compileMs;
  if (r.cost) {
    row.flops = r.cost.flops;
    row.bytes = r.cost.bytes;
    row.memory_bytes = r.cost.memory;
    if (r.timing) row.gflops_per_s = r.cost.flops / (r.timing.medianMs * 1e6);
  }
  row.bytes_allocated = r.bytesAllocated;
  row.speedup_vs_exact = r.speedupVsExact;
  row.exact_time_ms_median = r.exactTiming?.medianMs;
  if (r.errors) {
    row.err_rel_fro = r.errors.relFro;
    row.err_max_abs = r.errors.maxAbs;
    row.err_mean_cos = r.errors.meanCos;
  }
  if (r.mapErrors) {
    row.err_map_l1 = r.mapErrors.meanRowL1;
    row.err_map_kl = r.mapErrors.meanRowKL;
    row.map_row_sum_dev = r.mapErrors.maxRowSumDev;
  }
  row.reference = r.reference;
  if (r.adapter) {
    row.adapter_vendor = r.adapter.vendor;
    row.adapter_architecture = r.adapter.architecture;
    row.adapter_description = r.adapter.description;
    row.is_fallback_adapter = r.adapter.isFallback;
    row.user_agent = r.adapter.userAgent;
    row.adapter_features = r.adapter.features.join(' ');
  }
  for (const [id, alt] of Object.entries(r.altErrors ?? {})) {
    row[`err_rel_fro_vs_${id}`] = alt.errors.relFro;
    row[`err_max_abs_vs_${id}`] = alt.errors.maxAbs;
  }
  for (const x of r.extras ?? []) if (x.kind === 'metric' && x.csvColumn) row[x.csvColumn] = x.value;
  row.status = r.status;
  row.message = r.message;
  return row;
}
