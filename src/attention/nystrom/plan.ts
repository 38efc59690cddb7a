// GPU plan of Nyström attention (docs/spec/variants.md §1): segment-mean landmarks, the three
// softmaxes, the iterative pseudo-inverse and Y = F·(Z·(B·V)) evaluated right to left, for
// all heads in each dispatch. The display map Ŝ = F·Z·B is computed on request.
import type { Gpu } from '../../gpu/gpu';
import { GpuError } from '../../gpu/errors';
import { runForward } from '../../gpu/timing';
import type { Extra, GpuInputs, MapRequest, MapWindow, Plan, Shape } from '../types';
import { checkMapRequest } from '../map-request';
import { bvSplits } from './sizes';
import { Allocations, packParts, submitParts, type Step } from '../../gpu/plan-kit';
import { NystromKernels } from './kernels';
import { pinvResidual, segmentOfToken } from './reference';

export interface NystromPlanOptions {
  /** landmarks to use instead of segment means: H×m×d each, already scaled by d^(−1/4) */
  landmarks?: { q: GPUBuffer; k: GPUBuffer };
  /** label prefix of the buffers (the stream engine plans several) */
  label?: string;
}

export interface NystromPlan extends Plan {
  /** H×N×m softmax(Q̂K̃ᵀ) */
  readonly f: GPUBuffer;
  /** H×m×N softmax(Q̃K̂ᵀ) */
  readonly b: GPUBuffer;
  /** H×m×m softmax(Q̃K̃ᵀ) */
  readonly a: GPUBuffer;
  /** H×m×m result of the iteration */
  readonly z: GPUBuffer;
  /** every step of one forward, in order (the stream engine encodes them inside its own passes) */
  readonly steps: Step[];
}

export async function planNystrom(gpu: Gpu, shape: Shape, m: number, iters: number, inputs: GpuInputs, opts: NystromPlanOptions = {}): Promise<NystromPlan> {
  const { n, d, dv, heads: H } = shape;
  const L = opts.label ?? 'nystrom';
  const kernels = await NystromKernels.load(gpu);
  const own = new Allocations(gpu);
  const output = own.buffer(`${L}.output`, H * n * dv);
  const ql = opts.landmarks?.q ?? own.buffer(`${L}.Q̃`, H * m * d);
  const kl = opts.landmarks?.k ?? own.buffer(`${L}.K̃`, H * m * d);
  const f = own.buffer(`${L}.F (H×N×m)`, H * n * m);
  const b = own.buffer(`${L}.B (H×m×N)`, H * m * n);
  const a = own.buffer(`${L}.A`, H * m * m);
  const [z0, z1, p, u, w] = ['Z', 'Z′', 'P', 'U', 'W'].map((x) => own.buffer(`${L}.pinv.${x}`, H * m * m));
  const bv = own.buffer(`${L}.BV`, H * m * dv);
  const zbv = own.buffer(`${L}.Z·BV`, H * m * dv);
  const splits = bvSplits(n);
  const scratch = splits > 1 ? { buffer: own.buffer(`${L}.BV partials`, H * splits * m * dv), splits } : undefined;
  const s4 = d ** -0.25;

  const steps: Step[] = [];
  if (!opts.landmarks) steps.push(kernels.landmarks(own, inputs.q, inputs.k, ql, kl, n, d, m, H));
  // F = softmax(Q̂·K̃ᵀ): q̂ = q·d^(−1/4), K̃ already scaled
  steps.push(...kernels.matmul(own, { label: `${L}.F`, x: inputs.q, y: kl, c: f, rows: n, inner: d, cols: m, batches: H, transY: true, alpha: s4 }));
  steps.push(...kernels.softmax(own, `${L}.softmaxF`, f, { cols: m, rowsPerBatch: n, batches: H }));
  // B = softmax(Q̃·K̂ᵀ)
  steps.push(...kernels.matmul(own, { label: `${L}.B`, x: ql, y: inputs.k, c: b, rows: m, inner: d, cols: n, batches: H, transY: true, alpha: s4 }));
  steps.push(...kernels.softmax(own, `${L}.softmaxB`, b, { cols: n, rowsPerBatch: m, batches: H }));
  // A = softmax(Q̃·K̃ᵀ)
  steps.push(...kernels.matmul(own, { label: `${L}.A`, x: ql, y: kl, c: a, rows: m, inner: d, cols: m, batches: H, transY: true }));
  steps.push(...kernels.softmax(own, `${L}.softmaxA`, a, { cols: m, rowsPerBatch: m, batches: H }));
  const pinv = kernels.pinv(own, a, z0, z1, p, u, w, m, H, iters);
  steps.push(...pinv.steps);
  const z = pinv.result;
  // Y = F·(Z·(B·V)), right to left
  steps.push(...kernels.matmul(own, { label: `${L}.BV`, x: b, y: inputs.v, c: bv, rows: m, inner: n, cols: dv, batches: H, splitScratch: scratch }));
  steps.push(...kernels.matmul(own, { label: `${L}.ZBV`, x: z, y: bv, c: zbv, rows: m, inner: m, cols: dv, batches: H }));
  steps.push(...kernels.matmul(own, { label: `${L}.Y`, x: f, y: zbv, c: output, rows: n, inner: m, cols: dv, batches: H }));

  const parts = packParts(steps, gpu.maxFlopsPerSubmit);
  const plan: NystromPlan = {
    parts: parts.length,
    encode: (pass, part) => {
      for (const s of parts[part]) s.encode(pass);
    },
    output,
    f,
    b,
    a,
    z,
    steps,
    get bytesAllocated() {
      return own.bytes;
    },
    readMap: (req) => readNystromMap(gpu, kernels, plan, shape, m, req),
    extras: () => nystromExtras(gpu, kernels, plan, shape, m, !opts.landmarks),
    destroy: () => own.releaseAll(),
  };
  return plan;
}

async function readNystromMap(gpu: Gpu, kernels: NystromKernels, plan: NystromPlan, shape: Shape, m: number, req: MapRequest): Promise<MapWindow> {
  const errs = checkMapRequest(shape, req);
  if (errs.length) throw new GpuError('validation', errs.join('; '));
  const { n } = shape;
  const h = req.head;
  return gpu.scoped('Nyström map', async () => {
    await runForward(gpu, plan, 'nystrom map forward');
    if (req.kind === 'rows') {
      const own = new Allocations(gpu);
      try {
        const g = own.buffer('nystrom.map.FZ', req.rows * m);
        const out = own.buffer('nystrom.map', req.rows * n);
        const steps = [
          ...kernels.matmul(own, { label: 'nystrom.map.FZ', x: plan.f, y: plan.z, c: g, rows: req.rows, inner: m, cols: m, batches: 1, xOff: (h * n + req.row0) * m, yOff: h * m * m }),
          ...kernels.matmul(own, { label: 'nystrom.map.FZB', x: g, y: plan.b, c: out, rows: req.rows, inner: m, cols: n, batches: 1, yOff: h * m * n }),
        ];
        await submitParts(gpu, steps, 'nystrom map');
        const data = await gpu.read(out, 0, req.rows * n * 4);
        return { kind: 'rows', head: h, data, rows: req.rows, cols: n, row0: req.row0, pool: 1, signed: true };
      } finally {
        own.releaseAll();
      }
    }
    // pooled overview: block means of F·Z·B = (pooled rows of F)·Z·(pooled columns of B), exact by linearity
    const pool = req.pool;
    const pc = Math.ceil(n / pool);
    const f = await gpu.read(plan.f, h * n * m * 4, n * m * 4);
    const z = await gpu.read(plan.z, h * m * m * 4, m * m * 4);
    const b = await gpu.read(plan.b, h * m * n * 4, m * n * 4);
    const fp = new Float64Array(pc * m);
    const bp = new Float64Array(m * pc);
    for (let i = 0; i < n; i++) for (let l = 0; l < m; l++) fp[Math.floor(i / pool) * m + l] += f[i * m + l];
    for (let l = 0; l < m; l++) for (let j = 0; j < n; j++) bp[l * pc + Math.floor(j / pool)] += b[l * n + j];
    for (let a = 0; a < pc; a++) {
      const cnt = Math.min(n, (a + 1) * pool) - a * pool;
      for (let l = 0; l < m; l++) {
        fp[a * m + l] /= cnt;
        bp[l * pc + a] /= cnt;
      }
    }
    const fz = new Float64Array(pc * m);
    for (let a = 0; a < pc; a++) for (let k = 0; k < m; k++) {
      const x = fp[a * m + k];
      for (let l = 0; l < m; l++) fz[a * m + l] += x * z[k * m + l];
    }
    const data = new Float32Array(pc * pc);
    for (let a = 0; a < pc; a++) for (let l = 0; l < m; l++) {
      const x = fz[a * m + l];
      for (let c = 0; c < pc; c++) data[a * pc + c] += x * bp[l * pc + c];
    }
    return { kind: 'pooled', head: h, data, rows: pc, cols: pc, row0: 0, pool, signed: true };
  });
}

/** Pinv residual ‖I − A·Z‖_F (f64 from the f32 matrices), Ŝ's row-sum deviation (on the GPU), the landmark segments. */
async function nystromExtras(gpu: Gpu, kernels: NystromKernels, plan: NystromPlan, shape: Shape, m: number, segments: boolean): Promise<Extra[]> {
  const { n, heads: H } = shape;
  const a = await gpu.read(plan.a, 0, H * m * m * 4);
  const z = await gpu.read(plan.z, 0, H * m * m * 4);
  let residual = 0;
  for (let h = 0; h < H; h++) residual = Math.max(residual, pinvResidual(a.subarray(h * m * m), z.subarray(h * m * m), m));
  // rows of Ŝ = F·Z·B sum to F·(Z·1), because every row of B sums to 1
  const own = new Allocations(gpu);
  let rowSumDev = 0;
  try {
    const ones = own.upload('nystrom.ones', new Float32Array(m).fill(1));
    const z1 = own.buffer('nystrom.Z·1', H * m);
    const rs = own.buffer('nystrom.rowsums', H * n);
    await submitParts(gpu, [
      ...kernels.matmul(own, { label: 'nystrom.Z1', x: plan.z, y: ones, c: z1, rows: m, inner: m, cols: 1, batches: H, yStride: 0 }),
      ...kernels.matmul(own, { label: 'nystrom.rowsums', x: plan.f, y: z1, c: rs, rows: n, inner: m, cols: 1, batches: H }),
    ], 'nystrom row sums');
    const sums = await gpu.read(rs, 0, H * n * 4);
    for (const s of sums) rowSumDev = Math.max(rowSumDev, Math.abs(s - 1));
    if (sums.some((s) => !Number.isFinite(s))) rowSumDev = NaN;
  } finally {
    own.releaseAll();
  }
  const extras: Extra[] = [
    {
      kind: 'metric', id: 'pinv-residual', label: 'pinv residual ‖I − A·Z‖_F', value: residual, csvColumn: 'pinv_residual',
      help: 'How far Z is from A’s inverse after the iterations (largest over heads). Each step maps the residual E to ¾E³ + ¼E⁴, so it falls fast once below 1.',
    },
    {
      kind: 'metric', id: 'row-sum-dev', label: 'Ŝ row-sum deviation (max)', value: rowSumDev, csvColumn: 'nystrom_row_sum_dev',
      help: 'max over all rows of |Σⱼ Ŝᵢⱼ − 1| for Ŝ = F·Z·B: Nyström’s implied map need not be a probability distribution.',
    },
  ];
  if (segments) {
    extras.push({
      kind: 'strip', id: 'landmark-segments', label: 'landmark segments', values: segmentOfToken(n, m), categorical: true,
      help: 'Which of the m contiguous segments (one landmark each: the mean of its q̂ and k̂) every token belongs to.',
    });
  }
  if (!Number.isFinite(residual) || !Number.isFinite(rowSumDev)) {
    extras.push({ kind: 'note', id: 'nystrom-non-finite', tone: 'warning', text: 'The pseudo-inverse or the map produced non-finite values: the landmark matrix A is too ill-conditioned for float32 at this m.' });
  } else if (residual >= 1) {
    extras.push({ kind: 'note', id: 'pinv-not-converged', tone: 'info', text: `After the iterations Z is still far from A⁻¹ (‖I − A·Z‖_F = ${residual.toPrecision(3)}): A is ill-conditioned. More iterations bring the output closer to Nyström with the exact pseudo-inverse (see its error below), not necessarily closer to exact attention.` });
  }
  return extras;
}
