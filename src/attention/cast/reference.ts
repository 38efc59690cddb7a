// Float64 CPU reference of CAST (docs/spec/variants.md §3), one head at a time:
//   A_q = Q·Sᵀ/τ, A_k = K·Sᵀ/τ (τ = √d); A_g = softmax_c(A_q) ∘ softmax_c(A_k) (sum, product,
//   or softmax_c(A_q) alone); clusters I_c by Top-K or SA Top-K (ties: lower token index,
//   then lower cluster index); intra-cluster softmax attention; summaries
//   R_c = Σ_{j∈I_c} softmax_j(A_k[j,c])·v_j; O_i = Σ_{c∋i} W_ic·Y^c_i + Σ_{c∌i} W_ic·R_c with
//   W = softmax_c(A_q) over the non-empty clusters (renormalized).
// Also: the effective map Â and the deferred-acceptance form of SA Top-K that the GPU runs.
import type { FileMap, Inputs64, ReferenceResult } from '../types';
import type { ParamValues } from '../../params/schema';
import { resolveSurrogates, type SurrogateSource } from './surrogates';

export type CastMode = 'topk' | 'sa-topk';
export type CastAffinity = 'sum' | 'product' | 'query';

export interface CastConfig {
  clusters: number;
  /** cluster size κ (already resolved: ≥ 1, ≤ N) */
  kappa: number;
  mode: CastMode;
  affinity: CastAffinity;
}

/** κ: the parameter, or ⌈N/N_c⌉ when it is 0 ("auto"). */
export function effectiveKappa(n: number, clusters: number, kappa: number): number {
  return kappa > 0 ? kappa : Math.ceil(n / clusters);
}

/** The resolved configuration of a parameter set on N tokens. */
export function castConfig(n: number, p: ParamValues): CastConfig {
  const clusters = Number(p.clusters);
  return { clusters, kappa: effectiveKappa(n, clusters, Number(p.kappa)), mode: p.mode as CastMode, affinity: p.affinity as CastAffinity };
}

export interface CastHead {
  /** N×N_c logits (token-major) */
  aq: Float64Array;
  ak: Float64Array;
  /** N×N_c: W = softmax_c(A_q) (before the renormalization over non-empty clusters) */
  w: Float64Array;
  /** N×N_c cluster affinities A_g */
  ag: Float64Array;
  /** members of each cluster, ascending token index */
  members: number[][];
  /** N×dv output */
  out: Float64Array;
  /** N×N effective map, when asked for */
  map?: Float64Array;
}

function softmaxRows(x: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < rows; i++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[i * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += out[i * cols + c] = Math.exp(x[i * cols + c] - m);
    for (let c = 0; c < cols; c++) out[i * cols + c] /= s;
  }
  return out;
}

/** The N×N_c affinities of one head (q, k: N×d, s: N_c×d). */
export function castAffinities(q: Float64Array, k: Float64Array, s: Float64Array, n: number, d: number, nc: number, affinity: CastAffinity) {
  const tau = Math.sqrt(d);
  const aq = new Float64Array(n * nc);
  const ak = new Float64Array(n * nc);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < nc; c++) {
      let a = 0;
      let b = 0;
      for (let e = 0; e < d; e++) {
        a += q[i * d + e] * s[c * d + e];
        b += k[i * d + e] * s[c * d + e];
      }
      aq[i * nc + c] = a / tau;
      ak[i * nc + c] = b / tau;
    }
  }
  const w = softmaxRows(aq, n, nc);
  const pk = softmaxRows(ak, n, nc);
  const ag = new Float64Array(n * nc);
  for (let x = 0; x < n * nc; x++) ag[x] = affinity === 'sum' ? w[x] + pk[x] : affinity === 'product' ? w[x] * pk[x] : w[x];
  return { aq, ak, w, ag };
}

/** Top-K: cluster c takes the κ tokens with the largest A_g[:, c]; ties go to the lower token index. */
export function selectTopK(ag: Float64Array, n: number, nc: number, kappa: number): number[][] {
  const members: number[][] = [];
  const order = Array.from({ length: n }, (_, i) => i);
  for (let c = 0; c < nc; c++) {
    order.sort((a, b) => ag[b * nc + c] - ag[a * nc + c] || a - b);
    members.push(order.slice(0, Math.min(kappa, n)).sort((a, b) => a - b));
  }
  return members;
}

/**
 * SA Top-K, by definition: greedy single assignment over the (token, cluster) pairs in
 * descending A_g (ties: lower token index, then lower cluster index), each cluster capped at κ.
 */
export function selectSaGreedy(ag: Float64Array, n: number, nc: number, kappa: number): number[][] {
  const pairs = new Uint32Array(n * nc).map((_, x) => x);
  pairs.sort((a, b) => ag[b] - ag[a] || a - b); // pair index i·N_c + c: ties by token, then cluster
  const assigned = new Uint8Array(n);
  const counts = new Int32Array(nc);
  const members: number[][] = Array.from({ length: nc }, () => []);
  let left = n;
  for (const x of pairs) {
    const i = Math.floor(x / nc);
    const c = x - i * nc;
    if (assigned[i] || counts[c] >= kappa) continue;
    assigned[i] = 1;
    counts[c]++;
    members[c].push(i);
    if (--left === 0) break;
  }
  for (const m of members) m.sort((a, b) => a - b);
  return members;
}

/**
 * SA Top-K the way the GPU computes it: parallel deferred acceptance with thresholds.
 * Every unassigned-or-tentative token proposes to its best cluster among those whose
 * threshold it passes; a cluster with more than κ proposers raises its threshold to its κ-th
 * best proposer (pair order: A_g, then lower token index). Rounds repeat until no cluster is
 * over-full. Thresholds only rise, so tentatively accepted tokens stay accepted, and the
 * fixed point is a stable assignment; with preferences from one global order of the pairs
 * the stable assignment is unique and equal to the greedy one (selectSaGreedy) — the
 * unit tests check it. Returns the members and the number of rounds run.
 */
export function selectSaDeferred(ag: Float64Array, n: number, nc: number, kappa: number, maxRounds = Infinity): { members: number[][]; rounds: number; converged: boolean } {
  // threshold of cluster c: value tv[c] and token ti[c]; (i, c) passes iff ag > tv or (ag == tv and i ≤ ti)
  const tv = new Float64Array(nc).fill(-Infinity);
  const ti = new Float64Array(nc).fill(Infinity);
  const passes = (i: number, c: number) => ag[i * nc + c] > tv[c] || (ag[i * nc + c] === tv[c] && i <= ti[c]);
  const choice = new Int32Array(n);
  let rounds = 0;
  let converged = false;
  while (rounds < maxRounds) {
    rounds++;
    for (let i = 0; i < n; i++) {
      let best = -1;
      for (let c = 0; c < nc; c++) if (passes(i, c) && (best < 0 || ag[i * nc + c] > ag[i * nc + best])) best = c;
      choice[i] = best;
    }
    let changed = false;
    for (let c = 0; c < nc; c++) {
      const prop: number[] = [];
      for (let i = 0; i < n; i++) if (choice[i] === c) prop.push(i);
      if (prop.length <= kappa) continue;
      prop.sort((a, b) => ag[b * nc + c] - ag[a * nc + c] || a - b);
      const last = prop[kappa - 1];
      tv[c] = ag[last * nc + c];
      ti[c] = last;
      changed = true;
    }
    if (!changed) {
      converged = true;
      break;
    }
  }
  const members: number[][] = Array.from({ length: nc }, () => []);
  for (let i = 0; i < n; i++) if (choice[i] >= 0 && passes(i, choice[i])) members[choice[i]].push(i);
  return { members, rounds, converged };
}

export interface CastHeadOptions {
  withMap?: boolean;
  /** use these clusters instead of selecting (tests: the GPU's own selection) */
  members?: number[][];
}

/** CAST on one head. q, k: N×d, v: N×dv, s: N_c×d. */
export function castHead(q: Float64Array, k: Float64Array, v: Float64Array, s: Float64Array, n: number, d: number, dv: number, cfg: CastConfig, opts: CastHeadOptions = {}): CastHead {
  const nc = cfg.clusters;
  const { aq, ak, w, ag } = castAffinities(q, k, s, n, d, nc, cfg.affinity);
  const members = opts.members ?? (cfg.mode === 'topk' ? selectTopK(ag, n, nc, cfg.kappa) : selectSaGreedy(ag, n, nc, cfg.kappa));
  const scale = 1 / Math.sqrt(d);
  // per-token normalizer over the non-empty clusters
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let c = 0; c < nc; c++) if (members[c].length) z[i] += w[i * nc + c];
  const out = new Float64Array(n * dv);
  const map = opts.withMap ? new Float64Array(n * n) : undefined;
  const isMember = new Uint8Array(n);
  for (let c = 0; c < nc; c++) {
    const mem = members[c];
    if (!mem.length) continue;
    // summary: r_j = softmax over members of A_k[j, c]
    let rmax = -Infinity;
    for (const j of mem) rmax = Math.max(rmax, ak[j * nc + c]);
    const r = mem.map((j) => Math.exp(ak[j * nc + c] - rmax));
    const rsum = r.reduce((a, b) => a + b, 0);
    const R = new Float64Array(dv);
    mem.forEach((j, t) => {
      r[t] /= rsum;
      for (let e = 0; e < dv; e++) R[e] += r[t] * v[j * dv + e];
    });
    isMember.fill(0);
    for (const i of mem) isMember[i] = 1;
    // non-members get the summary
    for (let i = 0; i < n; i++) {
      if (isMember[i]) continue;
      const wi = w[i * nc + c] / z[i];
      for (let e = 0; e < dv; e++) out[i * dv + e] += wi * R[e];
      if (map) mem.forEach((j, t) => (map[i * n + j] += wi * r[t]));
    }
    // members get intra-cluster attention
    const sc = new Float64Array(mem.length);
    for (const i of mem) {
      let m = -Infinity;
      mem.forEach((j, t) => {
        let dot = 0;
        for (let e = 0; e < d; e++) dot += q[i * d + e] * k[j * d + e];
        sc[t] = dot * scale;
        m = Math.max(m, sc[t]);
      });
      let sum = 0;
      for (let t = 0; t < mem.length; t++) sum += sc[t] = Math.exp(sc[t] - m);
      const wi = w[i * nc + c] / z[i];
      mem.forEach((j, t) => {
        const p = (wi * sc[t]) / sum;
        for (let e = 0; e < dv; e++) out[i * dv + e] += p * v[j * dv + e];
        if (map) map[i * n + j] += p;
      });
    }
  }
  return { aq, ak, w, ag, members, out, map };
}

export interface CastReferenceOptions {
  withMap?: boolean;
  /** surrogates H×N_c×d; resolved from the params (and rounded to f32) when absent */
  surrogates?: Float32Array | Float64Array;
  /** per head, the clusters to use instead of selecting */
  members?: number[][][];
  /** the bytes of the surrogate file (surrogates = file), keyed by surrogatesFile */
  files?: FileMap;
}

/** CAST over every head of `x` with the variant's parameters. */
export function castReference(x: Inputs64, p: ParamValues, opts: CastReferenceOptions = {}): ReferenceResult & { heads: CastHead[]; surrogates: Float32Array | Float64Array } {
  const { n, d, dv, heads } = x.shape;
  const cfg = castConfig(n, p);
  const s32 = opts.surrogates ?? resolveSurrogates(x.q, x.k, n, d, heads, {
    clusters: cfg.clusters,
    source: p.surrogates as SurrogateSource,
    file: String(p.surrogatesFile ?? ''),
    seed: Number(p.surrogateSeed ?? 1),
    files: opts.files,
  });
  const withMap = opts.withMap ?? n <= 2048;
  const out = new Float64Array(heads * n * dv);
  const map = withMap ? new Float64Array(heads * n * n) : undefined;
  const results: CastHead[] = [];
  const nc = cfg.clusters;
  for (let h = 0; h < heads; h++) {
    const r = castHead(
      x.q.subarray(h * n * d, (h + 1) * n * d),
      x.k.subarray(h * n * d, (h + 1) * n * d),
      x.v.subarray(h * n * dv, (h + 1) * n * dv),
      Float64Array.from(s32.subarray(h * nc * d, (h + 1) * nc * d)),
      n, d, dv, cfg,
      { withMap, members: opts.members?.[h] },
    );
    out.set(r.out, h * n * dv);
    if (map) map.set(r.map!, h * n * n);
    results.push(r);
  }
  return { out, ...(map ? { map } : {}), heads: results, surrogates: s32 };
}

/** Coverage (tokens in ≥ 1 cluster) and the multiply-assigned fraction (in ≥ 2), over heads. */
export function membershipStats(membersPerHead: number[][][], n: number): { coverage: number; multi: number; emptyClusters: number } {
  let covered = 0;
  let multi = 0;
  let empty = 0;
  for (const members of membersPerHead) {
    const count = new Int32Array(n);
    for (const m of members) {
      if (!m.length) empty++;
      for (const i of m) count[i]++;
    }
    for (let i = 0; i < n; i++) {
      if (count[i] >= 1) covered++;
      if (count[i] >= 2) multi++;
    }
  }
  const total = n * membersPerHead.length;
  return { coverage: covered / total, multi: multi / total, emptyClusters: empty };
}
