// Float64 reference of the distillation objective the trainer minimizes, with its analytic
// gradient (the oracle the GPU backward is tested against; both are checked against finite
// differences in tests/unit/train-reference.test.ts).
//
// For a batch of H sequences (heads) of N tokens:
//   exact map  A_ij = softmax_j(q_i·k_j/√d)          (j ≤ i when causal)
//   scores     s_ij = φ_q(q_i)·φ_k(k_j),  R_i = Σ_j s_ij,  Â_ij = s_ij / R_i
//   loss 'ce'  L = (1/HN) Σ_i −Σ_j A_ij log max(Â_ij, 1e-30)        (soft-label cross-entropy)
//   loss 'mse' L = (1/HN) Σ_i (1/dv) ‖ô_i − o_i‖²,  ô_i = Σ_j Â_ij v_j,  o_i = Σ_j A_ij v_j
// Gradient through s: G_ij = ∂L/∂s_ij
//   ce:  G_ij = −(A_ij / max(s_ij, 1e-30·R_i) − 1/R_i) / HN   (rows of A sum to 1)
//   mse: G_ij = (g_i·v_j − g_i·ô_i) / R_i,  g_i = 2(ô_i − o_i)/(HN·dv)
// then ∂L/∂φ_q(q_i) = Σ_j G_ij φ_k(k_j), ∂L/∂φ_k(k_j) = Σ_i G_ij φ_q(q_i), and the chain rule
// through the feature map (paramLayout's order) gives ∂L/∂θ.
import { ffkBlockOffset, paramCount, type TrainableArch } from '../kernels';
import { sigmoid, softplus } from '../reference';

export type LossKind = 'ce' | 'mse';

export interface Batch {
  heads: number;
  n: number;
  d: number;
  dv: number;
  causal: boolean;
  /** H×N×d, H×N×d, H×N×dv */
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
}

export interface LossResult {
  loss: number;
  /** Σ‖ô_i − o_i‖² and Σ‖o_i‖² over the batch: relative Frobenius error = √(errSq/refSq) */
  errSq: number;
  refSq: number;
  grad?: Float64Array;
}

/** Forward of φ for one row with what the backward needs (ffk: each block's u, v and input). */
interface RowCache {
  phi: Float64Array;
  /** ffk: inputs h_l (h_0 = x), pre-activations u_l, v_l per block */
  h?: Float64Array[];
  u?: Float64Array[];
  g?: Float64Array[];
}

function phiForward(arch: TrainableArch, p: Float64Array, x: Float64Array, x0: number, side: 'q' | 'k'): RowCache {
  const { d, features: F } = arch;
  if (arch.kernel === 'hedgehog') {
    const base = side === 'q' ? 0 : F * d + F;
    const phi = new Float64Array(2 * F);
    for (let f = 0; f < F; f++) {
      let a = p[base + F * d + f];
      for (let c = 0; c < d; c++) a += p[base + f * d + c] * x[x0 + c];
      phi[f] = Math.exp(a);
      phi[F + f] = Math.exp(-a);
    }
    return { phi };
  }
  const h: Float64Array[] = [x.slice(x0, x0 + d)];
  const u: Float64Array[] = [];
  const g: Float64Array[] = [];
  for (let l = 0; l < arch.layers; l++) {
    const din = l === 0 ? d : F;
    const o = ffkBlockOffset(arch, l);
    const [wo, bo, wg, bg] = [o, o + F * din, o + F * din + F, o + 2 * F * din + F];
    const ul = new Float64Array(F);
    const gl = new Float64Array(F);
    const next = new Float64Array(F);
    const last = l === arch.layers - 1;
    for (let f = 0; f < F; f++) {
      let a = p[bo + f];
      let b = p[bg + f];
      for (let c = 0; c < din; c++) {
        a += p[wo + f * din + c] * h[l][c];
        b += p[wg + f * din + c] * h[l][c];
      }
      ul[f] = a;
      gl[f] = b;
      next[f] = (last ? softplus(a) : a) * sigmoid(b);
    }
    u.push(ul);
    g.push(gl);
    h.push(next);
  }
  return { phi: h[arch.layers], h, u, g };
}

/** Adds ∂L/∂θ of one row to grad, given dphi = ∂L/∂φ(row). */
function phiBackward(arch: TrainableArch, p: Float64Array, cache: RowCache, dphi: Float64Array, side: 'q' | 'k', x: Float64Array, x0: number, grad: Float64Array) {
  const { d, features: F } = arch;
  if (arch.kernel === 'hedgehog') {
    const base = side === 'q' ? 0 : F * d + F;
    for (let f = 0; f < F; f++) {
      const da = dphi[f] * cache.phi[f] - dphi[F + f] * cache.phi[F + f];
      grad[base + F * d + f] += da;
      for (let c = 0; c < d; c++) grad[base + f * d + c] += da * x[x0 + c];
    }
    return;
  }
  let dh = Float64Array.from(dphi);
  for (let l = arch.layers - 1; l >= 0; l--) {
    const din = l === 0 ? d : F;
    const o = ffkBlockOffset(arch, l);
    const [wo, bo, wg, bg] = [o, o + F * din, o + F * din + F, o + 2 * F * din + F];
    const last = l === arch.layers - 1;
    const hin = cache.h![l];
    const dprev = new Float64Array(din);
    for (let f = 0; f < F; f++) {
      const u = cache.u![l][f];
      const s = sigmoid(cache.g![l][f]);
      const gu = last ? softplus(u) : u;
      const dgu = last ? sigmoid(u) : 1;
      const du = dh[f] * s * dgu;
      const dv = dh[f] * gu * s * (1 - s);
      grad[bo + f] += du;
      grad[bg + f] += dv;
      for (let c = 0; c < din; c++) {
        grad[wo + f * din + c] += du * hin[c];
        grad[wg + f * din + c] += dv * hin[c];
        dprev[c] += p[wo + f * din + c] * du + p[wg + f * din + c] * dv;
      }
    }
    dh = dprev;
  }
}

/** The objective (and its gradient when `withGrad`) at parameters p. */
export function distillLoss(arch: TrainableArch, p: Float64Array, b: Batch, kind: LossKind, withGrad = true): LossResult {
  const { heads, n, d, dv, causal } = b;
  const rows = heads * n;
  const D = arch.kernel === 'hedgehog' ? 2 * arch.features : arch.features;
  const grad = withGrad ? new Float64Array(paramCount(arch)) : undefined;
  let loss = 0;
  let errSq = 0;
  let refSq = 0;
  const scale = 1 / Math.sqrt(d);
  for (let h = 0; h < heads; h++) {
    const cq: RowCache[] = [];
    const ck: RowCache[] = [];
    for (let i = 0; i < n; i++) {
      cq.push(phiForward(arch, p, b.q, (h * n + i) * d, 'q'));
      ck.push(phiForward(arch, p, b.k, (h * n + i) * d, 'k'));
    }
    const dq = Array.from({ length: n }, () => new Float64Array(D));
    const dk = Array.from({ length: n }, () => new Float64Array(D));
    const s = new Float64Array(n);
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const jEnd = causal ? i + 1 : n;
      // exact row
      let mx = -Infinity;
      for (let j = 0; j < jEnd; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += b.q[(h * n + i) * d + c] * b.k[(h * n + j) * d + c];
        a[j] = dot * scale;
        mx = Math.max(mx, a[j]);
      }
      let z = 0;
      for (let j = 0; j < jEnd; j++) z += (a[j] = Math.exp(a[j] - mx));
      for (let j = 0; j < jEnd; j++) a[j] /= z;
      // implied row
      let R = 0;
      for (let j = 0; j < jEnd; j++) {
        let dot = 0;
        for (let f = 0; f < D; f++) dot += cq[i].phi[f] * ck[j].phi[f];
        s[j] = dot;
        R += dot;
      }
      const oh = new Float64Array(dv);
      const o = new Float64Array(dv);
      for (let j = 0; j < jEnd; j++) {
        for (let c = 0; c < dv; c++) {
          oh[c] += (s[j] / R) * b.v[(h * n + j) * dv + c];
          o[c] += a[j] * b.v[(h * n + j) * dv + c];
        }
      }
      let e2 = 0;
      for (let c = 0; c < dv; c++) {
        e2 += (oh[c] - o[c]) ** 2;
        refSq += o[c] ** 2;
      }
      errSq += e2;
      if (kind === 'ce') {
        for (let j = 0; j < jEnd; j++) if (a[j] > 0) loss -= a[j] * Math.log(Math.max(s[j] / R, 1e-30));
      } else loss += e2 / dv;
      if (!grad) continue;
      // G_ij, then ∂L/∂φ
      const gi = new Float64Array(dv);
      let gio = 0;
      if (kind === 'mse') {
        for (let c = 0; c < dv; c++) {
          gi[c] = (2 * (oh[c] - o[c])) / (rows * dv);
          gio += gi[c] * oh[c];
        }
      }
      for (let j = 0; j < jEnd; j++) {
        let G: number;
        if (kind === 'ce') G = -(a[j] / Math.max(s[j], 1e-30 * R) - 1 / R) / rows;
        else {
          let gv = 0;
          for (let c = 0; c < dv; c++) gv += gi[c] * b.v[(h * n + j) * dv + c];
          G = (gv - gio) / R;
        }
        for (let f = 0; f < D; f++) {
          dq[i][f] += G * ck[j].phi[f];
          dk[j][f] += G * cq[i].phi[f];
        }
      }
    }
    if (grad) {
      for (let i = 0; i < n; i++) {
        phiBackward(arch, p, cq[i], dq[i], 'q', b.q, (h * n + i) * d, grad);
        phiBackward(arch, p, ck[i], dk[i], 'k', b.k, (h * n + i) * d, grad);
      }
    }
  }
  return { loss: loss / rows, errSq, refSq, grad };
}

/** Central finite differences of the loss along every parameter (tests only: O(params) forwards). */
export function finiteDifferences(arch: TrainableArch, p: Float64Array, b: Batch, kind: LossKind, h = 1e-6): Float64Array {
  const g = new Float64Array(p.length);
  const q = Float64Array.from(p);
  for (let i = 0; i < p.length; i++) {
    q[i] = p[i] + h;
    const up = distillLoss(arch, q, b, kind, false).loss;
    q[i] = p[i] - h;
    const down = distillLoss(arch, q, b, kind, false).loss;
    q[i] = p[i];
    g[i] = (up - down) / (2 * h);
  }
  return g;
}
