// Cost model of the Fastmax forward (docs/spec/benchmarks.md "Cost models": p = 1 ≈ 4Nd² + 8Nd,
// p = 2 ≈ 4Nd³ + 6Nd²), counted term by term for the computation the kernels actually do
// (layout.ts). The spec's d² key features of p = 2 are symmetric-packed here to
// d(d+1)/2 (+ d linear + 1 constant), so the leading term is 4N·D·dv with D = (d+1)(d+2)/2 —
// about half the spec's 4Nd³ (tests/unit/fastmax-cost.test.ts checks both statements).
import type { Cost, Shape } from '../types';
import { fastmaxLayout, TILE, type FastmaxLayout, type LayoutOptions } from './layout';

export interface FastmaxCostTerms {
  stats: number;
  state: number;
  scan: number;
  query: number;
  finalize: number;
}

/** Query–key pairs handled explicitly inside the chunks (causal: j in the row's chunk, j ≤ i). */
export function intraPairs(n: number, chunk: number): number {
  let pairs = 0;
  for (let s = 0; s < n; s += chunk) {
    const len = Math.min(chunk, n - s);
    pairs += (len * (len + 1)) / 2;
  }
  return pairs;
}

export function fastmaxFlopTerms(shape: Shape, center: boolean, normalize: boolean, L: FastmaxLayout): FastmaxCostTerms {
  const { n, d, dv, heads: h, causal } = shape;
  const D = L.nfeat;
  const Dm = D - 1;
  // per row of Q and K: the mean (d adds), then d subtractions, multiplies and adds for the norm
  const stats = center || normalize ? 2 * h * n * ((center ? d : 0) + 3 * d) : 0;
  // Ψᵀ[V, 1]: a multiply-add per (key, feature, value), Σψ and Σv, one product per feature built
  const state = h * n * (2 * Dm * dv + Dm + dv + Dm * L.etiles);
  const scanRuns = causal || L.chunks > 1;
  const scan = scanRuns ? h * L.chunks * D * L.width : 0;
  // Φ·E: a multiply-add per (query, feature, value) and for the denominator; 2 products per feature built
  const query = h * n * (2 * D * dv + 2 * D + 2 * D * L.etiles);
  const finalize = causal
    ? h * (intraPairs(n, L.chunk) * (2 * d + 4 + 1 + 2 * dv) + 2 * n * dv)
    : h * n * dv;
  return { stats, state, scan, query, finalize };
}

export function fastmaxCost(shape: Shape, p: 1 | 2, center: boolean, normalize: boolean, opts: LayoutOptions = {}): Cost {
  const { n, d, dv, heads: h, causal } = shape;
  const L = fastmaxLayout(shape, p, opts);
  const t = fastmaxFlopTerms(shape, center, normalize, L);
  const flops = t.stats + t.state + t.scan + t.query + t.finalize;
  const D = L.nfeat;
  const f = 4; // bytes per f32
  const perChunk = h * D * L.width * f;
  const stats = center || normalize ? 2 * h * n * d * f * (center ? 2 : 1) + 2 * h * n * f : 0;
  // each state workgroup streams its chunk's keys (the components its features use) and values
  const state = h * n * L.ftiles * L.etiles * (Math.min(d, 2 * TILE) + Math.min(dv, TILE)) * f + L.stateBytes;
  const scan = causal ? 2 * L.stateBytes : L.chunks > 1 ? L.stateBytes + perChunk : 0;
  // each query workgroup streams the state slice it needs and its queries
  const query = h * L.rtiles * L.etiles * (D * (Math.min(dv, TILE) + 1) + TILE * d) * f + h * n * L.width * f;
  const finalize = h * n * (L.width + dv) * f + (causal ? h * L.rtiles * (Math.min(L.chunk, n) / 2 + TILE / 2) * (d + dv) * f : 0);
  const memory =
    (center ? 2 * h * n * f : 16) + // token means
    2 * h * L.rtiles * f + // partial max-norms
    h * 8 * f + // coefficients
    D * 4 + // pair table
    L.stateBytes +
    h * n * L.width * f + // numerators and denominators
    h * n * dv * f; // output
  return { flops, bytes: stats + state + scan + query + finalize, memory };
}
