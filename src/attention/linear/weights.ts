// Weights of the trainable kernels (hedgehog, ffk) as JSON, and where a run gets them:
// - a file (`--set weights=FILE.json`, the CLI; read with node:fs),
// - the weights shipped with the playground (public/kernels/, listed in SHIPPED below;
//   fetched in the browser, read from the repository under Node),
// - the browser session (weights trained or loaded in the training panel),
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
}

export const SHIPPED: ShippedKernel[] = [
  {
    file: 'ffk-d64.json',
    arch: { kernel: 'ffk', d: 64, features: 64, layers: 2 },
    summary: 'distilled by `cli train` for 400 Adam steps on all four workloads (CE loss); held-out error 0.91 → 0.76',
  },
  {
    file: 'hedgehog-d64.json',
    arch: { kernel: 'hedgehog', d: 64, features: 64, layers: 1 },
    summary: 'distilled by `cli train` for 300 Adam steps on all four workloads (CE loss); held-out error 0.85 → 0.73',
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

// ------------------------------------------------------------------ session weights (browser)

const session = new Map<TrainableKernel, TrainableWeights>();
const sessionListeners = new Set<() => void>();

/** Weights the training panel trained or loaded, used by runs with weightsFrom = session. */
export function setSessionWeights(w: TrainableWeights): void {
  session.set(w.arch.kernel, { ...w, params: Float64Array.from(w.params) });
  for (const l of sessionListeners) l();
}

export function getSessionWeights(kernel: TrainableKernel): TrainableWeights | undefined {
  return session.get(kernel);
}

export function onSessionWeights(listener: () => void): () => void {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

// ------------------------------------------------------------------ files (Node) and shipped weights

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

type NodeFs = { readFileSync(path: string | URL): Uint8Array; existsSync(path: string | URL): boolean };

function nodeFs(): NodeFs | undefined {
  if (!isNode) return undefined;
  const get = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  return get ? (get('node:fs') as NodeFs) : undefined;
}

/** Reads a file synchronously under Node (the CLI and tests); throws a clear error in the browser. */
export function readFileNode(path: string, what: string): Uint8Array {
  const fs = nodeFs();
  if (!fs) throw new Error(`${what} files (${path}) can only be read by the command-line tool; in the browser use the training panel's "Load JSON"`);
  try {
    return fs.readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Under Node: public/kernels/<file> of the repository (searched upwards from this module and from the working directory). */
function shippedPathNode(file: string): string | undefined {
  const fs = nodeFs();
  if (!fs) return undefined;
  const starts: URL[] = [];
  try {
    starts.push(new URL('.', import.meta.url));
  } catch {
    /* no module URL */
  }
  starts.push(new URL(`file://${process.cwd().replace(/\/?$/, '/')}`));
  for (const start of starts) {
    if (start.protocol !== 'file:') continue;
    let dir = start;
    for (let i = 0; i < 8; i++) {
      const candidate = new URL(`public/kernels/${file}`, dir);
      if (fs.existsSync(candidate)) return decodeURIComponent(candidate.pathname);
      const up = new URL('..', dir);
      if (up.href === dir.href) break;
      dir = up;
    }
  }
  return undefined;
}

const shippedCache = new Map<string, TrainableWeights>();

/** The shipped weights `s`, synchronously when possible (Node, or already fetched); undefined otherwise. */
export function shippedWeightsSync(s: ShippedKernel): TrainableWeights | undefined {
  const hit = shippedCache.get(s.file);
  if (hit) return hit;
  const path = shippedPathNode(s.file);
  if (!path) return undefined;
  const w = parseWeights(new TextDecoder().decode(readFileNode(path, 'weights')), `public/kernels/${s.file}`);
  shippedCache.set(s.file, w);
  return w;
}

/** The shipped weights `s`: read from the repository under Node, fetched next to the page in the browser. */
export async function shippedWeights(s: ShippedKernel): Promise<TrainableWeights> {
  const sync = shippedWeightsSync(s);
  if (sync) return sync;
  if (isNode) throw new Error(`shipped weights public/kernels/${s.file} not found (searched upwards from the CLI and the working directory)`);
  const base = (import.meta as unknown as { env?: { BASE_URL?: string } }).env?.BASE_URL ?? './';
  const url = `${base}kernels/${s.file}`;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`cannot fetch the shipped weights ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new Error(`cannot fetch the shipped weights ${url}: HTTP ${res.status}`);
  const w = parseWeights(await res.text(), url);
  shippedCache.set(s.file, w);
  return w;
}
