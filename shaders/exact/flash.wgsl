// Exact softmax attention, flash-style (docs/spec/variants.md §0).
//
// One workgroup = BR query rows of one head; one invocation = one query row.
// K and V are streamed through workgroup memory in tiles of BC keys. Per tile each row
// computes its scores 16 keys at a time, rescales its running accumulator (online softmax:
// running max m and denominator l), then accumulates p·V (common/flash.wgsl).
// Memory is O(N·d): no N×N matrix is ever written.
//
// Sizes come from the uniform, so N and d change without recompiling. DMAX (≥ max(d, dv),
// a power of two) sizes the private arrays and BC (a multiple of 16) is chosen so that the
// two tiles fit in 32 KiB of workgroup memory (BC·DMAX ≤ 4096); both are specialized by the host.
// Rows/keys past N and channels past d are zero-padded in the tiles and masked out.

const DMAX: u32 = 64u; // @specialize
const BC: u32 = 64u; // @specialize
const BR: u32 = 64u;

#include "exact/params.wgsl"
#include "common/grid.wgsl"
#include "common/flash.wgsl"

@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read_write> O: array<f32>;

@compute @workgroup_size(BR)
fn main(grid: Grid, @builtin(local_invocation_index) t: u32) {
  let g = gridIndex(grid);
  if (g >= P.groups) { return; } // whole workgroup: uniform
  let blocks = P.groups / P.heads; // row blocks per head in this part
  let head = g / blocks;
  let block = P.first + g % blocks;
  let n = P.n;
  let row = block * BR + t;
  let live = row < n;
  flashBegin((head * n + min(row, n - 1u)) * P.d, P.d, P.scale);

  // keys this row block can see: all, or up to its last row when causal
  let lastRow = min(block * BR + BR, n) - 1u;
  let keyEnd = select(n, lastRow + 1u, P.causal != 0u);
  let tiles = (keyEnd + BC - 1u) / BC;
  let kvbase = head * n;
  // exclusive bound of the keys this row sees (N, or the row itself when causal)
  let jmax = select(keyEnd, row + 1u, P.causal != 0u);

  for (var tile = 0u; tile < tiles; tile++) {
    let key0 = tile * BC;
    // cooperative, coalesced tile loads (zero padding past N and past d / dv)
    for (var e = t; e < BC * D4; e += BR) {
      let j = key0 + e / D4;
      flashStage(e, kvbase + min(j, n - 1u), j < n, P.d, P.dv);
    }
    workgroupBarrier();
    if (live) {
      flashTile(key0, jmax);
    }
    workgroupBarrier();
  }

  if (live) {
    let inv = 1.0 / fl;
    let obase = (head * n + row) * P.dv;
    for (var c = 0u; c < P.dv; c++) {
      O[obase + c] = facc[c / 4u][c % 4u] * inv;
    }
  }
}
