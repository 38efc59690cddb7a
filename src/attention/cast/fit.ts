// Fitting CAST's surrogate tokens S to exact attention (docs/spec/variants.md §3: "optionally fit
// S … to minimize error against exact attention; gradients flow through A_q/A_k, not through
// the selection").
//
// Loss: L = Σ_{h,i,e} (O_hie − O*_hie)² / (H·N·dv), O* exact softmax attention. Every step
// runs a CAST forward with the current S (so the clusters follow S), then the gradient with
// the clusters held fixed:
//   w̃_ic = softmax over the non-empty clusters of A_q[i, :],   O_i = Σ_c w̃_ic·U_ic,
//   U_ic = Y^c_i (i ∈ I_c) or R_c = Σ_{j∈I_c} r^c_j·v_j, r^c = softmax_{j∈I_c}(A_k[j, c]);
//   G_i = ∂L/∂O_i;  ∂L/∂A_q[i,c] = w̃_ic·(G_i·U_ic − G_i·O_i);
//   gR_c = Σ_{i∉I_c} w̃_ic·G_i;  ∂L/∂A_k[j,c] = r^c_j·(gR_c·v_j − gR_c·R_c);
//   ∂L/∂S_c = (Σ_i ∂L/∂A_q[i,c]·q_i + Σ_{j∈I_c} ∂L/∂A_k[j,c]·k_j)/τ,
// and one Adam step. castFitGrad64 is the float64 form (tested against finite differences);
// fitSurrogates runs it on the GPU (shaders/cast/fit-*.wgsl).
import fitPrepWgsl from '../../../shaders/cast/fit-prep.wgsl';
import fitTokenWgsl from '../../../shaders/cast/fit-token.wgsl';
import fitSummaryWgsl from '../../../shaders/cast/fit-summary.wgsl';
import fitKeyWgsl from '../../../shaders/cast/fit-key.wgsl';
import fitSurrogateWgsl from '../../../shaders/cast/fit-surrogate.wgsl';
import fitAdamWgsl from '../../../shaders/cast/fit-adam.wgsl';
import type { Gpu } from '../../gpu/gpu';
import { packUniform, pow2Bucket } from '../../gpu/uniforms';
import { uniformLayout } from '../../gpu/wgsl';
import { Allocations } from '../../gpu/plan-kit';
import { runForward } from '../../gpu/timing';
import type { FileMap, GpuInputs, Inputs64, Shape } from '../types';
import type { ParamValues } from '../../params/schema';
import { baseline, baselineTimedParams, variantParams } from '../registry';
import { castAffinities, castConfig, castHead, type CastConfig } from './reference';
import { planCast } from './plan';

// ------------------------------------------------------------------------------ float64

export interface FitGrad {
  loss: number;
  /** ∂L/∂S, H×N_c×d */
  grad: Float64Array;
}

/**
 * Loss and gradient with respect to S (H×N_c×d) in float64, the clusters held fixed: those
 * selected with `members` (per head) when given, else the ones S itself selects.
 */
export function castFitGrad64(x: Inputs64, s: Float64Array, cfg: CastConfig, ostar: Float64Array, members?: number[][][]): FitGrad {
  const { n, d, dv, heads } = x.shape;
  const nc = cfg.clusters;
  const grad = new Float64Array(heads * nc * d);
  const scale = 2 / (heads * n * dv);
  const tau = Math.sqrt(d);
  let loss = 0;
  for (let h = 0; h < heads; h++) {
    const q = x.q.subarray(h * n * d, (h + 1) * n * d);
    const k = x.k.subarray(h * n * d, (h + 1) * n * d);
    const v = x.v.subarray(h * n * dv, (h + 1) * n * dv);
    const sh = s.subarray(h * nc * d, (h + 1) * nc * d);
    const fwd = castHead(q, k, v, Float64Array.from(sh), n, d, dv, cfg, { members: members?.[h] });
    const mem = fwd.members;
    const { ak, w } = castAffinities(q, k, sh, n, d, nc, cfg.affinity);
    const o = fwd.out;
    const os = ostar.subarray(h * n * dv, (h + 1) * n * dv);
    const g = new Float64Array(n * dv);
    for (let x0 = 0; x0 < n * dv; x0++) {
      const diff = o[x0] - os[x0];
      loss += diff * diff;
      g[x0] = scale * diff;
    }
    // w̃ over the non-empty clusters
    const wt = new Float64Array(n * nc);
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let c = 0; c < nc; c++) if (mem[c].length) z += w[i * nc + c];
      for (let c = 0; c < nc; c++) wt[i * nc + c] = mem[c].length ? w[i * nc + c] / z : 0;
    }
    const dot = (a: Float64Array, ao: number, b: ArrayLike<number>, bo: number, len: number) => {
      let t = 0;
      for (let e = 0; e < len; e++) t += a[ao + e] * b[bo + e];
      return t;
    };
    for (let c = 0; c < nc; c++) {
      const I = mem[c];
      if (!I.length) continue;
      // summary and its weights
      let rmax = -Infinity;
      for (const j of I) rmax = Math.max(rmax, ak[j * nc + c]);
      const r = I.map((j) => Math.exp(ak[j * nc + c] - rmax));
      const rs = r.reduce((a, b) => a + b, 0);
      const R = new Float64Array(dv);
      I.forEach((j, t) => {
        r[t] /= rs;
        for (let e = 0; e < dv; e++) R[e] += r[t] * v[j * dv + e];
      });
      const member = new Map(I.map((j, t) => [j, t]));
      // intra-cluster rows of the members
      const Y = new Float64Array(I.length * dv);
      I.forEach((i, t) => {
        const sc = I.map((j) => dot(q as Float64Array, i * d, k, j * d, d) / tau);
        const m = Math.max(...sc);
        const p = sc.map((x0) => Math.exp(x0 - m));
        const ps = p.reduce((a, b) => a + b, 0);
        I.forEach((j, u) => {
          for (let e = 0; e < dv; e++) Y[t * dv + e] += (p[u] / ps) * v[j * dv + e];
        });
      });
      // ∂L/∂A_q[:, c] and gR_c
      const gR = new Float64Array(dv);
      for (let i = 0; i < n; i++) {
        const wi = wt[i * nc + c];
        if (wi === 0) continue;
        const t = member.get(i);
        const gu = t === undefined ? dot(g, i * dv, R, 0, dv) : dot(g, i * dv, Y, t * dv, dv);
        const daq = wi * (gu - dot(g, i * dv, o, i * dv, dv));
        for (let e = 0; e < d; e++) grad[(h * nc + c) * d + e] += (daq * q[i * d + e]) / tau;
        if (t === undefined) for (let e = 0; e < dv; e++) gR[e] += wi * g[i * dv + e];
      }
      const grr = dot(gR, 0, R, 0, dv);
      I.forEach((j, t) => {
        const dak = r[t] * (dot(gR, 0, v, j * dv, dv) - grr);
        for (let e = 0; e < d; e++) grad[(h * nc + c) * d + e] += (dak * k[j * d + e]) / tau;
      });
    }
  }
  return { loss: loss / (heads * n * dv), grad };
}

// ------------------------------------------------------------------------------ GPU

const FIT_SHADERS = {
  prep: fitPrepWgsl,
  token: fitTokenWgsl,
  summary: fitSummaryWgsl,
  key: fitKeyWgsl,
  surrogate: fitSurrogateWgsl,
  adam: fitAdamWgsl,
};

export interface FitOptions {
  steps: number;
  /** Adam learning rate */
  lr: number;
  beta1?: number;
  beta2?: number;
  /** initial surrogates (H×N_c×d); from the params when absent */
  surrogates?: Float32Array;
  /** the bytes of the surrogate file the params name (surrogates = file) */
  files?: FileMap;
  /** after each step: the step (1-based), the loss at the S the step started from */
  onStep?: (step: number, loss: number) => void;
  signal?: AbortSignal;
}

export interface FitResult {
  /** fitted H×N_c×d surrogates */
  surrogates: Float32Array;
  /** losses[t] = loss at the surrogates after t steps (losses[0]: the initial S) */
  losses: number[];
}

/** What one fitting step's gradient is, read back (tests). */
export interface FitProbe {
  loss: number;
  grad: Float32Array;
  members: number[][][];
}

/**
 * Fits S by `steps` Adam steps on the GPU. Exact attention (flash) is computed once; each
 * step is a CAST forward, the gradient kernels and the update, and the step's loss is read
 * back for the curve. A last forward measures the loss of the fitted S.
 */
export async function fitSurrogates(gpu: Gpu, shape: Shape, p: ParamValues, inputs: GpuInputs, opts: FitOptions): Promise<FitResult> {
  const run = await fitRunner(gpu, shape, p, inputs, opts.surrogates, opts.files);
  try {
    const losses: number[] = [];
    const b1 = opts.beta1 ?? 0.9;
    const b2 = opts.beta2 ?? 0.999;
    for (let t = 1; t <= opts.steps; t++) {
      if (opts.signal?.aborted) throw new DOMException('cancelled', 'AbortError');
      const loss = await run.step({ lr: opts.lr, beta1: b1, beta2: b2, t, update: true });
      losses.push(loss);
      opts.onStep?.(t, loss);
    }
    losses.push(await run.step({ lr: 0, beta1: b1, beta2: b2, t: 1, update: false }));
    const surrogates = await gpu.read(run.plan.buffers.s, 0, run.sLength * 4);
    return { surrogates, losses };
  } finally {
    run.destroy();
  }
}

/** One forward and gradient at the given surrogates, read back (tests of the kernels). */
export async function probeFitGradient(gpu: Gpu, shape: Shape, p: ParamValues, inputs: GpuInputs, surrogates: Float32Array): Promise<FitProbe> {
  const run = await fitRunner(gpu, shape, p, inputs, surrogates);
  try {
    const loss = await run.step({ lr: 0, beta1: 0.9, beta2: 0.999, t: 1, update: false });
    const grad = await gpu.read(run.gs, 0, run.sLength * 4);
    return { loss, grad, members: await run.plan.readSelection() };
  } finally {
    run.destroy();
  }
}

async function fitRunner(gpu: Gpu, shape: Shape, p: ParamValues, inputs: GpuInputs, surrogates?: Float32Array, files?: FileMap) {
  const { n, d, dv, heads } = shape;
  const cfg = castConfig(n, p);
  const nc = cfg.clusters;
  const kappa = cfg.kappa;
  const plan = await planCast(gpu, shape, p, inputs, { surrogates }, files);
  const own = new Allocations(gpu);
  const temps: { destroy(): void }[] = [plan];
  const destroy = () => {
    own.releaseAll();
    for (const t of temps) t.destroy();
  };
  try {
    // exact attention O*: the baseline's timed kernel (flash)
    const exact = await baseline.plan(gpu, shape, variantParams(baseline, baselineTimedParams), inputs);
    temps.push(exact);
    await gpu.scoped('CAST fitting: exact attention', () => runForward(gpu, exact, 'cast.fit exact'));
    const { dv4, sb } = plan.sizes;
    const gzStride = dv4 * 4 + 2;
    const sLength = heads * nc * d;
    const mk = (label: string, floats: number) => own.buffer(`cast.fit ${label}`, floats);
    const gz = mk('G per token', heads * n * gzStride);
    const daq = mk('dA_q', heads * nc * n);
    const gr = mk('gR', heads * nc * dv4 * 4);
    const dak = mk('dA_k', heads * nc * kappa);
    const gs = mk('dS', sLength);
    const mom = mk('Adam moments', sLength * 2);
    gpu.fill(mom, 0);
    const wg = sb * sb;
    const dcols = Math.min(pow2Bucket(d, 1), wg);
    // one uniform for every fitting kernel (the forward's values and the step's, rewritten per step)
    const layout = uniformLayout(fitPrepWgsl);
    const stepValues = (o: StepOptions) => ({
      ...plan.uniform,
      lossScale: 2 / (heads * n * dv), lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: 1e-8,
      c1: 1 - o.beta1 ** o.t, c2: 1 - o.beta2 ** o.t, gz: gzStride, dlanes: wg / dcols,
    });
    const pu = own.uniform('cast.fit params', packUniform(layout, stepValues({ lr: 0, beta1: 0.9, beta2: 0.999, t: 1, update: false })));
    const pipe = (k: keyof typeof FIT_SHADERS, defines?: Record<string, number>) => gpu.pipelines.get({ shader: FIT_SHADERS[k], entryPoint: 'main', defines });
    const [pPrep, pToken, pSummary, pKey, pSurrogate, pAdam] = await Promise.all([
      pipe('prep'),
      pipe('token'),
      pipe('summary', { SB: sb }),
      pipe('key'),
      pipe('surrogate', { SB: sb }),
      pipe('adam'),
    ]);
    const B = plan.buffers;
    const bgPrep = gpu.bindGroup(pPrep, 'cast.fit prep', [pu, plan.output, exact.output, B.cnt, B.w, gz]);
    const bgToken = gpu.bindGroup(pToken, 'cast.fit token', [pu, gz, B.w, B.slot, B.r, B.y, daq]);
    const bgSummary = gpu.bindGroup(pSummary, 'cast.fit summary', [pu, gz, B.w, B.slot, gr]);
    const bgKey = gpu.bindGroup(pKey, 'cast.fit key', [pu, gr, B.r, inputs.v, B.mem, B.cnt, B.rw, dak]);
    const bgSurrogate = gpu.bindGroup(pSurrogate, 'cast.fit surrogate', [pu, inputs.q, inputs.k, daq, dak, B.mem, B.cnt, gs]);
    const bgAdam = gpu.bindGroup(pAdam, 'cast.fit adam', [pu, gs, B.s, mom]);
    const tokenGroups = Math.ceil((heads * n) / 256);
    const lossBuf = gz;

    const step = async (o: StepOptions): Promise<number> => {
      gpu.device.queue.writeBuffer(pu, 0, packUniform(layout, stepValues(o)));
      return gpu.scoped('CAST fitting step', async () => {
        await runForward(gpu, plan, 'cast.fit forward');
        const enc = gpu.device.createCommandEncoder({ label: 'cast.fit gradient' });
        const pass = enc.beginComputePass({ label: 'cast.fit gradient' });
        gpu.dispatch(pass, pPrep, bgPrep, tokenGroups);
        gpu.dispatch(pass, pToken, bgToken, tokenGroups);
        gpu.dispatch(pass, pSummary, bgSummary, heads * nc);
        gpu.dispatch(pass, pKey, bgKey, heads * nc);
        gpu.dispatch(pass, pSurrogate, bgSurrogate, heads * nc);
        if (o.update) gpu.dispatch(pass, pAdam, bgAdam, Math.ceil(sLength / 256));
        pass.end();
        gpu.device.queue.submit([enc.finish()]);
        // the squared errors sit at the end of every token's GZ row
        const all = await gpu.read(lossBuf, 0, heads * n * gzStride * 4);
        let sq = 0;
        for (let x = 0; x < heads * n; x++) sq += all[x * gzStride + gzStride - 1];
        return sq / (heads * n * dv);
      });
    };
    return { plan, gs, sLength, step, destroy };
  } catch (e) {
    destroy();
    throw e;
  }
}

interface StepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  t: number;
  update: boolean;
}
