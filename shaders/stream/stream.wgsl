// Continual (streaming) attention, one token per step (docs/spec/variants.md §2): CoSi, CoRe and
// Continual Nyström (single-output / retroactive, fixed / continual landmarks).
//
// Every entry point shares one bind-group layout. The per-step uniform `P` (params.wgsl: one
// 256-byte slot per step of a batch) says which step t this is; the host encodes a batch of
// steps in one compute pass, each dispatch reading its own slot.
//
// Buffers, per head h (H heads, wid.z = h):
//   XQ, XK, XV  the batch's tokens: B×d (q, k) and B×dv (v)
//   R           ring buffers (layout in params.wgsl). q and k are stored pre-scaled (qscale,
//               kscale) so that a logit is a plain dot product.
//   S           the method's state (CoRe: row offsets, sums, A·V rows; Nyström: landmark
//               offsets, δ, U, W = U⊘δ, and for retroactive output G, Φ row offsets, φ, Φ)
//   Y           outputs: the windows, then the newest rows (layout in params.wgsl)
//   M           Continual Nyström's landmarks Q̃, K̃ (H×m×d each) and Z (at zOff)
//   ST          counters: [0] rows or landmarks recomputed by the cancellation guard; [4…6] the
//               indirect dispatch (x, 1, 1) of CoRe's recomputations; [8…] their queue (h·N + i)
//
// Float32 stability (docs/spec/variants.md §2 "Float32 drift"): every running sum carries its
// own offset (a running maximum of the logits it has seen) so exp never overflows; `refresh`
// steps recompute every sum from the ring buffers; and the cancellation guard recomputes a sum
// on the spot when removing the oldest key would cancel more than half of it (the case where
// subtraction loses the digits).

#include "stream/params.wgsl"
#include "common/softmax.wgsl"
#include "common/grid.wgsl"

// invocations per workgroup: 16 for small problems (fewer idle invocations and cheaper barriers on
// software adapters), 64 otherwise; every invocation owns up to 4 value channels, so WG ≥ dv/4
const WG: u32 = 64u; // @specialize
const DMAX: u32 = 256u;
const LMAX: u32 = 256u;
const TILE: u32 = 1024u;

@group(0) @binding(1) var<storage, read> XQ: array<f32>;
@group(0) @binding(2) var<storage, read> XK: array<f32>;
@group(0) @binding(3) var<storage, read> XV: array<f32>;
@group(0) @binding(4) var<storage, read_write> R: array<f32>;
@group(0) @binding(5) var<storage, read_write> S: array<f32>;
@group(0) @binding(6) var<storage, read_write> Y: array<f32>;
@group(0) @binding(7) var<storage, read_write> M: array<f32>;
@group(0) @binding(8) var<storage, read_write> ST: array<atomic<u32>>;

var<workgroup> qv: array<f32, DMAX>;
var<workgroup> sc: array<f32, TILE>;
var<workgroup> red: array<vec2<f32>, WG>;
var<workgroup> fs: array<f32, LMAX>;
var<workgroup> gs: array<f32, LMAX>;
var<workgroup> decide: u32;

// ---------------------------------------------------------------- reductions

// Reductions: every invocation writes its partial, then every invocation adds all WG partials in
// the same order (two barriers instead of a tree's log2(WG) + 2; all get the identical value).
fn wgMax(t: u32, x: f32) -> f32 {
  red[t] = vec2<f32>(x, 0.0);
  workgroupBarrier();
  var r = red[0].x;
  for (var i = 1u; i < WG; i++) {
    r = max(r, red[i].x);
  }
  workgroupBarrier();
  return r;
}

fn wgSum2(t: u32, x: vec2<f32>) -> vec2<f32> {
  red[t] = x;
  workgroupBarrier();
  var r = red[0];
  for (var i = 1u; i < WG; i++) {
    r += red[i];
  }
  workgroupBarrier();
  return r;
}

/** Loads d floats of M or R into qv (which = 0: R, 1: M). */
fn loadQ(which: u32, base: u32, t: u32) {
  for (var c = t; c < P.d; c += WG) {
    if (which == 0u) {
      qv[c] = R[base + c];
    } else {
      qv[c] = M[base + c];
    }
  }
  workgroupBarrier();
}

fn dotRing(base: u32) -> f32 {
  var s = 0.0;
  for (var c = 0u; c < P.d; c++) {
    s += qv[c] * R[base + c];
  }
  return s;
}

/**
 * Softmax statistics of the query in qv against the `count` keys of the ring (all of them
 * valid slots 0…count−1): returns (M, L) with M the largest logit and L = Σ exp(s − M), and
 * leaves acc[u] = Σ exp(s − M)·V[·, t + u·WG] in the invocation owning that channel.
 * Keys are processed in tiles of TILE scores held in workgroup memory. Uniform control flow only.
 */
fn attend(h: u32, count: u32, t: u32, acc: ptr<function, array<f32, 4>>) -> vec2<f32> {
  var mx = NEG;
  var l = 0.0;
  for (var u = 0u; u < 4u; u++) {
    (*acc)[u] = 0.0;
  }
  for (var j0 = 0u; j0 < count; j0 += TILE) {
    let cnt = min(TILE, count - j0);
    var tmax = NEG;
    for (var jj = t; jj < cnt; jj += WG) {
      let s = dotRing(rK(h, j0 + jj));
      sc[jj] = s;
      tmax = max(tmax, s);
    }
    tmax = wgMax(t, tmax);
    let mn = max(mx, tmax);
    let alpha = rescale(mx, mn);
    var ls = 0.0;
    for (var jj = t; jj < cnt; jj += WG) {
      let p = exp(sc[jj] - mn);
      sc[jj] = p;
      ls += p;
    }
    ls = wgSum2(t, vec2<f32>(ls, 0.0)).x;
    l = l * alpha + ls;
    for (var u = 0u; u < 4u; u++) {
      let c = t + u * WG;
      if (c < P.dv) {
        var a = (*acc)[u] * alpha;
        for (var jj = 0u; jj < cnt; jj++) {
          a += sc[jj] * R[rV(h, j0 + jj) + c];
        }
        (*acc)[u] = a;
      }
    }
    mx = mn;
    workgroupBarrier(); // sc is rewritten by the next tile
  }
  return vec2<f32>(mx, l);
}

/**
 * One running sum (offset off, denominator den) slid by one token: the evicted key's logit so
 * removed (when a token left the window), the newest key's sn added. The sum is kept at the
 * larger of its offset and sn; `scale` rescales its numerator, `an` and `ao` weigh the newest and
 * the evicted value, `pre` is the denominator before the removal and `dn` after it.
 */
struct Slid {
  o: f32,
  scale: f32,
  an: f32,
  ao: f32,
  pre: f32,
  dn: f32,
}

/** A sum kept at offset `off` about to take a logit s: its offset max(off, s) and the factor that rescales what it holds. */
fn raiseOffset(off: f32, s: f32) -> vec2<f32> {
  if (s > off) {
    return vec2<f32>(s, exp(off - s));
  }
  return vec2<f32>(off, 1.0);
}

fn slideSum(off: f32, den: f32, so: f32, sn: f32) -> Slid {
  let r = raiseOffset(off, sn);
  let o = r.x;
  let scale = r.y;
  let an = exp(sn - o);
  let ao = select(0.0, exp(so - o), P.evict != 0u);
  let pre = den * scale + an;
  return Slid(o, scale, an, ao, pre, pre - ao);
}

/** The guard: removing the evicted key cancels over half of the sum (!(dn ≥ pre/2) also catches NaN). */
fn guardTrips(x: Slid) -> bool {
  return (P.flags & F_GUARD) != 0u && !(x.dn >= 0.5 * x.pre);
}

/** Channel c of a numerator slid with `x`. */
fn slideNum(h: u32, x: Slid, num: f32, c: u32) -> f32 {
  return num * x.scale + x.an * R[rV(h, P.slot) + c] - x.ao * R[rEvV(h) + c];
}

/**
 * The incremental update of one running sum (offset o, denominator den, numerator at numBase)
 * for the query in qv: remove the evicted key (if any), add the newest. Returns 1 (uniformly)
 * when the guard asks for a recomputation instead; otherwise has updated S and returns 0 with
 * the new (offset, den) in `res`.
 */
fn slide(h: u32, offIdx: u32, denIdx: u32, numBase: u32, t: u32, res: ptr<function, vec2<f32>>) -> u32 {
  var po = 0.0;
  var pn = 0.0;
  let kn = rK(h, P.slot);
  let ko = rEvK(h);
  for (var c = t; c < P.d; c += WG) {
    pn += qv[c] * R[kn + c];
    po += qv[c] * R[ko + c];
  }
  let dots = wgSum2(t, vec2<f32>(po, pn));
  let x = slideSum(S[offIdx], S[denIdx], dots.x, dots.y);
  if (t == 0u) {
    decide = select(0u, 1u, guardTrips(x));
  }
  let redo = workgroupUniformLoad(&decide);
  if (redo == 1u) {
    return 1u;
  }
  for (var c = t; c < P.dv; c += WG) {
    S[numBase + c] = slideNum(h, x, S[numBase + c], c);
  }
  if (t == 0u) {
    S[offIdx] = x.o;
    S[denIdx] = x.dn;
  }
  *res = vec2<f32>(x.o, x.dn);
  return 0u;
}

/** Stores the channels of acc this invocation owns at S[base + c]. */
fn storeAcc(base: u32, t: u32, acc: ptr<function, array<f32, 4>>) {
  for (var u = 0u; u < 4u; u++) {
    let c = t + u * WG;
    if (c < P.dv) {
      S[base + c] = (*acc)[u];
    }
  }
}

/**
 * Row i's output y = acc·inv, the channels t + u·WG this invocation owns: into the newest row
 * when i is the newest token's slot, and into the window when asked for.
 */
fn emitRow(h: u32, i: u32, t: u32, acc: ptr<function, array<f32, 4>>, inv: f32) {
  for (var u = 0u; u < 4u; u++) {
    let c = t + u * WG;
    if (c < P.dv) {
      let y = (*acc)[u] * inv;
      if (i == P.slot) {
        Y[yNew(h) + c] = y;
      }
      if ((P.flags & F_WINDOWS) != 0u) {
        Y[yWin(h, windowRow(i)) + c] = y;
      }
    }
  }
}

// ---------------------------------------------------------------- common

/**
 * Saves the evicted key/value, then stores token t (scaled) in its ring slot: one workgroup per
 * head. With F_ALLROWS (batch runs) workgroup r stores token r of X in slot r instead.
 */
@compute @workgroup_size(WG)
fn push(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  let r = groupIndex(wid, nwg);
  let all = (P.flags & F_ALLROWS) != 0u;
  if ((all && r >= P.count) || (!all && r > 0u)) {
    return;
  }
  if (h == 0u && r == 0u) {
    atomicStore(&ST[4], 0u); // CoRe's recomputation queue starts empty every step
  }
  let b = select(P.b, r, all);
  let slot = select(P.slot, r, all);
  let x = (h * P.batch + b) * P.d;
  let xv = (h * P.batch + b) * P.dv;
  for (var c = t; c < P.d; c += WG) {
    if (!all) {
      R[rEvK(h) + c] = R[rK(h, slot) + c];
    }
    R[rK(h, slot) + c] = XK[x + c] * P.kscale;
    R[rQ(h, slot) + c] = XQ[x + c] * P.qscale;
  }
  for (var c = t; c < P.dv; c += WG) {
    if (!all) {
      R[rEvV(h) + c] = R[rV(h, slot) + c];
    }
    R[rV(h, slot) + c] = XV[xv + c];
  }
}

// ---------------------------------------------------------------- CoSi

/**
 * y = softmax(q̂·K_Wᵀ)·V_W for the newest query (one workgroup per head), or with F_ALLROWS for
 * every query of the window (one workgroup per window row: the batch run).
 */
@compute @workgroup_size(WG)
fn cosi(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  let r = P.g0 + groupIndex(wid, nwg);
  let all = (P.flags & F_ALLROWS) != 0u;
  if ((all && r >= P.count) || (!all && r > 0u)) {
    return;
  }
  let i = select(P.slot, slotOfRow(r), all);
  loadQ(0u, rQ(h, i), t);
  var acc: array<f32, 4>;
  let ml = attend(h, P.count, t, &acc);
  emitRow(h, i, t, &acc, 1.0 / ml.y);
}

// ---------------------------------------------------------------- CoRe

fn coreStride() -> u32 {
  return P.n * (2u + P.dv);
}

/**
 * One workgroup per ring slot i: the newest row is computed over the whole window; every other
 * row subtracts the evicted key's term and adds the newest key's (with the guard), or is
 * recomputed on refresh steps. Then every row emits y_i = AV_i / d_i.
 */
@compute @workgroup_size(WG)
fn core(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  let i = P.g0 + groupIndex(wid, nwg);
  if (i >= P.count) {
    return;
  }
  let base = h * coreStride();
  let offIdx = base + i;
  let denIdx = base + P.n + i;
  let avBase = base + 2u * P.n + i * P.dv;
  loadQ(0u, rQ(h, i), t);
  var full = i == P.slot || (P.flags & F_REFRESH) != 0u;
  var od = vec2<f32>(0.0, 1.0);
  if (!full) {
    if (slide(h, offIdx, denIdx, avBase, t, &od) == 1u) {
      full = true;
      if (t == 0u) {
        atomicAdd(&ST[0], 1u);
      }
    }
  }
  var acc: array<f32, 4>;
  if (full) {
    let ml = attend(h, P.count, t, &acc);
    od = ml;
    storeAcc(avBase, t, &acc);
    if (t == 0u) {
      S[offIdx] = ml.x;
      S[denIdx] = ml.y;
    }
  } else {
    for (var u = 0u; u < 4u; u++) {
      let c = t + u * WG;
      if (c < P.dv) {
        acc[u] = S[avBase + c]; // written by this invocation in slide()
      }
    }
  }
  emitRow(h, i, t, &acc, 1.0 / od.y);
}

/**
 * CoRe's step, first half: one invocation per ring slot i. Rows other than the newest slide by
 * one token (subtract the evicted key's term, add the newest key's) and emit y_i = AV_i / d_i;
 * the newest row, every row on refresh steps, and rows where the guard trips are queued for
 * `coreRedo` instead (an indirect dispatch of one workgroup per queued row).
 */
@compute @workgroup_size(WG)
fn coreSlide(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  let i = P.g0 + groupIndex(wid, nwg) * WG + t;
  if (i >= P.count) {
    return;
  }
  if (i == P.slot || (P.flags & F_REFRESH) != 0u) {
    let k = atomicAdd(&ST[4], 1u);
    atomicStore(&ST[8u + k], h * P.n + i);
    return;
  }
  let base = h * coreStride();
  let avBase = base + 2u * P.n + i * P.dv;
  let qb = rQ(h, i);
  let kn = rK(h, P.slot);
  let ko = rEvK(h);
  var so = 0.0;
  var sn = 0.0;
  for (var c = 0u; c < P.d; c++) {
    let q = R[qb + c];
    sn += q * R[kn + c];
    so += q * R[ko + c];
  }
  let x = slideSum(S[base + i], S[base + P.n + i], so, sn);
  if (guardTrips(x)) {
    atomicAdd(&ST[0], 1u);
    let k = atomicAdd(&ST[4], 1u);
    atomicStore(&ST[8u + k], h * P.n + i);
    return;
  }
  S[base + i] = x.o;
  S[base + P.n + i] = x.dn;
  let inv = 1.0 / x.dn;
  let win = (P.flags & F_WINDOWS) != 0u;
  let yb = yWin(h, windowRow(i));
  for (var c = 0u; c < P.dv; c++) {
    let a = slideNum(h, x, S[avBase + c], c);
    S[avBase + c] = a;
    if (win) {
      Y[yb + c] = a * inv;
    }
  }
}

/** CoRe's step, second half: workgroup w recomputes queued row ST[8 + w] over the window, then emits it. */
@compute @workgroup_size(WG)
fn coreRedo(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let e = atomicLoad(&ST[8u + wid.x]);
  let h = e / P.n;
  let i = e % P.n;
  let base = h * coreStride();
  let avBase = base + 2u * P.n + i * P.dv;
  loadQ(0u, rQ(h, i), t);
  var acc: array<f32, 4>;
  let ml = attend(h, P.count, t, &acc);
  storeAcc(avBase, t, &acc);
  emitRow(h, i, t, &acc, 1.0 / ml.y);
  if (t == 0u) {
    S[base + i] = ml.x;
    S[base + P.n + i] = ml.y;
  }
}

// ---------------------------------------------------------------- Continual Nyström

// per head: offL (m), δ (m), U (m×dv), W = U⊘δ (m×dv), G (N×m), offΦ (N), φ (N), Φ (N×m)
fn nysStride() -> u32 {
  return 2u * P.m + 2u * P.m * P.dv + 2u * P.n * P.m + 2u * P.n;
}
fn sOffL(h: u32, l: u32) -> u32 {
  return h * nysStride() + l;
}
fn sDel(h: u32, l: u32) -> u32 {
  return h * nysStride() + P.m + l;
}
fn sU(h: u32, l: u32) -> u32 {
  return h * nysStride() + 2u * P.m + l * P.dv;
}
fn sW(h: u32, l: u32) -> u32 {
  return h * nysStride() + 2u * P.m + P.m * P.dv + l * P.dv;
}
fn sG(h: u32, i: u32) -> u32 {
  return h * nysStride() + 2u * P.m + 2u * P.m * P.dv + i * P.m;
}
fn sOffP(h: u32, i: u32) -> u32 {
  return h * nysStride() + 2u * P.m + 2u * P.m * P.dv + P.n * P.m + i;
}
fn sPhiSum(h: u32, i: u32) -> u32 {
  return sOffP(h, 0u) + P.n + i;
}
fn sPhi(h: u32, i: u32) -> u32 {
  return sOffP(h, 0u) + 2u * P.n + i * P.m;
}
fn mQL(h: u32, l: u32) -> u32 {
  return (h * P.m + l) * P.d;
}
fn mKL(h: u32, l: u32) -> u32 {
  return (P.heads * P.m + h * P.m + l) * P.d;
}
fn mZ(h: u32, i: u32, j: u32) -> u32 {
  return P.zOff + (h * P.m + i) * P.m + j;
}

/**
 * The landmark logits of the query in qv, exponentiated: fs[l] = exp(q̂·K̃_l − mx) for every
 * landmark (invocation t owns l = t + k·WG); returns (mx, Σ_l fs[l]). Uniform control flow.
 */
fn landmarkSoftmax(h: u32, t: u32) -> vec2<f32> {
  var mx = NEG;
  for (var l = t; l < P.m; l += WG) {
    var s = 0.0;
    for (var c = 0u; c < P.d; c++) {
      s += qv[c] * M[mKL(h, l) + c];
    }
    fs[l] = s;
    mx = max(mx, s);
  }
  mx = wgMax(t, mx);
  var sum = 0.0;
  for (var l = t; l < P.m; l += WG) {
    let e = exp(fs[l] - mx);
    fs[l] = e;
    sum += e;
  }
  sum = wgSum2(t, vec2<f32>(sum, 0.0)).x;
  return vec2<f32>(mx, sum);
}

/** Continual landmarks: the mean of each completed block's scaled q̂ and k̂ (one workgroup per block). */
@compute @workgroup_size(WG)
fn nysBlockMean(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  let j = P.blk0 + wid.x;
  let l = j % P.m;
  let inv = 1.0 / f32(P.blockLen);
  for (var c = t; c < P.d; c += WG) {
    var sq = 0.0;
    var sk = 0.0;
    for (var u = 0u; u < P.blockLen; u++) {
      let s = (j * P.blockLen + u) % P.n;
      sq += R[rQ(h, s) + c];
      sk += R[rK(h, s) + c];
    }
    M[mQL(h, l) + c] = sq * inv;
    M[mKL(h, l) + c] = sk * inv;
  }
}

/**
 * U = Δ·V and δ (Δ = exp(Q̃·K̂_Wᵀ)) per landmark l (one workgroup each): slide the window by
 * one token, or recompute over the ring on refresh steps, for a new landmark, or by the guard.
 */
@compute @workgroup_size(WG)
fn nysLand(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  let l = wid.x;
  loadQ(1u, mQL(h, l), t);
  var full = (P.flags & F_REFRESH) != 0u || ((P.flags & F_UPDATE) != 0u && l == P.newLm);
  var od = vec2<f32>(0.0, 1.0);
  if (!full) {
    if (slide(h, sOffL(h, l), sDel(h, l), sU(h, l), t, &od) == 1u) {
      full = true;
      if (t == 0u) {
        atomicAdd(&ST[0], 1u);
      }
    }
  }
  if (full) {
    var acc: array<f32, 4>;
    let ml = attend(h, P.count, t, &acc);
    storeAcc(sU(h, l), t, &acc);
    if (t == 0u) {
      S[sOffL(h, l)] = ml.x;
      S[sDel(h, l)] = ml.y;
    }
  }
}

/**
 * Retroactive output: the rows of Φ = exp(Q̂_W·K̃ᵀ) (each with its own offset) for the window's
 * queries other than the newest — whole rows (F_ALLCOLS, initialisation) or the column of the
 * new landmark — and their sums φ. One workgroup per ring slot.
 */
@compute @workgroup_size(WG)
fn nysPhi(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  let i = groupIndex(wid, nwg);
  if (i >= P.count || i == P.slot) {
    return;
  }
  loadQ(0u, rQ(h, i), t);
  let row = sPhi(h, i);
  if ((P.flags & F_ALLCOLS) != 0u) {
    let ms = landmarkSoftmax(h, t);
    for (var l = t; l < P.m; l += WG) {
      S[row + l] = fs[l];
    }
    if (t == 0u) {
      S[sOffP(h, i)] = ms.x;
      S[sPhiSum(h, i)] = ms.y;
    }
    return;
  }
  var p = 0.0;
  for (var c = t; c < P.d; c += WG) {
    p += qv[c] * M[mKL(h, P.newLm) + c];
  }
  let s = wgSum2(t, vec2<f32>(p, 0.0)).x;
  let r = raiseOffset(S[sOffP(h, i)], s);
  let o = r.x;
  let scale = r.y;
  var sum = 0.0;
  for (var l = t; l < P.m; l += WG) {
    var e = S[row + l] * scale;
    if (l == P.newLm) {
      e = exp(s - o);
    }
    S[row + l] = e;
    sum += e;
  }
  sum = wgSum2(t, vec2<f32>(sum, 0.0)).x;
  if (t == 0u) {
    S[sOffP(h, i)] = o;
    S[sPhiSum(h, i)] = sum;
  }
}

/**
 * The newest token's output (one workgroup per head): f = softmax(K̃·q̂_t), g = fᵀZ, W = U⊘δ,
 * y_t = g·W. Retroactive output also stores the newest row of Φ (offset, sum) and of G.
 */
@compute @workgroup_size(WG)
fn nysOut(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  loadQ(0u, rQ(h, P.slot), t);
  let ms = landmarkSoftmax(h, t); // its barriers make every fs[l] visible
  let mx = ms.x;
  let sum = ms.y;
  let inv = 1.0 / sum;
  for (var j = t; j < P.m; j += WG) {
    var g = 0.0;
    for (var l = 0u; l < P.m; l++) {
      g += fs[l] * M[mZ(h, l, j)];
    }
    gs[j] = g * inv;
  }
  for (var e = t; e < P.m * P.dv; e += WG) {
    let l = e / P.dv;
    let c = e % P.dv;
    S[sW(h, l) + c] = S[sU(h, l) + c] / S[sDel(h, l)];
  }
  workgroupBarrier();
  for (var c = t; c < P.dv; c += WG) {
    var y = 0.0;
    for (var l = 0u; l < P.m; l++) {
      y += gs[l] * (S[sU(h, l) + c] / S[sDel(h, l)]);
    }
    Y[yNew(h) + c] = y;
  }
  for (var l = t; l < P.m; l += WG) {
    S[sPhi(h, P.slot) + l] = fs[l];
    S[sG(h, P.slot) + l] = gs[l];
  }
  if (t == 0u) {
    S[sOffP(h, P.slot)] = mx;
    S[sPhiSum(h, P.slot)] = sum;
  }
}

/** Retroactive output after Z changed: G_i = (Φ_i/φ_i)·Z for every row but the newest. */
@compute @workgroup_size(WG)
fn nysRetroG(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  let i = groupIndex(wid, nwg);
  if (i >= P.count || i == P.slot) {
    return;
  }
  let inv = 1.0 / S[sPhiSum(h, i)];
  for (var j = t; j < P.m; j += WG) {
    var g = 0.0;
    for (var l = 0u; l < P.m; l++) {
      g += S[sPhi(h, i) + l] * M[mZ(h, l, j)];
    }
    S[sG(h, i) + j] = g * inv;
  }
}

/**
 * Retroactive output: Y = G·W for every row of the window, one invocation per window row (a
 * workgroup per row would spend its time being scheduled: a row is only m·dv multiply-adds).
 */
@compute @workgroup_size(WG)
fn nysEmit(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  let r = groupIndex(wid, nwg) * WG + t;
  if (r >= P.count || (P.flags & F_WINDOWS) == 0u) {
    return;
  }
  let g = sG(h, slotOfRow(r));
  let yb = yWin(h, r);
  for (var c = 0u; c < P.dv; c++) {
    var y = 0.0;
    for (var l = 0u; l < P.m; l++) {
      y += S[g + l] * S[sW(h, l) + c];
    }
    Y[yb + c] = y;
  }
}
