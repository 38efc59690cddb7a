// Fastmax normalization (docs/spec/variants.md §5), two-stage and deterministic (no float atomics).
//
// `stats`  (stage 1): one workgroup = RB token rows of one head of Q or of K (or `rpg` such
//          blocks one after the other). Per row: the mean
//          over the d channels (per-token centring, when `center`) and the squared norm of the
//          centred row; the workgroup's largest squared norm goes to PART. The means go to MU
//          (0 when centring is off), so the later kernels centre on the fly: no centred copy
//          of Q and K is ever written.
// `finish` (stage 2): one workgroup per head reduces its PART entries to the max-norms
//          ‖q − mean‖_max, ‖k − mean‖_max and folds lim, T and a0, a1, a2 into the coefficients
//          of the score in the *unscaled* centred dot product y = (q − μ_q)·(k − μ_k):
//              x = α·y,  α = (lim/‖q‖_max)·(lim/‖k‖_max)/T   (α = 1/T without normalization)
//              f = c0 + c1·y + c2·y²,  c0 = a0, c1 = a1·α, c2 = a2·α² (0 when p = 1).
//          COEF[h·8 + …] = (c0, c1, c2, α, ‖q‖_max, ‖k‖_max, 0, 0); the max-norms are −1 when
//          `stats` did not run (neither centring nor normalization). A max-norm of 0 (all
//          centred vectors 0, e.g. d = 1) gives a scale of 0, as in the f64 reference.
//
// Rows are read through a workgroup tile of RB rows × CT channels: a block of rows of one head
// is contiguous in memory, so each tile load reads runs of CT consecutive floats.

#include "fastmax/entry.wgsl"
#include "common/reduce.wgsl"

const WG: u32 = 64u; // the workgroup size (common/reduce.wgsl)
const RB: u32 = WG; // rows per block: one invocation a row
const CT: u32 = 16u;

@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read_write> MU: array<f32>;
@group(0) @binding(4) var<storage, read_write> PART: array<f32>;
@group(0) @binding(5) var<storage, read_write> COEF: array<f32>;

var<workgroup> tile: array<f32, RB * (CT + 1u)>;

fn ld(which: u32, idx: u32) -> f32 {
  if (which == 0u) {
    return Q[idx];
  }
  return K[idx];
}

// tile[r][cc] = X[row0 + r][c0 + cc] (0 past the block or past d); uniform control flow only
fn loadTile(which: u32, base: u32, rows: u32, c0: u32, t: u32) {
  for (var e = t; e < RB * CT; e += RB) {
    let r = e / CT;
    let c = c0 + e % CT;
    var x = 0.0;
    if (r < rows && c < P.d) {
      x = ld(which, base + r * P.d + c);
    }
    tile[r * (CT + 1u) + e % CT] = x;
  }
}

@compute @workgroup_size(RB)
fn stats(grid: Grid, @builtin(local_invocation_index) t: u32) {
  let g = workgroupOf(grid);
  if (g == NONE) { return; }
  let rgroups = (P.rtiles + P.rpg - 1u) / P.rpg;
  let perWhich = P.heads * rgroups;
  let which = g / perWhich; // 0: Q, 1: K
  let h = (g % perWhich) / rgroups;
  let rg = g % rgroups;
  // the row blocks of this workgroup, one after the other (see `rpg`)
  for (var rt = rg * P.rpg; rt < min(rg * P.rpg + P.rpg, P.rtiles); rt++) {
    rowStats(which, h, rt, t);
  }
}

// means and the largest squared centred norm of row block `rt` of head h of Q (which = 0) or K
fn rowStats(which: u32, h: u32, rt: u32, t: u32) {
  let row0 = rt * RB;
  let rows = min(RB, P.n - row0);
  let base = (h * P.n + row0) * P.d;

  var mean = 0.0;
  if (P.center != 0u) {
    var sum = 0.0;
    for (var c0 = 0u; c0 < P.d; c0 += CT) {
      loadTile(which, base, rows, c0, t);
      workgroupBarrier();
      for (var cc = 0u; cc < CT; cc++) {
        sum += tile[t * (CT + 1u) + cc];
      }
      workgroupBarrier();
    }
    mean = sum / f32(P.d);
  }
  var sq = 0.0;
  for (var c0 = 0u; c0 < P.d; c0 += CT) {
    loadTile(which, base, rows, c0, t);
    workgroupBarrier();
    for (var cc = 0u; cc < CT; cc++) {
      if (c0 + cc < P.d) {
        let y = tile[t * (CT + 1u) + cc] - mean;
        sq += y * y;
      }
    }
    workgroupBarrier();
  }
  if (t < rows) {
    MU[(which * P.heads + h) * P.n + row0 + t] = mean;
  }
  let m = reduceMax(t, select(0.0, sq, t < rows));
  if (t == 0u) {
    PART[(which * P.heads + h) * P.rtiles + rt] = m;
  }
  workgroupBarrier(); // tile is reused by the next row block
}

@compute @workgroup_size(RB)
fn finish(grid: Grid, @builtin(local_invocation_index) t: u32) {
  let h = groupIndex(grid.wid, grid.nwg);
  if (h >= P.heads) { return; }
  // mode = 1: stage 1 ran (PART holds the squared max-norms)
  var norms = vec2<f32>(-1.0, -1.0);
  if (P.mode != 0u) {
    for (var which = 0u; which < 2u; which++) {
      var m = 0.0;
      for (var r = t; r < P.rtiles; r += RB) {
        m = max(m, PART[(which * P.heads + h) * P.rtiles + r]);
      }
      norms[which] = sqrt(reduceMax(t, m));
    }
  }
  if (t == 0u) {
    var alpha = P.invT;
    if (P.normalize != 0u) {
      let sq = select(0.0, P.lim / norms.x, norms.x > 0.0);
      let sk = select(0.0, P.lim / norms.y, norms.y > 0.0);
      alpha = sq * sk * P.invT;
    }
    let o = h * 8u;
    COEF[o + 0u] = P.a0;
    COEF[o + 1u] = P.a1 * alpha;
    COEF[o + 2u] = select(0.0, P.a2 * alpha * alpha, P.p == 2u);
    COEF[o + 3u] = alpha;
    COEF[o + 4u] = norms.x;
    COEF[o + 5u] = norms.y;
    COEF[o + 6u] = 0.0;
    COEF[o + 7u] = 0.0;
  }
}
