// Weights of the trainable kernels (hedgehog, ffk) as JSON, and where a run gets them:
// - a file named by the `weights` parameter (`--set weights=FILE.json` on the command line,
//   the file picker in the page): its bytes come with the run's files (the contract's FileMap),
// - the browser session (weights trained or loaded in the training panel, which puts their
//   JSON into the page's files and names it in `weights`, with weightsFrom = session),
// - the weights shipped with the playground (public/kernels/, listed in SHIPPED below; loaded
//   as modules on first use, in the page, the CLI and the tests alike),
// - the untrained initialization (initParams).
//
// File format (version 1):
//   { "format": "attention-playground/linear-kernel", "version": 1,
//     "kernel": "ffk" | "hedgehog", "d": 64, "features": 64, "layers": 2,
//     "tensors": { "block0.Wo": [[…], …], "block0.bo": […], … },
//     "training": { free-form: how the weights were made } }
// Matrices are nested arrays, rows = output units (see kernels.ts); vectors are flat arrays.
// Every tensor of the architecture must be present with its exact shape and finite values.
import { paramCount, paramLayout, type TrainableArch, type TrainableKernel } from './kernels';

export const WEIGHTS_FORMAT = 'attention-playground/linear-kernel';
export const WEIGHTS_VERSION = 1;

export interface TrainableWeights {
  arch: TrainableArch;
  /** flat parameters in the layout of paramLayout(arch) */
  params: Float64Array;
  /** how they were made (trainer settings, losses, command line) */
  training?: Record<string, unknown>;
}

/** Weights shipped in public/kernels/ (made by `npm run cli -- train`, see docs/benchmarks-linear.md). */
export interface ShippedKernel {
  file: string;
  arch: TrainableArch;
  summary: string;
  /** the file's text (a lazily loaded module: the page downloads it only when a run needs it) */
  load: () => Promise<{ default: string }>;
}

export const SHIPPED: ShippedKernel[] = [
  {
    file: 'ffk-d64.json',
    arch: { kernel: 'ffk', d: 64, features: 64, layers: 2 },
    summary: 'distilled by `cli train` for 400 Adam steps on all four workloads (CE loss); held-out error 0.91 → 0.76',
    load: () => import('../../../public/kernels/ffk-d64.json?raw'),
  },
  {
    file: 'hedgehog-d64.json',
    arch: { kernel: 'hedgehog', d: 64, features: 64, layers: 1 },
    summary: 'distilled by `cli train` for 300 Adam steps on all four workloads (CE loss); held-out error 0.85 → 0.73',
    load: () => import('../../../public/kernels/hedgehog-d64.json?raw'),
  },
];

export function findShipped(arch: TrainableArch): ShippedKernel | undefined {
  return SHIPPED.find(
    (s) => s.arch.kernel === arch.kernel && s.arch.d === arch.d && s.arch.features === arch.features && s.arch.layers === arch.layers,
  );
}

export function archLabel(a: TrainableArch): string {
  return a.kernel === 'hedgehog' ? `hedgehog d=${a.d}` : `ffk d=${a.d} features=${a.features} layers=${a.layers}`;
}

/** JSON text of `w` (f32-exact: 9 significant digits). */
export function weightsToJson(w: TrainableWeights): string {
  const tensors: Record<string, number[] | number[][]> = {};
  const num = (x: number) => Number(x.toPrecision(9));
  for (const s of paramLayout(w.arch)) {
    if (s.cols === 1) tensors[s.name] = Array.from(w.params.subarray(s.offset, s.offset + s.rows), num);
    else {
      const rows: number[][] = [];
      for (let r = 0; r < s.rows; r++) rows.push(Array.from(w.params.subarray(s.offset + r * s.cols, s.offset + (r + 1) * s.cols), num));
      tensors[s.name] = rows;
    }
  }
  const body = {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    kernel: w.arch.kernel,
    d: w.arch.d,
    features: w.arch.features,
    layers: w.arch.layers,
    tensors,
    training: w.training ?? {},
  };
  // one line per matrix row keeps the file diffable without being huge
  return JSON.stringify(body, null, 1).replace(/\[\s+([-\d.e+,\s]+?)\s+\]/g, (_m, inner: string) => `[${inner.replace(/\s+/g, '')}]`) + '\n';
}

/** Parses and validates a weights file; every problem is one clear message naming `source`. */
export function parseWeights(text: string, source: string): TrainableWeights {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (!j || typeof j !== 'object') throw new Error(`${source}: expected a JSON object`);
  if (j.format !== WEIGHTS_FORMAT) throw new Error(`${source}: "format" must be "${WEIGHTS_FORMAT}", got ${JSON.stringify(j.format)}`);
  if (j.version !== WEIGHTS_VERSION) throw new Error(`${source}: unsupported version ${JSON.stringify(j.version)} (this build reads version ${WEIGHTS_VERSION})`);
  if (j.kernel !== 'ffk' && j.kernel !== 'hedgehog') throw new Error(`${source}: "kernel" must be "ffk" or "hedgehog", got ${JSON.stringify(j.kernel)}`);
  const int = (name: string) => {
    const v = j[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${source}: "${name}" must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const kernel = j.kernel as TrainableKernel;
  const arch: TrainableArch = { kernel, d: int('d'), features: int('features'), layers: int('layers') };
  if (kernel === 'hedgehog' && (arch.features !== arch.d || arch.layers !== 1)) {
    throw new Error(`${source}: hedgehog weights must have features = d and layers = 1, got features=${arch.features}, layers=${arch.layers}, d=${arch.d}`);
  }
  const tensors = j.tensors as Record<string, unknown> | undefined;
  if (!tensors || typeof tensors !== 'object') throw new Error(`${source}: no "tensors" object`);
  const params = new Float64Array(paramCount(arch));
  const slots = paramLayout(arch);
  for (const s of slots) {
    const t = tensors[s.name];
    if (t === undefined) throw new Error(`${source}: tensor "${s.name}" is missing (${archLabel(arch)} needs ${slots.map((x) => x.name).join(', ')})`);
    const flat: unknown[] = s.cols === 1 ? (t as unknown[]) : Array.isArray(t) ? (t as unknown[]).flatMap((r) => (Array.isArray(r) && r.length === s.cols ? r : [NaN, NaN])) : [];
    const shapeOk = Array.isArray(t) && (t as unknown[]).length === s.rows && flat.length === s.rows * s.cols;
    if (!shapeOk) throw new Error(`${source}: tensor "${s.name}" must be ${s.cols === 1 ? `a vector of ${s.rows}` : `${s.rows}×${s.cols} (rows = output units)`}`);
    for (let i = 0; i < flat.length; i++) {
      const x = flat[i];
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${source}: tensor "${s.name}" has a non-finite or non-numeric entry at ${i}`);
      params[s.offset + i] = x;
    }
  }
  for (const name of Object.keys(tensors)) {
    if (!slots.some((s) => s.name === name)) throw new Error(`${source}: unknown tensor "${name}" for ${archLabel(arch)}`);
  }
  const training = j.training && typeof j.training === 'object' ? (j.training as Record<string, unknown>) : undefined;
  return { arch, params, training };
}

/** Problems using weights of `have` where `want` is configured ([] = they fit). */
export function archMismatch(have: TrainableArch, want: TrainableArch, source: string): string[] {
  const errs: string[] = [];
  if (have.kernel !== want.kernel) errs.push(`${source} holds ${have.kernel} weights, but kernel=${want.kernel}`);
  else {
    if (have.d !== want.d) errs.push(`${source} was made for d = ${have.d}, this run has d = ${want.d}`);
    if (want.kernel === 'ffk' && have.features !== want.features) errs.push(`${source} has features = ${have.features}: set features=${have.features}`);
    if (want.kernel === 'ffk' && have.layers !== want.layers) errs.push(`${source} has layers = ${have.layers}: set layers=${have.layers}`);
  }
  return errs;
}

// ------------------------------------------------------------------ shipped weights

const shippedCache = new Map<string, TrainableWeights>();

/** The shipped weights `s` if they are loaded already (shippedWeights loads them). */
export function shippedWeightsSync(s: ShippedKernel): TrainableWeights | undefined {
  return shippedCache.get(s.file);
}

/** The shipped weights `s` (loaded once). */
export async function shippedWeights(s: ShippedKernel): Promise<TrainableWeights> {
  const hit = shippedCache.get(s.file);
  if (hit) return hit;
  let text: string;
  try {
    text = (await s.load()).default;
  } catch (e) {
    throw new Error(`cannot load the shipped weights public/kernels/${s.file}: ${(e as Error).message}`);
  }
  const w = parseWeights(text, `public/kernels/${s.file}`);
  shippedCache.set(s.file, w);
  return w;
}
