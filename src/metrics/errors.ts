// Error metrics of an approximate attention against the exact one (docs/spec/variants.md §6).
// Everything is accumulated in float64, whatever the input arrays hold. NaN in either input
// propagates into every metric it touches (a broken kernel must not look accurate).

export interface OutputErrors {
  /** ‖Ô − O‖_F / ‖O‖_F; the absolute ‖Ô − O‖_F when ‖O‖_F = 0 */
  relFro: number;
  /** max |Ô − O| over all elements */
  maxAbs: number;
  /** mean over rows of cos(Ô_i, O_i) (both rows zero: 1; exactly one zero: 0) */
  meanCos: number;
}

export interface MapErrors {
  /** mean over rows of ‖Â_i − A_i‖₁ */
  meanRowL1: number;
  /**
   * mean over rows of KL(A_i ‖ Â_i) = Σ_j A_ij·log(A_ij / Â_ij), terms with A_ij = 0 being 0;
   * null when any Â_ij (or A_ij) < 0, Infinity when some A_ij > 0 has Â_ij = 0
   */
  meanRowKL: number | null;
  /** max over rows of |Σ_j Â_ij − 1| */
  maxRowSumDev: number;
}

function checkShape(fn: string, approx: ArrayLike<number>, exact: ArrayLike<number>, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new RangeError(`${fn}: rows and cols must be non-negative integers, got ${rows}×${cols}`);
  }
  if (approx.length !== rows * cols || exact.length !== rows * cols) {
    throw new RangeError(
      `${fn}: expected ${rows}×${cols} = ${rows * cols} values, got approx ${approx.length} and exact ${exact.length}`,
    );
  }
}

/**
 * Output errors of `approx` against `exact`, both row-major rows × cols (e.g. H·N rows of
 * d_v values). With rows = 0 the errors are 0 and meanCos is 1 (nothing differs).
 * @throws RangeError when the lengths do not match rows × cols
 */
export function outputErrors(
  approx: ArrayLike<number>,
  exact: ArrayLike<number>,
  rows: number,
  cols: number,
): OutputErrors {
  checkShape('outputErrors', approx, exact, rows, cols);
  let diffSq = 0;
  let exactSq = 0;
  let maxAbs = 0;
  let cosSum = 0;
  for (let i = 0; i < rows; i++) {
    let dot = 0;
    let aa = 0;
    let ee = 0;
    for (let j = i * cols; j < (i + 1) * cols; j++) {
      const a = approx[j];
      const e = exact[j];
      const diff = Math.abs(a - e);
      diffSq += diff * diff;
      // a NaN difference sticks: once maxAbs is NaN, diff > maxAbs is always false
      if (diff > maxAbs || diff !== diff) maxAbs = diff;
      dot += a * e;
      aa += a * a;
      ee += e * e;
    }
    exactSq += ee;
    let cos: number;
    if (aa === 0 && ee === 0) cos = 1;
    else if (aa === 0 || ee === 0) cos = 0;
    else cos = Math.min(1, Math.max(-1, dot / Math.sqrt(aa * ee))); // clamp rounding past ±1
    // NaN rows: min/max above keep NaN (Math.min/max return NaN if any argument is NaN)
    cosSum += cos;
  }
  const diffFro = Math.sqrt(diffSq);
  const exactFro = Math.sqrt(exactSq);
  return {
    relFro: exactFro === 0 ? diffFro : diffFro / exactFro,
    maxAbs,
    meanCos: rows === 0 ? 1 : cosSum / rows,
  };
}

/**
 * Attention-map errors of `approx` (Â) against `exact` (A), both row-major rows × cols
 * (rows of probabilities, e.g. N×N per head). With rows = 0 all errors are 0.
 * @throws RangeError when the lengths do not match rows × cols
 */
export function mapErrors(
  approx: ArrayLike<number>,
  exact: ArrayLike<number>,
  rows: number,
  cols: number,
): MapErrors {
  checkShape('mapErrors', approx, exact, rows, cols);
  let l1Sum = 0;
  let klSum = 0;
  let klDefined = true;
  let maxRowSumDev = 0;
  for (let i = 0; i < rows; i++) {
    let l1 = 0;
    let rowSum = 0;
    for (let j = i * cols; j < (i + 1) * cols; j++) {
      const a = approx[j];
      const e = exact[j];
      l1 += Math.abs(a - e);
      rowSum += a;
      if (a < 0 || e < 0) {
        klDefined = false;
      } else if (klDefined && e !== 0) {
        // e·log(e/a) as a difference of logs: no overflow of e/a for tiny a; a = 0 → +∞
        klSum += e * (Math.log(e) - Math.log(a));
      }
    }
    l1Sum += l1;
    const dev = Math.abs(rowSum - 1);
    if (dev > maxRowSumDev || dev !== dev) maxRowSumDev = dev; // NaN sticks
  }
  return {
    meanRowL1: rows === 0 ? 0 : l1Sum / rows,
    meanRowKL: !klDefined ? null : rows === 0 ? 0 : klSum / rows,
    maxRowSumDev,
  };
}
