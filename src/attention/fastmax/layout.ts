// How a Fastmax forward is laid out on the GPU: the feature set, the chunking of the keys
// and the tile counts. Shared by the plan (which dispatches it) and the cost model (which
// counts it), so the two always describe the same computation.
import type { Shape } from '../types';

/** Largest head or value dimension (the map kernel holds a query row in workgroup memory). */
export const MAX_HEAD_DIM = 256;
/** features per state workgroup, values per workgroup, queries per workgroup (state.wgsl, query.wgsl) */
export const TILE = 64;
/** keys per step of state.wgsl */
export const KEY_STEP = 16;
/** Chunk states may take this much GPU memory (all heads, all chunks) before chunks get longer. */
export const STATE_BUDGET_BYTES = 128 * 1024 * 1024;
/**
 * state.wgsl workgroups a forward aims at: enough parallel work for a GPU; on a software
 * adapter (a few CPU cores, and a costly workgroup start) far fewer, longer ones.
 */
export const TARGET_STATE_GROUPS = 256;
export const TARGET_STATE_GROUPS_SOFTWARE = 8;

/**
 * Number of key features: the pairs a ≤ b of k̂ = [1, k] — (0,0) = 1, (0,b) = k_b and, for p = 2,
 * the symmetric-packed k_a·k_b: p = 1 → d + 1, p = 2 → (d + 1)(d + 2)/2 = 1 + d + d(d + 1)/2.
 */
export function featureCount(d: number, p: 1 | 2): number {
  return p === 1 ? d + 1 : ((d + 1) * (d + 2)) / 2;
}

/** The pair table: entry f = a | b << 16 (a ≤ b indices into [1, k]), in the kernels' order. */
export function pairTable(d: number, p: 1 | 2): Uint32Array {
  const out = new Uint32Array(featureCount(d, p));
  let f = 0;
  for (let a = 0; a <= (p === 1 ? 0 : d); a++) {
    for (let b = a; b <= d; b++) out[f++] = a | (b << 16);
  }
  return out;
}

export interface FastmaxLayout {
  /** D: features including the constant one */
  nfeat: number;
  /** W = dv + 1: the values plus the denominator column */
  width: number;
  /** keys per chunk (causal: a multiple of TILE) */
  chunk: number;
  chunks: number;
  /** feature tiles of state.wgsl (over the D − 1 non-constant features) */
  ftiles: number;
  /** value tiles (state.wgsl, query.wgsl) */
  etiles: number;
  /** row tiles of TILE queries per head */
  rtiles: number;
  /** chunks handled one after the other by one state.wgsl workgroup */
  cpg: number;
  /** state.wgsl workgroups: heads · ⌈chunks/cpg⌉ · ftiles · etiles */
  stateGroups: number;
  /** row tiles handled one after the other by one workgroup of query.wgsl, finalize.wgsl (intra), prep.wgsl (stats) */
  rpg: number;
  /** workgroups of query.wgsl and of the intra kernel: heads · ⌈rtiles/rpg⌉ · etiles */
  rowGroups: number;
  /** bytes of the chunk states of all heads */
  stateBytes: number;
}

export interface LayoutOptions {
  /** largest storage binding (the adapter's maxStorageBufferBindingSize) */
  maxBinding?: number;
  /** force the chunk length (tests); causal needs a multiple of TILE */
  chunk?: number;
  /** state.wgsl workgroups to aim at (TARGET_STATE_GROUPS, or TARGET_STATE_GROUPS_SOFTWARE) */
  targetGroups?: number;
  /** force the chunks per state workgroup (tests) */
  cpg?: number;
  /** force the row tiles per query / intra / stats workgroup (tests) */
  rpg?: number;
}

/**
 * Chunking: causal forwards need one state per chunk (the exclusive prefix), so chunks are as
 * short as the memory budget allows (≥ TILE keys; shorter chunks mean less explicit intra-chunk
 * work). Non-causal forwards split N only for parallelism: about `targetGroups` workgroups,
 * chunks of at least TILE keys, within the same budget. Either way a workgroup takes `cpg`
 * consecutive chunks so that about `targetGroups` workgroups run.
 */
export function fastmaxLayout(shape: Shape, p: 1 | 2, opts: LayoutOptions = {}): FastmaxLayout {
  const { n, d, dv, heads, causal } = shape;
  const nfeat = featureCount(d, p);
  const width = dv + 1;
  const ftiles = Math.ceil((nfeat - 1) / TILE);
  const etiles = Math.ceil(dv / TILE);
  const rtiles = Math.ceil(n / TILE);
  const perChunk = heads * nfeat * width * 4;
  const budget = Math.min(STATE_BUDGET_BYTES, opts.maxBinding ?? Infinity);
  const maxChunks = Math.max(1, Math.floor(budget / perChunk));
  const target = opts.targetGroups ?? TARGET_STATE_GROUPS;
  let chunk: number;
  if (opts.chunk !== undefined) {
    if (!Number.isInteger(opts.chunk) || opts.chunk < 1) throw new Error(`fastmax: chunk must be a positive integer, got ${opts.chunk}`);
    if (causal && opts.chunk % TILE !== 0) throw new Error(`fastmax: a causal chunk must be a multiple of ${TILE}, got ${opts.chunk}`);
    chunk = opts.chunk;
  } else if (causal) {
    chunk = TILE;
    while (Math.ceil(n / chunk) > maxChunks && chunk < n) chunk *= 2;
  } else {
    const want = Math.ceil(target / (heads * ftiles * etiles));
    const chunks = Math.max(1, Math.min(want, Math.ceil(n / TILE), maxChunks));
    chunk = Math.ceil(Math.ceil(n / chunks) / KEY_STEP) * KEY_STEP;
  }
  const chunks = Math.ceil(n / chunk);
  // chunks per workgroup: as many as keep about `target` workgroups busy
  const cpg = opts.cpg ?? Math.max(1, Math.floor((heads * chunks * ftiles * etiles) / target));
  if (!Number.isInteger(cpg) || cpg < 1) throw new Error(`fastmax: chunks per workgroup must be a positive integer, got ${cpg}`);
  const stateGroups = heads * Math.ceil(chunks / cpg) * ftiles * etiles;
  const rpg = opts.rpg ?? Math.max(1, Math.floor((heads * rtiles * etiles) / target));
  if (!Number.isInteger(rpg) || rpg < 1) throw new Error(`fastmax: row tiles per workgroup must be a positive integer, got ${rpg}`);
  const rowGroups = heads * Math.ceil(rtiles / rpg) * etiles;
  return { nfeat, width, chunk, chunks, ftiles, etiles, rtiles, cpg, stateGroups, rpg, rowGroups, stateBytes: chunks * perChunk };
}
