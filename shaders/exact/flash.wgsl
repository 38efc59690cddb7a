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

// tiles as vec4 rows: one workgroup-memory load feeds four multiply-adds
const D4: u32 = DMAX / 4u;
var<workgroup> Kt: array<vec4<f32>, BC * D4>;
var<workgroup> Vt: array<vec4<f32>, BC * D4>;

// element c of row `base` of a row-major matrix with `width` columns, 0 past the edge
fn ld4(m: u32, base: u32, width: u32, c0: u32, ok: bool) -> vec4<f32> {
  var r = vec4<f32>(0.0);
  for (var e = 0u; e < 4u; e++) {
    let c = c0 + e;
    if (ok && c < width) {
      if (m == 0u) {
        r[e] = K[base * width + c];
      } else {
        r[e] = V[base * width + c];
      }
    }
  }
  return r;
}

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

  var q: array<vec4<f32>, D4>;
  var acc: array<vec4<f32>, D4>;
  var s: array<f32, BC>;
  let qbase = (head * n + min(row, n - 1u)) * d;
  for (var c4 = 0u; c4 < D4; c4++) {
    var x = vec4<f32>(0.0);
    for (var e = 0u; e < 4u; e++) {
      let c = c4 * 4u + e;
      x[e] = select(0.0, Q[qbase + min(c, d - 1u)] * P.scale, c < d);
    }
    q[c4] = x;
    acc[c4] = vec4<f32>(0.0);
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
    for (var e = t; e < BC * D4; e += BR) {
      let j = key0 + e / D4;
      let c0 = (e % D4) * 4u;
      Kt[e] = ld4(0u, kvbase + min(j, n - 1u), d, c0, j < n);
      Vt[e] = ld4(1u, kvbase + min(j, n - 1u), dv, c0, j < n);
    }
    workgroupBarrier();

    if (live) {
      let jmax = select(keyEnd, row + 1u, P.causal != 0u); // exclusive bound of visible keys
      var tmax = NEG;
      for (var jj = 0u; jj < BC; jj++) {
        var dot4 = vec4<f32>(0.0);
        for (var c4 = 0u; c4 < D4; c4++) {
          dot4 += q[c4] * Kt[jj * D4 + c4];
        }
        let dot = (dot4.x + dot4.y) + (dot4.z + dot4.w);
        let visible = key0 + jj < jmax;
        s[jj] = select(NEG, dot, visible);
        tmax = max(tmax, s[jj]);
      }
      if (tmax > NEG) {
        let mnew = max(m, tmax);
        let alpha = select(exp(m - mnew), 0.0, m <= NEG); // nothing accumulated yet
        l *= alpha;
        for (var c4 = 0u; c4 < D4; c4++) {
          acc[c4] *= alpha;
        }
        for (var jj = 0u; jj < BC; jj++) {
          let p = select(0.0, exp(s[jj] - mnew), s[jj] > NEG);
          l += p;
          for (var c4 = 0u; c4 < D4; c4++) {
            acc[c4] += p * Vt[jj * D4 + c4];
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
    for (var c = 0u; c < dv; c++) {
      O[obase + c] = acc[c / 4u][c % 4u] * inv;
    }
  }
}
