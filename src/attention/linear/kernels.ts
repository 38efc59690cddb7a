// Feature maps φ of linear attention (docs/spec/variants.md §4): their dimensions, FAVOR+'s
// seeded orthogonal projection, the trainable kernels' parameter layout and initialization.
// Everything here is plain data shared by the float64 reference, the GPU plan and the
// trainer (./train).
//
// Parameter layout of the trainable kernels (one flat array; the GPU buffer holds exactly
// this, as f32). Matrices are row-major with ROWS = OUTPUT UNITS (features) and columns =
// inputs, so unit f computes W[f]·x + b[f] — the same convention as FAVOR+'s projection
// (rows = features).
// - hedgehog (F = d): [Wq (F×d), bq (F), Wk (F×d), bk (F)];
//   φ_side(x) = [exp(a), exp(−a)], a = W_side·x + b_side, so D = 2F.
// - ffk (width F, L blocks): for l = 0…L−1, din = (l = 0 ? d : F):
//   [Wo (F×din), bo (F), Wg (F×din), bg (F)];
//   h ↦ g(Wo·h + bo) ⊙ σ(Wg·h + bg), g = identity inside, softplus in the last block; D = F.
//   The biases are a refinement of the spec's x ↦ g(xW_o) ⊙ σ(xW_g): they start at 0, so
//   the initial map is exactly the spec's.
import { Rng } from '../../workloads/rng';

export const KERNELS = ['elu1', 'relu', 'favor', 'hedgehog', 'ffk'] as const;
export type KernelId = (typeof KERNELS)[number];
export type TrainableKernel = 'hedgehog' | 'ffk';

export const KERNEL_LABELS: Record<KernelId, string> = {
  elu1: 'elu+1 (Katharopoulos et al. 2020)',
  relu: 'ReLU',
  favor: 'FAVOR+ (Performer, positive random features)',
  hedgehog: 'Hedgehog (trainable exp map, separate for q and k)',
  ffk: 'Trainable feed-forward kernel (Yorsh & Kovalenko)',
};

/** compile-time id of each kernel in the WGSL (KERNEL constant of shaders/linear/phi.wgsl) */
export const KERNEL_CODE: Record<KernelId, number> = { elu1: 0, relu: 1, favor: 2, hedgehog: 3, ffk: 4 };

export function isTrainable(k: KernelId): k is TrainableKernel {
  return k === 'hedgehog' || k === 'ffk';
}

/** Largest feature dimension D the GPU engine handles (private arrays of that size). */
export const MAX_FEATURE_DIM = 1024;
/** Most blocks of the feed-forward kernel. */
export const MAX_FFK_LAYERS = 4;

/** Architecture of a trainable kernel. */
export interface TrainableArch {
  kernel: TrainableKernel;
  d: number;
  /** hedgehog: F = d (W starts as the identity); ffk: the width of every block */
  features: number;
  /** ffk blocks (hedgehog: 1) */
  layers: number;
}

/** One tensor of a trainable kernel's flat parameter array. */
export interface TensorSlot {
  name: string;
  offset: number;
  rows: number;
  cols: number;
}

/** The named tensors of `arch` in their order in the flat array (see the header). */
export function paramLayout(arch: TrainableArch): TensorSlot[] {
  const slots: TensorSlot[] = [];
  let offset = 0;
  const add = (name: string, rows: number, cols: number) => {
    slots.push({ name, offset, rows, cols });
    offset += rows * cols;
  };
  const { d, features: F } = arch;
  if (arch.kernel === 'hedgehog') {
    add('q.W', F, d);
    add('q.b', F, 1);
    add('k.W', F, d);
    add('k.b', F, 1);
  } else {
    for (let l = 0; l < arch.layers; l++) {
      const din = l === 0 ? d : F;
      add(`block${l}.Wo`, F, din);
      add(`block${l}.bo`, F, 1);
      add(`block${l}.Wg`, F, din);
      add(`block${l}.bg`, F, 1);
    }
  }
  return slots;
}

export function paramCount(arch: TrainableArch): number {
  const s = paramLayout(arch);
  const last = s[s.length - 1];
  return last.offset + last.rows * last.cols;
}

/** Offset of ffk block l's first tensor (Wo) in the flat array. */
export function ffkBlockOffset(arch: TrainableArch, l: number): number {
  let off = 0;
  for (let i = 0; i < l; i++) {
    const din = i === 0 ? arch.d : arch.features;
    off += 2 * arch.features * din + 2 * arch.features;
  }
  return off;
}

/**
 * Rows with orthonormal directions: a rows×cols matrix whose rows (rows ≤ cols) or columns
 * (rows > cols) are orthonormal, from Gaussian draws by modified Gram–Schmidt applied twice
 * (the Q factor of a QR decomposition, numerically orthogonal to ~1e-15).
 */
export function orthogonalMatrix(rng: Rng, rows: number, cols: number): Float64Array {
  const tall = rows > cols;
  const n = tall ? cols : rows; // vectors to orthonormalize
  const len = tall ? rows : cols; // their length
  const vecs: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = new Float64Array(len);
    for (let c = 0; c < len; c++) v[c] = rng.normal();
    for (let pass = 0; pass < 2; pass++) {
      for (const u of vecs) {
        let dot = 0;
        for (let c = 0; c < len; c++) dot += u[c] * v[c];
        for (let c = 0; c < len; c++) v[c] -= dot * u[c];
      }
    }
    let norm = 0;
    for (let c = 0; c < len; c++) norm += v[c] * v[c];
    norm = Math.sqrt(norm);
    if (!(norm > 1e-12)) throw new Error('orthogonalMatrix: degenerate draw'); // probability 0
    for (let c = 0; c < len; c++) v[c] /= norm;
    vecs.push(v);
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < len; c++) {
      if (tall) out[c * cols + i] = vecs[i][c];
      else out[i * cols + c] = vecs[i][c];
    }
  }
  return out;
}

/**
 * FAVOR+'s projection (Choromanski et al. 2021, "orthogonal random features"): m rows in
 * blocks of d mutually orthogonal directions (the last block truncated), each row scaled to
 * the norm of an independent N(0, I_d) vector (so row norms follow χ_d, as for Gaussian
 * rows). Seeded: the same (m, d, seed) gives the same matrix everywhere.
 */
export function favorProjection(m: number, d: number, seed: number): Float64Array {
  const rng = new Rng((seed ^ 0x5eedfa0) >>> 0);
  const w = new Float64Array(m * d);
  for (let r0 = 0; r0 < m; r0 += d) {
    const rows = Math.min(d, m - r0);
    const block = orthogonalMatrix(rng, d, d);
    w.set(block.subarray(0, rows * d), r0 * d);
  }
  for (let r = 0; r < m; r++) {
    let s = 0;
    for (let c = 0; c < d; c++) {
      const g = rng.normal();
      s += g * g;
    }
    const norm = Math.sqrt(s);
    for (let c = 0; c < d; c++) w[r * d + c] *= norm;
  }
  return w;
}

/** Initial parameters of a trainable kernel (docs/spec/variants.md §4): hedgehog W = I, b = 0; ffk W_o orthogonal, W_g ~ N(0, 1/din), b = 0. */
export function initParams(arch: TrainableArch, seed: number): Float64Array {
  const p = new Float64Array(paramCount(arch));
  const slots = paramLayout(arch);
  if (arch.kernel === 'hedgehog') {
    for (const s of slots) {
      if (s.name.endsWith('.W')) for (let i = 0; i < Math.min(s.rows, s.cols); i++) p[s.offset + i * s.cols + i] = 1;
    }
    return p;
  }
  const rng = new Rng((seed ^ 0x0ffc0de) >>> 0);
  for (const s of slots) {
    if (s.name.endsWith('.Wo')) p.set(orthogonalMatrix(rng, s.rows, s.cols), s.offset);
    else if (s.name.endsWith('.Wg')) {
      const sd = 1 / Math.sqrt(s.cols);
      for (let i = 0; i < s.rows * s.cols; i++) p[s.offset + i] = sd * rng.normal();
    }
  }
  return p;
}

/** A fully resolved feature map: everything the reference and the GPU need to evaluate φ. */
export interface KernelSpec {
  kernel: KernelId;
  d: number;
  /** D: the dimension of φ(x) */
  dim: number;
  /** favor: number of projection rows m and the projection (m×d, rows = features) */
  m?: number;
  projection?: Float64Array;
  hyperbolic?: boolean;
  /** trainable kernels: architecture and flat parameters */
  arch?: TrainableArch;
  params?: Float64Array;
  /** where the projection / weights came from, for notes and the CLI */
  source: string;
  /** true when a trainable kernel runs with its untrained initialization */
  untrained?: boolean;
}

/** Feature dimension D of a kernel. */
export function featureDim(kernel: KernelId, d: number, features: number, hyperbolic: boolean): number {
  switch (kernel) {
    case 'elu1':
    case 'relu':
      return d;
    case 'favor':
      return hyperbolic ? 2 * features : features;
    case 'hedgehog':
      return 2 * d;
    case 'ffk':
      return features;
  }
}
