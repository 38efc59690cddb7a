// FAST / Fastmax (Gerami et al., arXiv 2402.07901): attention with the polynomial score
// f(x) = a0 + a1·x + a2·x² of normalized logits, factorized so that it costs O(N·d^{p+1}).
// Math and oracles: docs/spec/variants.md §5; kernels: shaders/fastmax; docs/benchmarks-fastmax.md.
import type { AttentionVariant, Extra, Shape } from '../types';
import type { ParamValues } from '../../params/schema';
import { fastmaxExplicit, fastmaxFactorized, fastmaxParams, matchingBeta, positivity, sameLogitsMapRows, sameLogitsSoftmax, scoreCoefficients } from './reference';
import { fastmaxCost } from './cost';
import { MAX_HEAD_DIM } from './layout';
// the plan (and its WGSL) and the panel are loaded on first use: they stay out of the page's entry chunk

const fmt = (x: number) => (Number.isFinite(x) ? String(Number(x.toPrecision(4))) : x > 0 ? '∞' : '−∞');

/** The score as a formula with the user's coefficients, e.g. "1 + 1·x + 0.5·x²". */
export function scoreFormula(pv: ParamValues): string {
  const [a0, a1, a2] = scoreCoefficients(fastmaxParams(pv));
  return `${fmt(a0)} + ${fmt(a1)}·x${fastmaxParams(pv).p === 2 ? ` + ${fmt(a2)}·x²` : ''}`;
}

/** What the user should know before running this configuration (shown by the controls). */
export function fastmaxNotes(shape: Shape, pv: ParamValues): Extra[] {
  const fp = fastmaxParams(pv);
  const notes: Extra[] = [];
  if (shape.causal && fp.normalize) {
    notes.push({
      kind: 'note', id: 'causal-leak', tone: 'warning',
      text: 'The global max-norm uses all tokens, so causal Fastmax leaks the future: every output depends on later tokens through the normalization scale (turn normalization off for a strictly causal score; the per-token centring alone does not leak).',
    });
  }
  const pos = positivity(fp);
  const range = Number.isFinite(pos.range) ? `|x| ≤ lim²/T = ${fmt(pos.range)}` : 'all x (without normalization x = q·k/T is unbounded)';
  if (pos.fMin < 0) {
    notes.push({
      kind: 'note', id: 'positivity', tone: 'warning',
      text: `f(x) = ${scoreFormula(pv)} is negative on the reachable range ${range} (down to ${fmt(pos.fMin)} at x = ${fmt(pos.argMin)}): weights can be negative and a row's denominator can vanish or change sign. The map is drawn on a diverging scale.`,
    });
  } else if (pos.fMin === 0) {
    notes.push({
      kind: 'note', id: 'positivity', tone: 'info',
      text: `f(x) = ${scoreFormula(pv)} is ≥ 0 on the reachable range ${range} but reaches 0 at x = ${fmt(pos.argMin)}${fp.normalize ? ' (a query and a key pointing in opposite directions, both at the max-norm)' : ''}: weights are never negative but can vanish.`,
    });
  }
  if (!fp.normalize) {
    notes.push({
      kind: 'note', id: 'no-normalize', tone: 'info',
      text: 'Without normalization x = q·k/T (no 1/√d: T is the only temperature; T = √d gives softmax-like logits).',
    });
  }
  const a = scoreCoefficients(fp);
  if (fp.p === 2 && a[0] > 0 && Math.abs(a[2] / a[0] - (a[1] / a[0]) ** 2 / 2) > 1e-12) {
    notes.push({
      kind: 'note', id: 'taylor', tone: 'info',
      text: `a2/a0 ≠ (a1/a0)²/2: f is not the second-order Taylor polynomial of exp(β·x), β = a1/a0 = ${fmt(matchingBeta(fp))}, so the error against softmax of the same logits falls like T⁻² instead of T⁻³.`,
    });
  }
  return notes;
}

export const fastmaxVariant: AttentionVariant = {
  id: 'fastmax',
  label: 'FAST / Fastmax (factorized Taylor attention)',
  summary: 'Score f(x) = a0 + a1·x + a2·x² of max-norm-normalized logits x = q̃·k̃/T, factorized through the key moments (Σv, K̃ᵀV, Σ(k̃⊗k̃)vᵀ): O(N·d^{p+1}) time, no N×N matrix.',
  params: [
    {
      name: 'p', label: 'Order p', type: 'int', default: 2, min: 1, max: 2, urlKey: 'p', csvColumn: 'fastmax_p',
      help: 'Degree of the score polynomial: 2 keeps a2·x² (cost ∝ N·d³), 1 drops it (cost ∝ N·d², linear attention).',
    },
    {
      name: 'normalize', label: 'Max-norm normalization', type: 'bool', default: true, urlKey: 'norm', csvColumn: 'fastmax_normalize',
      help: 'Scale q and k by lim / max_j‖q_j‖ (per head, over all tokens), so |x| ≤ lim²/T. In causal mode this max sees the future.',
    },
    {
      name: 'center', label: 'Per-token centring', type: 'bool', default: true, urlKey: 'ctr', csvColumn: 'fastmax_center',
      help: 'Subtract each token’s mean over its d channels before normalizing (the paper’s normalization). With d = 1 every centred vector is 0.',
    },
    {
      name: 'lim', label: 'lim (norm bound)', type: 'float', default: 1, min: 0.01, max: 100, scale: 'log', urlKey: 'lim', csvColumn: 'fastmax_lim',
      help: 'With normalization ‖q̃‖, ‖k̃‖ ≤ lim, so the logits are bounded by lim²/T.',
    },
    {
      name: 'T', label: 'Temperature T', type: 'float', default: 1, min: 0.01, max: 1000, scale: 'log', urlKey: 'temp', csvColumn: 'fastmax_T',
      help: 'x = q̃·k̃/T. Larger T flattens the map; the error against softmax of the same logits falls like T^−(p+1).',
    },
    {
      name: 'a0', label: 'a0', type: 'float', default: 1, min: -10, max: 10, urlKey: 'a0', csvColumn: 'fastmax_a0',
      help: 'Constant coefficient of f(x) = a0 + a1·x + a2·x² (1, 1, ½: the Taylor polynomial of eˣ).',
    },
    {
      name: 'a1', label: 'a1', type: 'float', default: 1, min: -10, max: 10, urlKey: 'a1', csvColumn: 'fastmax_a1',
      help: 'Linear coefficient of f.',
    },
    {
      name: 'a2', label: 'a2', type: 'float', default: 0.5, min: -10, max: 10, urlKey: 'a2', csvColumn: 'fastmax_a2',
      help: 'Quadratic coefficient of f (used when p = 2; with a2 > 0 and a1² < 4·a0·a2, f > 0 for every x).',
    },
  ],
  supports: { causal: true, map: true },
  tolerance: { abs: 1e-5, rel: 0, absScale: 'max-abs' },
  validate(shape, pv) {
    const errs: string[] = [];
    if (shape.d > MAX_HEAD_DIM || shape.dv > MAX_HEAD_DIM) {
      errs.push(`Fastmax supports head dimensions up to ${MAX_HEAD_DIM}; got d = ${shape.d}, dv = ${shape.dv}`);
    }
    let fp;
    try {
      fp = fastmaxParams(pv);
    } catch (e) {
      return [...errs, (e as Error).message];
    }
    if (!(fp.T > 0)) errs.push(`T must be positive, got ${fp.T}`);
    if (!(fp.lim > 0)) errs.push(`lim must be positive, got ${fp.lim}`);
    const [a0, a1, a2] = scoreCoefficients(fp);
    if (a0 === 0 && a1 === 0 && a2 === 0) errs.push(`f(x) = ${scoreFormula(pv)} is identically 0: every denominator would be 0`);
    return errs;
  },
  notes: fastmaxNotes,
  altReferences: [
    {
      id: 'same_logits',
      label: 'softmax of the same normalized logits, softmax_j(β·q̃_i·k̃_j/T) with β = a1/a0 (= 1 at the defaults)',
      out: sameLogitsSoftmax,
      mapRows: sameLogitsMapRows,
    },
  ],
  panels: [{ title: 'Fastmax: compare against', load: () => import('./panel-compare') }],
  reference: (x, pv) => (x.shape.n <= 2048 ? fastmaxExplicit(x, pv) : { out: fastmaxFactorized(x, pv) }),
  plan: async (gpu, shape, pv, inputs) => (await import('./plan')).planFastmax(gpu, shape, fastmaxParams(pv), inputs),
  cost: (shape, pv) => {
    const fp = fastmaxParams(pv);
    return fastmaxCost(shape, fp.p, fp.center, fp.normalize);
  },
};
