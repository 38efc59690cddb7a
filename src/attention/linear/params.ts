// The linear variant's knobs (schemas drive the UI controls, URL keys, CSV columns and the
// CLI's --set) and their resolution into a KernelSpec (kernels.ts).
import type { ParamSpec, ParamValues } from '../../params/schema';
import type { FileMap } from '../types';
import { parseNpy, type NpyArray } from '../../workloads/npy';
import {
  KERNELS, KERNEL_LABELS, MAX_FEATURE_DIM, MAX_FFK_LAYERS, favorProjection, featureDim, initParams, isTrainable,
  type KernelId, type KernelSpec, type TrainableArch,
} from './kernels';
import { archLabel, archMismatch, findShipped, parseWeights, shippedWeights, shippedWeightsSync, type TrainableWeights } from './weights';

export const WEIGHT_SOURCES = ['auto', 'init', 'session'] as const;
export type WeightSource = (typeof WEIGHT_SOURCES)[number];

export const linearParamSpecs: ParamSpec[] = [
  {
    name: 'kernel', label: 'Kernel φ', type: 'enum', default: 'ffk', urlKey: 'kern', csvColumn: 'kernel',
    options: KERNELS.map((k) => ({ value: k, label: KERNEL_LABELS[k] })),
    help: 'The feature map: attention weights are φ(q)·φ(k) normalized over the keys. elu+1 and ReLU have D = d features, FAVOR+ has `features` random features, Hedgehog 2d, the feed-forward kernel `features`.',
  },
  {
    name: 'features', label: 'Features', type: 'int', default: 64, min: 1, max: MAX_FEATURE_DIM, scale: 'log', urlKey: 'feat', csvColumn: 'features',
    help: 'FAVOR+: number of random features m (its error falls like m^−½); feed-forward kernel: width of every block (= D). Ignored by elu+1, ReLU and Hedgehog.',
  },
  {
    name: 'layers', label: 'Blocks (ffk)', type: 'int', default: 2, min: 1, max: MAX_FFK_LAYERS, urlKey: 'lay', csvColumn: 'layers',
    help: 'Gated blocks g(W_o·h) ⊙ σ(W_g·h) of the feed-forward kernel (softplus in the last one). Ignored by the other kernels.',
  },
  {
    name: 'hyperbolic', label: 'Hyperbolic FAVOR+', type: 'bool', default: false, urlKey: 'hyp', csvColumn: 'hyperbolic',
    help: 'FAVOR+ only: features [e^{Wx̃−h}, e^{−Wx̃−h}]/√(2m) (2m features) instead of e^{Wx̃−h}/√m.',
  },
  {
    name: 'kseed', label: 'Kernel seed', type: 'int', default: 0, min: 0, max: 2 ** 31 - 1, urlKey: 'ks', csvColumn: 'kernel_seed',
    help: 'Seed of FAVOR+\'s orthogonal random projection and of the trainable kernels\' initialization (not of the inputs).',
  },
  {
    name: 'eps', label: 'ε', type: 'float', default: 1e-6, min: 0, max: 1, urlKey: 'eps', csvColumn: 'eps',
    help: 'Added to the normalizer φ(q)·Σφ(k): keeps rows whose features are all zero (ReLU) finite — they output 0.',
  },
  {
    name: 'weightsFrom', label: 'Weights', type: 'enum', default: 'auto', urlKey: 'wsrc', csvColumn: 'weights_source',
    options: [
      { value: 'auto', label: 'Trained (shipped), else untrained' },
      { value: 'init', label: 'Untrained initialization' },
      { value: 'session', label: 'Trained in this session (training panel)' },
    ],
    help: 'Hedgehog and the feed-forward kernel only. auto: the weights file when one is given, else the weights shipped in public/kernels when they fit d, features and layers, otherwise the untrained initialization (a note says so); session: the weights trained or loaded in the training panel (which names them in the weights file).',
  },
  {
    name: 'weights', label: 'Weights file', type: 'file', default: '', urlKey: 'wf', csvColumn: 'weights',
    help: 'A weights JSON (from `cli train --out` or the training panel) for hedgehog / ffk; its d, features and layers must match the run. CLI: --set weights=FILE.json.',
  },
  {
    name: 'projection', label: 'FAVOR+ projection', type: 'file', default: '', urlKey: 'proj', csvColumn: 'projection',
    help: 'An .npy of shape features×d used as FAVOR+\'s projection exactly as given (no orthogonalization, no rescaling); empty = seeded orthogonal random features. CLI: --set projection=FILE.npy.',
  },
];

export interface LinearParams {
  kernel: KernelId;
  features: number;
  layers: number;
  hyperbolic: boolean;
  kseed: number;
  eps: number;
  weightsFrom: WeightSource;
  weights: string;
  projection: string;
}

export function linearParams(p: ParamValues): LinearParams {
  const kernel = String(p.kernel ?? 'ffk') as KernelId;
  if (!KERNELS.includes(kernel)) throw new Error(`kernel must be one of ${KERNELS.join(', ')}, got ${String(p.kernel)}`);
  const weightsFrom = String(p.weightsFrom ?? 'auto') as WeightSource;
  return {
    kernel,
    features: Number(p.features ?? 64),
    layers: Number(p.layers ?? 2),
    hyperbolic: Boolean(p.hyperbolic ?? false),
    kseed: Number(p.kseed ?? 0),
    eps: Number(p.eps ?? 1e-6),
    weightsFrom,
    weights: String(p.weights ?? ''),
    projection: String(p.projection ?? ''),
  };
}

export function archOf(lp: LinearParams, d: number): TrainableArch | undefined {
  if (lp.kernel === 'hedgehog') return { kernel: 'hedgehog', d, features: d, layers: 1 };
  if (lp.kernel === 'ffk') return { kernel: 'ffk', d, features: lp.features, layers: lp.layers };
  return undefined;
}

/** D of the configured kernel at head dimension d. */
export function dimOf(lp: LinearParams, d: number): number {
  return featureDim(lp.kernel, d, lp.features, lp.hyperbolic);
}

/** Problems with a configuration that need no file's contents ([] = ok). */
export function validateLinear(lp: LinearParams, d: number): string[] {
  const errs: string[] = [];
  const D = dimOf(lp, d);
  if (D > MAX_FEATURE_DIM) {
    errs.push(`${lp.kernel} at d = ${d}${lp.kernel === 'favor' ? `, features = ${lp.features}${lp.hyperbolic ? ' (hyperbolic: 2×)' : ''}` : ''} has D = ${D} features; the engine handles at most ${MAX_FEATURE_DIM}`);
  }
  if (lp.weights && !isTrainable(lp.kernel)) errs.push(`weights=${lp.weights} is for the trainable kernels (hedgehog, ffk); kernel is ${lp.kernel}`);
  if (lp.weights && lp.weightsFrom === 'init') errs.push(`weights=${lp.weights} and weightsFrom=${lp.weightsFrom} contradict: a weights file is used as given (leave weightsFrom at auto)`);
  if (lp.projection && lp.kernel !== 'favor') errs.push(`projection=${lp.projection} is for kernel favor; kernel is ${lp.kernel}`);
  if (!(lp.eps >= 0)) errs.push(`eps must be ≥ 0, got ${lp.eps}`);
  if (lp.weightsFrom === 'session' && isTrainable(lp.kernel) && !lp.weights) {
    errs.push(`no ${lp.kernel} weights in this session yet: train or load them in the training panel, or choose other weights`);
  }
  return errs;
}

// ------------------------------------------------------------------ resolution

const cache = new Map<string, KernelSpec>();
const CACHE_MAX = 16;

function cacheKey(lp: LinearParams, d: number): string | undefined {
  // a file's bytes can change under the same name (a new pick, new session weights): specs
  // made from files are not cached here (their parses are, by the bytes)
  if (lp.weights || lp.projection) return undefined;
  return JSON.stringify([lp.kernel, d, lp.features, lp.layers, lp.hyperbolic, lp.kseed, lp.weightsFrom]);
}

function remember(key: string | undefined, spec: KernelSpec): KernelSpec {
  if (key) {
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(key, spec);
  }
  return spec;
}

/** The bytes of the file parameter `param` names, from the run's files (a clear error naming it when they are absent). */
function fileBytes(files: FileMap | undefined, param: 'weights' | 'projection', name: string): Uint8Array {
  const bytes = files?.get(name);
  if (!bytes) {
    const label = linearParamSpecs.find((s) => s.name === param)!.label;
    throw new Error(`${param}=${name}: the file's contents were not given (${label}: the command line reads it from disk, the page from the file picked for it)`);
  }
  return bytes;
}

const parsedWeights = new WeakMap<Uint8Array, TrainableWeights>();
const parsedNpy = new WeakMap<Uint8Array, NpyArray>();

function weightsFile(files: FileMap | undefined, name: string): TrainableWeights {
  const bytes = fileBytes(files, 'weights', name);
  let w = parsedWeights.get(bytes);
  if (!w) {
    w = parseWeights(new TextDecoder().decode(bytes), name);
    parsedWeights.set(bytes, w);
  }
  return w;
}

function projectionFile(files: FileMap | undefined, name: string, m: number, d: number): Float64Array {
  const bytes = fileBytes(files, 'projection', name);
  let npy = parsedNpy.get(bytes);
  if (!npy) {
    npy = parseNpy(bytes, name);
    parsedNpy.set(bytes, npy);
  }
  if (npy.shape.length !== 2 || npy.shape[0] !== m || npy.shape[1] !== d) {
    throw new Error(`${name}: FAVOR+ projection must have shape (features, d) = (${m}, ${d}), got (${npy.shape.join(', ')}); set features=${npy.shape[0] ?? '?'} to match it`);
  }
  const w = Float64Array.from(npy.data);
  if (!w.every(Number.isFinite)) throw new Error(`${name}: the projection has non-finite entries`);
  return w;
}

function trainedSpec(lp: LinearParams, d: number, w: TrainableWeights, source: string, untrained = false): KernelSpec {
  const arch = archOf(lp, d)!;
  const errs = archMismatch(w.arch, arch, source);
  if (errs.length) throw new Error(errs.join('; '));
  return { kernel: lp.kernel, d, dim: dimOf(lp, d), arch, params: w.params, source, untrained };
}

function initSpec(lp: LinearParams, d: number, why: string): KernelSpec {
  const arch = archOf(lp, d)!;
  return { kernel: lp.kernel, d, dim: dimOf(lp, d), arch, params: initParams(arch, lp.kseed), source: why, untrained: true };
}

/**
 * The feature map of `p` at head dimension d, synchronously: the files its parameters name
 * come from `files` (the run's FileMap), shipped weights from their cache (resolveKernel
 * loads them). Throws a clear error when something is missing.
 */
export function resolveKernelSync(p: ParamValues, d: number, files?: FileMap): KernelSpec {
  const lp = linearParams(p);
  const errs = validateLinear(lp, d);
  if (errs.length) throw new Error(errs.join('; '));
  const key = cacheKey(lp, d);
  const hit = key && cache.get(key);
  if (hit) return hit;
  const D = dimOf(lp, d);
  switch (lp.kernel) {
    case 'elu1':
    case 'relu':
      return remember(key, { kernel: lp.kernel, d, dim: D, source: lp.kernel });
    case 'favor': {
      const m = lp.features;
      const projection = lp.projection ? projectionFile(files, lp.projection, m, d) : favorProjection(m, d, lp.kseed);
      const source = lp.projection ? `projection ${lp.projection}` : `orthogonal random features (seed ${lp.kseed})`;
      return remember(key, { kernel: 'favor', d, dim: D, m, projection, hyperbolic: lp.hyperbolic, source });
    }
    case 'hedgehog':
    case 'ffk': {
      const arch = archOf(lp, d)!;
      if (lp.weights) {
        const w = weightsFile(files, lp.weights);
        return trainedSpec(lp, d, w, lp.weightsFrom === 'session' ? `the session weights (${lp.weights})` : `weights ${lp.weights}`);
      }
      if (lp.weightsFrom === 'init') return remember(key, initSpec(lp, d, `untrained initialization (seed ${lp.kseed})`));
      const shipped = findShipped(arch);
      if (!shipped) return remember(key, initSpec(lp, d, `untrained initialization (seed ${lp.kseed}): no shipped weights for ${archLabel(arch)}`));
      const w = shippedWeightsSync(shipped);
      if (!w) throw new Error(`the shipped weights ${shipped.file} are not loaded yet (resolveKernel fetches them)`);
      return remember(key, trainedSpec(lp, d, w, `shipped weights public/kernels/${shipped.file}`));
    }
  }
}

/** resolveKernelSync, after loading the shipped weights it needs. */
export async function resolveKernel(p: ParamValues, d: number, files?: FileMap): Promise<KernelSpec> {
  const lp = linearParams(p);
  const arch = archOf(lp, d);
  if (arch && !lp.weights && lp.weightsFrom === 'auto') {
    const shipped = findShipped(arch);
    if (shipped) await shippedWeights(shipped);
  }
  return resolveKernelSync(p, d, files);
}
