// Linear attention with a kernel feature map (docs/spec/variants.md §4): one engine, five kernels
// (elu+1, ReLU, FAVOR+, Hedgehog, the trainable feed-forward kernel), the page's panel that
// trains the trainable ones, and the CLI's `train` command that does the same.
import type { AttentionVariant, Extra, FileMap, Shape } from '../types';
import type { ParamValues } from '../../params/schema';
import { linearReference } from './reference';
import { costSpec, linearCost } from './cost';
import { archOf, dimOf, linearParamSpecs, linearParams, resolveKernel, resolveKernelSync, validateLinear } from './params';
import { archLabel, findShipped } from './weights';
import { HELP_TRAIN } from './train/config';

/** Largest head / value dimension of the engine (its private arrays and vec4 tiles). */
export const LINEAR_MAX_DIM = 256;

function notes(shape: Shape, p: ParamValues): Extra[] {
  const lp = linearParams(p);
  const D = dimOf(lp, shape.d);
  const out: Extra[] = [];
  const arch = archOf(lp, shape.d);
  switch (lp.kernel) {
    case 'favor':
      out.push({
        kind: 'note', id: 'linear-favor', tone: 'info',
        text: `FAVOR+ with ${lp.features} ${lp.projection ? 'given' : 'orthogonal random'} features${lp.hyperbolic ? ' (hyperbolic: D = 2m)' : ''}: an unbiased estimate of exp(q·k/√d) whose error falls like m^(−1/2); large-norm queries or keys need many more features.`,
      });
      break;
    case 'relu':
    case 'elu1':
      out.push({ kind: 'note', id: 'linear-fixed', tone: 'info', text: `${lp.kernel === 'elu1' ? 'elu+1' : 'ReLU'} is a fixed map with D = d = ${shape.d} features: cheap, but it does not approximate softmax attention; compare its map with the exact one.` });
      break;
  }
  if (arch) {
    if (lp.weightsFrom === 'session') {
      out.push({ kind: 'note', id: 'linear-weights', tone: 'info', text: lp.weights ? `Weights trained or loaded in this session (${lp.weights}).` : 'No session weights yet: train or load them in the training panel.' });
    } else if (lp.weights) {
      out.push({ kind: 'note', id: 'linear-weights', tone: 'info', text: `Weights from ${lp.weights}.` });
    } else if (lp.weightsFrom === 'init') {
      out.push({ kind: 'note', id: 'linear-weights', tone: 'warning', text: `Untrained ${lp.kernel} (its initialization, seed ${lp.kseed}): train it in the training panel or with \`npm run cli -- train\`.` });
    } else {
      const shipped = findShipped(arch);
      out.push(
        shipped
          ? { kind: 'note', id: 'linear-weights', tone: 'info', text: `Trained weights shipped with the playground: public/kernels/${shipped.file} (${shipped.summary}).` }
          : { kind: 'note', id: 'linear-weights', tone: 'warning', text: `No trained weights ship for ${archLabel(arch)}: running the UNTRAINED initialization. Train it in the training panel or with \`npm run cli -- train\`.` },
      );
    }
  }
  if (D > 256) out.push({ kind: 'note', id: 'linear-big-d', tone: 'info', text: `D = ${D} features: each query row keeps φ(q) (${D} floats) in private memory; expect spills on GPUs.` });
  return out;
}

export const linearVariant: AttentionVariant = {
  id: 'linear',
  label: 'Linear attention (kernel feature map)',
  summary: 'φ(Q)(φ(K)ᵀV) normalized by φ(Q)Σφ(K): O(N·D·d) time and O(D·d) state, with elu+1, ReLU, FAVOR+, Hedgehog or a trainable feed-forward kernel φ.',
  params: linearParamSpecs,
  supports: { causal: true, map: true },
  tolerance: { abs: 1e-5, rel: 1e-5, absScale: 'rms' },
  validate(shape: Shape, p: ParamValues, files?: FileMap) {
    let lp;
    try {
      lp = linearParams(p);
    } catch (e) {
      return [(e as Error).message];
    }
    const errs: string[] = [];
    if (shape.d > LINEAR_MAX_DIM || shape.dv > LINEAR_MAX_DIM) {
      errs.push(`linear attention supports head dimensions up to ${LINEAR_MAX_DIM}; got d = ${shape.d}, dv = ${shape.dv}`);
    }
    errs.push(...validateLinear(lp, shape.d));
    // the files are parsed now, so a bad file is a clear validation message, not a failed run
    if (!errs.length && (lp.weights || lp.projection)) {
      try {
        resolveKernelSync(p, shape.d, files);
      } catch (e) {
        errs.push((e as Error).message);
      }
    }
    return errs;
  },
  notes,
  // (the shipped weights, when p uses them, must be loaded: resolveKernel or a plan does it)
  reference: (x, p, files) => linearReference(x, resolveKernelSync(p, x.shape.d, files), linearParams(p).eps),
  // the kernels (WGSL) load with the first plan, not with the registry
  plan: async (gpu, shape, p, inputs, files) => {
    const spec = await resolveKernel(p, shape.d, files);
    return (await import('./plan')).planLinear(gpu, shape, spec, linearParams(p).eps, inputs);
  },
  cost: (shape, p) => linearCost(shape, costSpec(linearParams(p), shape.d)),
  panels: [{ title: 'Linear attention: train the kernel (Hedgehog, ffk)', load: () => import('./panel-training') }],
  commands: [{ name: 'train', help: HELP_TRAIN, load: () => import('./cli-train') }],
};
