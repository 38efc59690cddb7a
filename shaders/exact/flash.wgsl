// Exact softmax attention, flash-style (spec/variants.md §0).
//
// One workgroup = BR query rows of one head; one invocation = one query row.
// K and V are streamed through workgroup memory in tiles of BC keys. Per tile each row
// computes its BC scores, the tile maximum, rescales its running accumulator once
// (online softmax: running max m and denominator l), then accumulates p·V.
// Memory is O(N·d): no N×N matrix is ever written.
//
// Sizes come from the uniform, so N and d change without recompiling. DMAX (≥ max(d, dv),
// a power of two) sizes the private arrays and BC is chosen so that the two tiles fit in
// 32 KiB of workgroup memory (BC·DMAX ≤ 4096); both are specialized by the host.
// Rows/keys past N and channels past d are zero-padded in the tiles and masked out.

struct Params {
  n: u32,
  d: u32,
  dv: u32,
  heads: u32,
  causal: u32,
  // first row block of this part, number of row blocks per head in this part
  block0: u32,
  blocks: u32,
  // workgroups in this part (= blocks · heads); the grid may be folded into 2-D
  groups: u32,
  scale: f32,
}

const DMAX: u32 = 64u; // @specialize
const BC: u32 = 64u; // @specialize
const BR: u32 = 64u;
// "minus infinity" kept finite: WGSL lets implementations assume no infinities
const NEG: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read_write> O: array<f32>;

var<workgroup> Kt: array<f32, BC * DMAX>;
var<workgroup> Vt: array<f32, BC * DMAX>;

@compute @workgroup_size(BR)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let g = wid.x + wid.y * nwg.x;
  if (g >= P.groups) {
    return; // whole workgroup: uniform
  }
  let head = g / P.blocks;
  let block = P.block0 + g % P.blocks;
  let n = P.n;
  let d = P.d;
  let dv = P.dv;
  let row = block * BR + t;
  let live = row < n;

  var q: array<f32, DMAX>;
  var acc: array<f32, DMAX>;
  var s: array<f32, BC>;
  let qbase = (head * n + min(row, n - 1u)) * d;
  for (var c = 0u; c < DMAX; c++) {
    q[c] = select(0.0, Q[qbase + min(c, d - 1u)] * P.scale, c < d);
    acc[c] = 0.0;
  }
  var m = NEG;
  var l = 0.0;

  // keys this row block can see: all, or up to its last row when causal
  let lastRow = min(block * BR + BR, n) - 1u;
  let keyEnd = select(n, lastRow + 1u, P.causal != 0u);
  let tiles = (keyEnd + BC - 1u) / BC;
  let kvbase = head * n;

  for (var tile = 0u; tile < tiles; tile++) {
    let key0 = tile * BC;
    // cooperative, coalesced tile loads (zero padding past N and past d / dv)
    for (var e = t; e < BC * DMAX; e += BR) {
      let j = key0 + e / DMAX;
      let c = e % DMAX;
      let jj = min(j, n - 1u);
      Kt[e] = select(0.0, K[(kvbase + jj) * d + min(c, d - 1u)], j < n && c < d);
      Vt[e] = select(0.0, V[(kvbase + jj) * dv + min(c, dv - 1u)], j < n && c < dv);
    }
    workgroupBarrier();

    if (live) {
      let jmax = select(keyEnd, row + 1u, P.causal != 0u); // exclusive bound of visible keys
      var tmax = NEG;
      for (var jj = 0u; jj < BC; jj++) {
        var dot = 0.0;
        for (var c = 0u; c < DMAX; c++) {
          dot += q[c] * Kt[jj * DMAX + c];
        }
        let visible = key0 + jj < jmax;
        s[jj] = select(NEG, dot, visible);
        tmax = max(tmax, s[jj]);
      }
      if (tmax > NEG) {
        let mnew = max(m, tmax);
        let alpha = select(exp(m - mnew), 0.0, m <= NEG); // nothing accumulated yet
        l *= alpha;
        for (var c = 0u; c < DMAX; c++) {
          acc[c] *= alpha;
        }
        for (var jj = 0u; jj < BC; jj++) {
          let p = select(0.0, exp(s[jj] - mnew), s[jj] > NEG);
          l += p;
          for (var c = 0u; c < DMAX; c++) {
            acc[c] += p * Vt[jj * DMAX + c];
          }
        }
        m = mnew;
      }
    }
    workgroupBarrier();
  }

  if (live) {
    let inv = 1.0 / l;
    let obase = (head * n + row) * dv;
    for (var c = 0u; c < DMAX; c++) {
      if (c < dv) {
        O[obase + c] = acc[c] * inv;
      }
    }
  }
}
