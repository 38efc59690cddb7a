// CAST step 3: which tokens each cluster takes (docs/spec/variants.md §3).
//
// Pairs (i, c) are ordered by A_g[i, c] descending, then by token index ascending, then by
// cluster ascending ("ties: lower token index wins", identical to the f64 reference). A_g ≥ 0,
// so its bits as u32 order like the value. A cluster's threshold (tv, ti) accepts token i iff
// key > tv or (key == tv and i ≤ ti); (0, 0xffffffff) accepts every token.
//
// Entry points (each dispatch covers workgroups [group0, group0 + groups) where it matters):
// - `select`, one workgroup per (head, cluster): among the eligible tokens (every token for
//   Top-K; for SA Top-K the tokens whose current choice is this cluster) finds the κ-th best
//   by an MSB-first radix select on the 32-bit keys (4 passes of 8 bits, histograms in
//   workgroup memory), then the lowest-index ties that complete κ; stores the threshold.
//   SA: a cluster with ≤ κ proposers keeps its threshold; a raised one flags `changed`.
// - `propose` (SA Top-K), one invocation per token: the token's best cluster among those
//   whose threshold it passes (ties: lower cluster), or none; a token still accepted by its
//   cluster keeps it without a search. Counts each cluster's proposers.
// - `compact`, one workgroup per (head, cluster): members = eligible tokens passing the
//   threshold, in token order: SLOT[h][c][i] = rank among the members or NONE,
//   MEM[h][c][slot] = token, CNT[h][c] = count (≤ κ).
// SA Top-K runs rounds of propose → select (parallel deferred acceptance, see
// src/attention/cast/reference.ts selectSaDeferred and docs/benchmarks-cast.md for why the
// fixed point equals the greedy assignment), driven by indirect dispatches (control.wgsl).

#include "cast/params.wgsl"

// Workgroup size of the per-cluster kernels: SB² invocations. 16² on GPUs; the host picks
// 8² on a software adapter, where every barrier switches between all of a workgroup's
// invocations and a smaller group is markedly faster.
const SB: u32 = 16u; // @specialize
const WG: u32 = SB * SB;

@group(0) @binding(1) var<storage, read> AG: array<u32>;
@group(0) @binding(2) var<storage, read_write> CHOICE: array<u32>;
@group(0) @binding(3) var<storage, read_write> THR: array<u32>;
@group(0) @binding(4) var<storage, read_write> SLOT: array<u32>;
@group(0) @binding(5) var<storage, read_write> MEM: array<u32>;
@group(0) @binding(6) var<storage, read_write> CNT: array<u32>;
@group(0) @binding(7) var<storage, read_write> CTRL: array<atomic<u32>>;
// SA: proposers of each cluster in the current round (added by propose, reset by select)
@group(0) @binding(8) var<storage, read_write> PROP: array<atomic<u32>>;

var<workgroup> hist: array<atomic<u32>, 256>;
var<workgroup> scan: array<u32, WG>;
var<workgroup> blockSums: array<u32, 17>;
var<workgroup> wA: u32;
var<workgroup> wB: u32;

// the key of token i in cluster hc = h·N_c + c (A_g is cluster-major: row hc of N)
fn keyOf(hc: u32, i: u32) -> u32 {
  return AG[hc * P.n + i];
}

fn passes(hc: u32, i: u32) -> bool {
  let key = keyOf(hc, i);
  let tv = THR[2u * hc];
  let ti = THR[2u * hc + 1u];
  return key > tv || (key == tv && i <= ti);
}

// token i may join cluster c of head h: always (Top-K), or it proposed to c this round (SA)
fn eligible(h: u32, c: u32, i: u32) -> bool {
  return P.mode == 0u || CHOICE[h * P.n + i] == c;
}

/** The contiguous range of tokens invocation t owns in the scans of `select` and `compact`. */
fn ownTokens(t: u32) -> vec2<u32> {
  let span = (P.n + WG - 1u) / WG;
  let lo = min(P.n, t * span);
  return vec2<u32>(lo, min(P.n, lo + span));
}

/**
 * Exclusive prefix sum of every invocation's `x` over the workgroup; returns (exclusive,
 * total). Two levels (SB invocations scan SB values each, then one scans the SB block sums):
 * four barriers instead of the 2·log₂(WG) of a Hillis–Steele scan — barriers are what a
 * software adapter pays for, and a real GPU does not mind the short serial loops.
 */
fn workgroupScan(t: u32, x: u32) -> vec2<u32> {
  scan[t] = x;
  workgroupBarrier();
  if (t < SB) {
    var run = 0u;
    for (var k = 0u; k < SB; k++) {
      run += scan[t * SB + k];
      scan[t * SB + k] = run; // inclusive within the block
    }
    blockSums[t] = run;
  }
  workgroupBarrier();
  if (t == 0u) {
    var run = 0u;
    for (var k = 0u; k < SB; k++) {
      let b = blockSums[k];
      blockSums[k] = run; // exclusive block offsets
      run += b;
    }
    blockSums[16] = run;
  }
  workgroupBarrier();
  let r = vec2<u32>(scan[t] - x + blockSums[t / SB], blockSums[16]);
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(256)
fn propose(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let idx = tokenOf(wg, t);
  if (idx == NONE) { return; } // no barriers in this entry point
  let n = P.n;
  let nc = P.nc;
  let h = idx / n;
  let i = idx % n;
  let cur = CHOICE[idx];
  if (cur == NONE) { return; } // no cluster passed it: thresholds only rise, so none ever will
  if (cur != INIT && passes(h * nc + cur, i)) {
    // still accepted where it was: the passing clusters only shrink, so it is still the best
    atomicAdd(&PROP[h * nc + cur], 1u);
    return;
  }
  var best = NONE;
  var bestKey = 0u;
  for (var c = 0u; c < nc; c++) {
    let hc = h * nc + c;
    if (passes(hc, i)) {
      let key = keyOf(hc, i);
      if (best == NONE || key > bestKey) {
        best = c;
        bestKey = key;
      }
    }
  }
  if (best != NONE) {
    atomicAdd(&PROP[h * nc + best], 1u);
  }
  CHOICE[idx] = best;
}

@compute @workgroup_size(WG)
// (the name shadows the builtin select() in this module: nothing here calls it)
fn select(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let hc = unitOf(wg);
  if (hc == NONE) { return; } // whole workgroup: uniform
  let h = hc / P.nc;
  let c = hc % P.nc;
  let n = P.n;
  let kappa = P.kappa;

  // eligible tokens: all (Top-K), or this round's proposers (SA; the counter is reset here
  // for the next round)
  if (t == 0u) {
    if (P.mode == 0u) {
      wA = n;
    } else {
      wA = atomicLoad(&PROP[hc]);
      atomicStore(&PROP[hc], 0u);
    }
  }
  let count = workgroupUniformLoad(&wA);
  if (count <= kappa) {
    // every eligible token fits: Top-K accepts all; SA keeps the cluster's threshold
    if (P.mode == 0u && t == 0u) {
      THR[2u * hc] = 0u;
      THR[2u * hc + 1u] = NONE;
    }
    return;
  }

  // radix select of the κ-th largest key: `remaining` more keys to find below `prefix`
  var prefix = 0u;
  var mask = 0u;
  var remaining = kappa;
  for (var digit = 0u; digit < 4u; digit++) {
    let shift = 24u - 8u * digit;
    for (var b = t; b < 256u; b += WG) {
      atomicStore(&hist[b], 0u);
    }
    workgroupBarrier();
    for (var i = t; i < n; i += WG) {
      if (eligible(h, c, i)) {
        let key = keyOf(hc, i);
        if ((key & mask) == prefix) {
          atomicAdd(&hist[(key >> shift) & 255u], 1u);
        }
      }
    }
    workgroupBarrier();
    if (t == 0u) {
      var cum = 0u;
      var b = 255u;
      loop {
        let hb = atomicLoad(&hist[b]);
        if (cum + hb >= remaining || b == 0u) {
          break;
        }
        cum += hb;
        b--;
      }
      wA = prefix | (b << shift);
      wB = remaining - cum;
    }
    prefix = workgroupUniformLoad(&wA);
    remaining = workgroupUniformLoad(&wB);
    mask |= 255u << shift;
  }
  let tv = prefix;

  // the `remaining`-th eligible token with key == tv, in token order: each invocation owns
  // a contiguous range of tokens, counts its ties, and a prefix sum finds the owner
  let own = ownTokens(t);
  var ties = 0u;
  for (var i = own.x; i < own.y; i++) {
    if (eligible(h, c, i) && keyOf(hc, i) == tv) {
      ties++;
    }
  }
  let s = workgroupScan(t, ties);
  if (s.x < remaining && remaining <= s.x + ties) {
    var k = s.x;
    for (var i = own.x; i < own.y; i++) {
      if (eligible(h, c, i) && keyOf(hc, i) == tv) {
        k++;
        if (k == remaining) {
          THR[2u * hc] = tv;
          THR[2u * hc + 1u] = i;
          break;
        }
      }
    }
  }
  if (t == 0u && P.mode == 1u) {
    atomicStore(&CTRL[0], 1u); // SA: a threshold rose, another round is needed
  }
}

@compute @workgroup_size(WG)
fn compact(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let hc = unitOf(wg);
  if (hc == NONE) { return; } // whole workgroup: uniform
  let h = hc / P.nc;
  let c = hc % P.nc;
  let row = hc * P.n;
  let own = ownTokens(t);
  var mine = 0u;
  for (var i = own.x; i < own.y; i++) {
    if (eligible(h, c, i) && passes(hc, i)) {
      mine++;
    }
  }
  let s = workgroupScan(t, mine);
  var slot = s.x;
  for (var i = own.x; i < own.y; i++) {
    if (eligible(h, c, i) && passes(hc, i)) {
      SLOT[row + i] = slot;
      MEM[hc * P.kappa + slot] = i;
      slot++;
    } else {
      SLOT[row + i] = NONE;
    }
  }
  if (t == 0u) {
    CNT[hc] = s.y;
  }
}
