// CAST effective map (display only, docs/spec/variants.md §3 step 7):
//   Â_ij = Σ_c (W_ic / Z_i)·1[j∈I_c]·(1[i∈I_c]·P^c_ij + 1[i∉I_c]·r^c_j),
// Z_i = Σ_{c non-empty} W_ic; rows sum to 1. Reads the buffers of a forward (W, SLOT, MEM,
// CNT and the summary weights RW = r^c per member slot) for head P.head.
// - `rows`: one workgroup per map row i = row0 + g, written to OUT[(i − base)·N + j]. The
//   row is zeroed, then each cluster's contribution is added to its members' columns —
//   distinct within a cluster, so invocations never collide; clusters are separated by
//   barriers.
// - `pooled`: one workgroup per block row a (rows a·pool …), the block means of Â written to
//   OUT[a·pcols + b]; contributions are summed into workgroup memory with a compare-exchange
//   float add (pcols ≤ 2048).

#include "cast/params.wgsl"
#include "cast/reduce.wgsl"

const SB: u32 = 16u;
const WG: u32 = SB * SB;
const PMAX: u32 = 2048u;

@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> W: array<f32>;
@group(0) @binding(4) var<storage, read> SLOT: array<u32>;
@group(0) @binding(5) var<storage, read> MEM: array<u32>;
@group(0) @binding(6) var<storage, read> CNT: array<u32>;
@group(0) @binding(7) var<storage, read> RW: array<f32>;
@group(0) @binding(8) var<storage, read_write> OUT: array<f32>;

var<workgroup> acc: array<atomic<u32>, PMAX>;
var<workgroup> wcnt: u32;
var<workgroup> wslot: u32;
var<workgroup> wz: f32;

fn addPooled(b: u32, v: f32) {
  var old = atomicLoad(&acc[b]);
  loop {
    let r = atomicCompareExchangeWeak(&acc[b], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) {
      break;
    }
    old = r.old_value;
  }
}

fn emit(pooled: bool, rowOut: u32, j: u32, v: f32) {
  if (pooled) {
    addPooled(j / P.pool, v);
  } else {
    OUT[rowOut + j] += v;
  }
}

fn qk(h: u32, i: u32, j: u32) -> f32 {
  let d = P.d;
  var s = 0.0;
  for (var e = 0u; e < d; e++) {
    s += Q[(h * P.n + i) * d + e] * K[(h * P.n + j) * d + e];
  }
  return s * P.scale;
}

/** Adds row i of Â (times 1) to OUT's row or to the pooled accumulator. */
fn addRow(t: u32, i: u32, pooled: bool, rowOut: u32) {
  let n = P.n;
  let nc = P.nc;
  let h = P.head;
  var zz = 0.0;
  for (var c = t; c < nc; c += WG) {
    if (CNT[h * nc + c] > 0u) {
      zz += W[(h * nc + c) * n + i];
    }
  }
  zz = twoLevelSum(t, zz);
  if (t == 0u) {
    wz = zz;
  }
  let z = workgroupUniformLoad(&wz);
  for (var c = 0u; c < nc; c++) {
    let hc = h * nc + c;
    if (t == 0u) {
      wcnt = CNT[hc];
      wslot = SLOT[hc * n + i];
    }
    let cnt = workgroupUniformLoad(&wcnt);
    let slot = workgroupUniformLoad(&wslot);
    if (cnt == 0u) {
      continue;
    }
    let w = W[hc * n + i] / z;
    let mbase = hc * P.kappa;
    if (slot == NONE) {
      for (var s = t; s < cnt; s += WG) {
        emit(pooled, rowOut, MEM[mbase + s], w * RW[mbase + s]);
      }
    } else {
      var m = NEG;
      for (var s = t; s < cnt; s += WG) {
        m = max(m, qk(h, i, MEM[mbase + s]));
      }
      m = twoLevelMax(t, m);
      var l = 0.0;
      for (var s = t; s < cnt; s += WG) {
        l += exp(qk(h, i, MEM[mbase + s]) - m);
      }
      l = twoLevelSum(t, l);
      for (var s = t; s < cnt; s += WG) {
        let j = MEM[mbase + s];
        emit(pooled, rowOut, j, w * exp(qk(h, i, j) - m) / l);
      }
    }
    storageBarrier();
  }
}

@compute @workgroup_size(WG)
fn rows(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let u = unitOf(wg);
  if (u == NONE) { return; }
  let i = P.row0 + u;
  let rowOut = (i - P.base) * P.n;
  for (var j = t; j < P.n; j += WG) {
    OUT[rowOut + j] = 0.0;
  }
  storageBarrier();
  addRow(t, i, false, rowOut);
}

@compute @workgroup_size(WG)
fn pooledMap(wg: Workgroup, @builtin(local_invocation_index) t: u32) {
  let u = unitOf(wg);
  if (u == NONE) { return; }
  let a = P.row0 + u;
  let n = P.n;
  let pool = P.pool;
  for (var b = t; b < PMAX; b += WG) {
    atomicStore(&acc[b], 0u);
  }
  workgroupBarrier();
  let i0 = a * pool;
  let i1 = min(n, i0 + pool);
  for (var i = i0; i < i1; i++) {
    addRow(t, i, true, 0u);
    workgroupBarrier();
  }
  for (var b = t; b < P.pcols; b += WG) {
    let cols = min(n, (b + 1u) * pool) - b * pool;
    OUT[a * P.pcols + b] = bitcast<f32>(atomicLoad(&acc[b])) / f32((i1 - i0) * cols);
  }
}
