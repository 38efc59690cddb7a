// Cost model of the linear-attention engine (docs/spec/benchmarks.md "Cost models"), counting
// what the kernels in shaders/linear do (multiply and add count as 2):
//   kv:     N·(φ + 2·D·(dv + 1))               φ(k_j) and the outer products into S, z
//   reduce: H·D·(dv + 1)·C·4                   chunk states combined (negligible)
//   out:    N·(φ + 2·D·(dv + 1))               φ(q_i), φ(q_i)ᵀS and φ(q_i)ᵀz
//   causal: + N·(L/2 + 32)·(2D + 2dv + 2)      the intra-chunk lower triangle (L = chunk length)
//           + (N/64)·(L/2 + 32)·φ              φ of the chunk's keys, once per block of 64 rows
//                                              (the feed-forward kernel reads its precomputed φ(K))
// with φ the FLOPs of one feature-map evaluation (phiFlops). For elu+1 this is the spec's
// 4·N·D·d + 4·N·D (D = d); for FAVOR+ (φ ≈ 2·D·d) the spec's ≈ 8·N·D·d + 6·N·D.
// Bytes: Q, K, V read once, O written once, the chunk states written and read; causal also
// re-reads the chunk's keys and values per block of 64 rows. The feed-forward kernel writes
// φ(K) (H×N×D) once and reads it back.
import type { Cost, Shape } from '../types';
import { paramCount, type KernelSpec } from './kernels';
import { archOf, dimOf, type LinearParams } from './params';
import { chunking, phiFlops, precomputesKeys } from './sizes';

/** The parts of a KernelSpec the cost needs (no weights). */
export function costSpec(lp: LinearParams, d: number): KernelSpec {
  return { kernel: lp.kernel, d, dim: dimOf(lp, d), m: lp.features, hyperbolic: lp.hyperbolic, arch: archOf(lp, d), source: '' };
}

export function linearCost(shape: Shape, spec: KernelSpec): Cost {
  const { n, d, dv, heads, causal } = shape;
  const D = spec.dim;
  const phi = phiFlops(spec);
  const { chunkLen, chunks } = chunking(shape, D, 256 * 1024 ** 2);
  const L = Math.min(chunkLen, n);
  let flops = heads * n * 2 * (phi + 2 * D * (dv + 1)) + heads * D * (dv + 1) * chunks * 4;
  let bytes = heads * n * (2 * d + 2 * dv) * 4 + heads * chunks * D * (dv + 1) * 4 * (causal ? 3 : 2);
  const pre = precomputesKeys(spec);
  if (pre) bytes += heads * n * D * 4 * 2;
  if (causal) {
    const keysPerRow = L / 2 + 32;
    flops += heads * n * keysPerRow * (2 * D + 2 * dv + 2) + (pre ? 0 : heads * (n / 64) * keysPerRow * phi);
    bytes += heads * (n / 64) * keysPerRow * ((pre ? D : d) + dv) * 4;
  }
  const weights = spec.kernel === 'favor' ? (spec.m ?? 0) * d * 4 : spec.arch ? paramCount(spec.arch) * 4 : 0;
  const memory = heads * n * dv * 4 + heads * chunks * D * (dv + 1) * 4 + (causal ? 0 : heads * D * (dv + 1) * 4) + weights + (pre ? heads * n * (D + 1) * 4 : 0);
  return { flops, bytes, memory };
}
