// The variant contract (docs/architecture.md "The variant contract"). Everything outside a
// variant's folder — UI controls and panels, URL keys, CSV columns, CLI flags and commands,
// validation, the conformance tests — is generic over it.
import type { ComponentType } from 'react';
import type { Gpu, GpuHost } from '../gpu/gpu';
import type { ParamSpec, ParamValues } from '../params/schema';

/** Per-run problem shape. Tensors are laid out H×N×d row-major (head-major). */
export interface Shape {
  n: number;
  d: number;
  /** value dimension; equals d unless the user's V says otherwise */
  dv: number;
  heads: number;
  causal: boolean;
}

/** Float64 inputs for the CPU reference: q, k are H×N×d, v is H×N×dv. */
export interface Inputs64 {
  shape: Shape;
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
}

export interface ReferenceResult {
  /** H×N×dv */
  out: Float64Array;
  /** H×N×N attention map (probabilities, or the implied/effective map), when supported */
  map?: Float64Array;
}

export interface Cost {
  /** floating-point operations of one forward (multiply and add count as 2) */
  flops: number;
  /** bytes of global-memory traffic of one forward (model, not measured) */
  bytes: number;
  /** bytes of GPU memory the plan allocates beyond the inputs */
  memory: number;
}

/** The GPU input buffers a plan binds (uploaded once by the runner, f32). */
export interface GpuInputs {
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
}

export type MapRequest =
  | { kind: 'rows'; head: number; row0: number; rows: number }
  | { kind: 'pooled'; head: number; pool: number };

export interface MapWindow {
  kind: MapRequest['kind'];
  head: number;
  /** row-major rows × cols */
  data: Float32Array;
  rows: number;
  cols: number;
  /** first query row (rows) — 0 for pooled */
  row0: number;
  /** pooling block edge (1 for rows) */
  pool: number;
  /** true when the map can be negative (diverging colour scale) */
  signed: boolean;
}

/**
 * Variant-specific results shown by the UI's generic "details" panel and written to the CSV
 * (metrics with a csvColumn): e.g. Nyström's pinv residual, Fastmax's positivity indicator,
 * CAST's coverage and its per-token cluster strip.
 */
export type Extra =
  | { kind: 'metric'; id: string; label: string; value: number | null; help?: string; csvColumn?: string }
  | { kind: 'note'; id: string; text: string; tone?: 'info' | 'warning' }
  /** one value per token along the sequence (a category index or a number), drawn as a strip */
  | { kind: 'strip'; id: string; label: string; values: ArrayLike<number>; categorical: boolean; help?: string };

/** A second reference some variants are also judged against (e.g. Fastmax: softmax of its own normalized logits). */
export interface AltReference {
  id: string;
  label: string;
  /** H×N×dv float64 output of the alternative reference (`files`: the run's file parameters' bytes) */
  out(x: Inputs64, p: ParamValues, files?: FileMap): Float64Array;
  /**
   * Its attention map over the rows [row0, row0 + rows) of head `head` (rows × N, float64), for a
   * panel that compares maps; the CPU worker computes it (`altReference`) off the page's thread.
   */
  mapRows?(x: Inputs64, p: ParamValues, head: number, row0: number, rows: number): Float64Array;
}

export interface Plan {
  /**
   * Number of parts one forward is split into. Each part is sized by the plan to stay well
   * inside one submit's time budget (gpu.maxFlopsPerSubmit); parts run in order.
   */
  readonly parts: number;
  /** Encode every dispatch of part `part` of one forward into a compute pass. */
  encode(pass: GPUComputePassEncoder, part: number): void;
  /** H×N×dv f32 output, fully rewritten by every forward */
  readonly output: GPUBuffer;
  /** bytes this plan allocated (outputs, scratch, uniforms) */
  readonly bytesAllocated: number;
  /** Reads a window of the attention map (runs its own kernels; the forward need not have run). */
  readMap?(req: MapRequest): Promise<MapWindow>;
  /** Variant-specific results after a forward has run (read from GPU buffers or derived). */
  extras?(): Promise<Extra[]>;
  destroy(): void;
}

export interface VariantSupports {
  causal: boolean;
  map: boolean;
}

/**
 * The bytes of the files that file-type parameters name, keyed by the parameter's value: a
 * path on the command line (read by the CLI), a picked file's name in the page (its file
 * picker). Variants never read files themselves.
 */
export type FileMap = ReadonlyMap<string, Uint8Array>;

/**
 * Elementwise tolerance of a GPU output (f32) against the float64 reference:
 * |gpu − ref| ≤ abs·S + rel·|ref|, with S = 1 (`absScale` 'one'), max|ref| ('max-abs') or the
 * RMS of ref ('rms'): approximations whose outputs are sums of many terms are judged relative
 * to the output's magnitude. Each variant's value is the one its own GPU tests hold it to.
 */
export interface Tolerance {
  abs: number;
  rel: number;
  absScale: 'one' | 'max-abs' | 'rms';
}

/** Props of a variant's own panel in the page. */
export interface VariantPanelProps {
  variantId: string;
}

/** A panel of the variant's own (a stream player, a training loop…), loaded only when shown. */
export interface VariantPanel {
  title: string;
  load: () => Promise<{ default: ComponentType<VariantPanelProps> }>;
}

/**
 * What the CLI gives a variant's command: argument parsing, files, output and the GPU. The
 * command module itself imports nothing of Node, so it can live in the variant's folder next to
 * code the page bundles.
 */
export interface CliHost {
  /** node:util parseArgs (strict, no positionals); a bad flag is a usage error (exit 2) */
  parseArgs<O extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string; default?: string | boolean | string[] | boolean[] }>>(
    args: string[],
    options: O,
  ): { values: { [K in keyof O]?: O[K]['type'] extends 'boolean' ? (O[K]['multiple'] extends true ? boolean[] : boolean) : O[K]['multiple'] extends true ? string[] : string } };
  readFile(path: string, what: string): Uint8Array;
  writeFile(path: string, data: string | Uint8Array): void;
  stdout(text: string): void;
  stderr(text: string): void;
  /** the device, opened on first use (Dawn in Node) */
  gpu(): GpuHost;
  /** bad arguments or input: prints `error: message` and exits with 2 */
  usage(message: string): never;
}

/** A command of the variant's own (`npm run cli -- NAME …`), listed by `cli help`. */
export interface VariantCommand {
  name: string;
  /** the usage block shown by `cli help` */
  help: string;
  load: () => Promise<{ run(args: string[], host: CliHost): Promise<number> }>;
}

export interface AttentionVariant {
  id: string;
  label: string;
  /** one sentence for the UI and `cli variants` */
  summary: string;
  params: ParamSpec[];
  supports: VariantSupports;
  /** Human-readable problems with this shape/params; [] = ok. */
  validate(shape: Shape, p: ParamValues, files?: FileMap): string[];
  /** Things the user should know about this configuration before running (shown by the controls). */
  notes?(shape: Shape, p: ParamValues): Extra[];
  /** Further references the output is compared with, besides exact softmax attention. */
  altReferences?: AltReference[];
  /** the float64 CPU reference of this variant (what its GPU plan must match within `tolerance`) */
  reference(x: Inputs64, p: ParamValues, files?: FileMap): ReferenceResult;
  plan(gpu: Gpu, shape: Shape, p: ParamValues, inputs: GpuInputs, files?: FileMap): Promise<Plan>;
  cost(shape: Shape, p: ParamValues): Cost;
  /** How far the GPU plan may be from `reference`; the conformance suite holds every variant to its own. */
  tolerance: Tolerance;
  /** the variant's own panels in the page, below the generic ones */
  panels?: VariantPanel[];
  /** the variant's own CLI commands (a family of variants may share one command object) */
  commands?: VariantCommand[];
}
