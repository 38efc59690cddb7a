// Validation of attention-map requests (a window of rows, or a pooled overview), shared by
// every variant's readMap. Kept apart from any plan so importing it loads no kernels.
import type { MapRequest, Shape } from './types';

/** the pooled overview is capped at this many columns (map.wgsl's workgroup array) */
export const MAP_MAX_POOLED_COLS = 2048;

/** Validates a map request against the shape; returns problems (empty = ok). */
export function checkMapRequest(shape: Shape, req: MapRequest): string[] {
  const errs: string[] = [];
  if (!Number.isInteger(req.head) || req.head < 0 || req.head >= shape.heads) errs.push(`map head ${req.head} is not in 0…${shape.heads - 1}`);
  if (req.kind === 'rows') {
    if (!Number.isInteger(req.row0) || req.row0 < 0 || req.row0 >= shape.n) errs.push(`map window starts at row ${req.row0}, outside 0…${shape.n - 1}`);
    if (!Number.isInteger(req.rows) || req.rows < 1 || req.row0 + req.rows > shape.n) errs.push(`map window of ${req.rows} rows from row ${req.row0} runs past N = ${shape.n}`);
  } else {
    if (!Number.isInteger(req.pool) || req.pool < 1) errs.push(`map pool must be a positive integer, got ${req.pool}`);
    else if (Math.ceil(shape.n / req.pool) > MAP_MAX_POOLED_COLS) {
      errs.push(`pooled map of N = ${shape.n} with pool ${req.pool} has ${Math.ceil(shape.n / req.pool)} columns; at most ${MAP_MAX_POOLED_COLS} (use pool ≥ ${Math.ceil(shape.n / MAP_MAX_POOLED_COLS)})`);
    }
  }
  return errs;
}

