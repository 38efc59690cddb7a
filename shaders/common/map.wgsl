// The two map kernels' bodies (attention maps for display): a window of rows, and the pooled
// (block-averaged) overview. One workgroup per map row (rows) or per block row (pooled); each
// invocation evaluates entries j ≡ t (mod WG), so no two invocations write one cell.
//
// The includer defines (anywhere in the module)
//   const WG: u32 = …;         // workgroup size, also @workgroup_size(WG)
//   const MAXPCOLS: u32 = …;   // ≥ block columns of a pooled overview (may be `// @specialize`d)
//   OUT: array<f32>, read_write: the map's output
//   fn mapRowBegin(i: u32, t: u32)  // row i's statistics (e.g. its max and denominator,
//                                   // reduced over the workgroup with common/reduce.wgsl);
//                                   // called in uniform control flow, by every invocation
//   fn mapEntry(i: u32, j: u32) -> f32  // entry (i, j) after mapRowBegin(i), for j < jEnd
// Declares: mapPooled (workgroup, MAXPCOLS f32), visibleEnd, mapWriteRow, mapWritePooled.
//
//   rows:   let i = P.row0 + g; mapRowBegin(i, t); mapWriteRow(i, t, 0u, n, visibleEnd(i, n, causal), (i − base)·n)
//   pooled: mapWritePooled(P.row0 + g, t, n, pool, pcols, causal, 0u)
// Cells past jEnd (masked by causality) are exactly 0.

var<workgroup> mapPooled: array<f32, MAXPCOLS>;

/** Exclusive bound of the keys row i sees: all n, or i + 1 when causal. */
fn visibleEnd(i: u32, n: u32, causal: bool) -> u32 {
  return select(n, i + 1u, causal);
}

/** OUT[out0 + j] = entry (i, j) for j ∈ [j0, j1) (0 for j ≥ jEnd). After mapRowBegin(i). */
fn mapWriteRow(i: u32, t: u32, j0: u32, j1: u32, jEnd: u32, out0: u32) {
  for (var j = j0 + t; j < j1; j += WG) {
    var p = 0.0;
    if (j < jEnd) {
      p = mapEntry(i, j);
    }
    OUT[out0 + j] = p;
  }
}

/**
 * Block row a of the pooled overview: OUT[out0 + a·pcols + b] = mean of the entries (i, j) of
 * block (a, b), rows a·pool … and columns b·pool … (edge blocks average over the cells they
 * have). Calls mapRowBegin for each row of the block. Uniform control flow.
 */
fn mapWritePooled(a: u32, t: u32, n: u32, pool: u32, pcols: u32, causal: bool, out0: u32) {
  for (var b = t; b < pcols; b += WG) {
    mapPooled[b] = 0.0;
  }
  let i0 = a * pool;
  let i1 = min(i0 + pool, n);
  for (var i = i0; i < i1; i++) {
    mapRowBegin(i, t);
    let jEnd = visibleEnd(i, n, causal);
    // each invocation owns block columns b ≡ t (mod WG): no races on mapPooled[b]
    for (var b = t; b < pcols; b += WG) {
      let j0 = b * pool;
      let j1 = min(j0 + pool, jEnd);
      var sum = 0.0;
      for (var j = j0; j < j1; j++) {
        sum += mapEntry(i, j);
      }
      mapPooled[b] += sum;
    }
    workgroupBarrier(); // the next row's mapRowBegin may rewrite what mapEntry reads
  }
  let rowsIn = f32(i1 - i0);
  for (var b = t; b < pcols; b += WG) {
    let colsIn = f32(min(b * pool + pool, n) - b * pool);
    OUT[out0 + a * pcols + b] = mapPooled[b] / (rowsIn * colsIn);
  }
}
