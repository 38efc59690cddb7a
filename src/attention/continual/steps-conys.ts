// Continual Nyström's steps (Carreto Picón et al., arXiv 2412.03214): per landmark l the
// running U = Δ·V and δ (Δ = exp(Q̃·K̂_Wᵀ)) slide by one token (`nysLand`), the newest token's
// output is softmax(K̃·q̂_t)ᵀ·Z·(U⊘δ) (`nysOut`); retroactive output also keeps the window's
// rows of Φ = exp(Q̂_W·K̃ᵀ) and G = Φ·Z and re-emits every row (`nysPhi`, `nysRetroG`,
// `nysEmit`). Landmarks are fixed (given, scaled into the logit space at creation, A and Z
// computed once) or continual: the means of the last m blocks of N/m tokens (`nysBlockMean`),
// the oldest replaced whenever a block completes, with A = softmax(Q̃K̃ᵀ) and Z = pinv(A)
// recomputed on the GPU (Nyström's kernels) and copied next to the landmarks.
import { submitParts, type Step } from '../../gpu/plan-kit';
import { NystromKernels } from '../nystrom/kernels';
import { isLandmarkStep } from './ops';
import { F, type StreamStrategy } from './strategy';

export const conysSteps: StreamStrategy = {
  kernels: ['nysBlockMean', 'nysLand', 'nysPhi', 'nysOut', 'nysRetroG', 'nysEmit'],
  // per head: landmark offsets, δ, U, W = U⊘δ (m×dv), G (N×m), Φ row offsets, φ, Φ (N×m)
  stateFloats: ({ heads, n, m = 1, dv }) => heads * (2 * m + 2 * m * dv + 2 * n * m + 2 * n),
  // Q̃, K̃ (H×m×d each), then Z (H×m×m) at zOff
  landmarkFloats: ({ heads, m = 1, d }) => 2 * heads * m * d + heads * m * m,

  async prepare(ring) {
    const { gpu, own, cfg, label: L, zOff } = ring;
    const { n, d, dv, heads: H, iters } = cfg;
    const m = cfg.m ?? 1;
    const mBuf = ring.m;
    const retro = cfg.output === 'retroactive';
    const continual = cfg.landmarks === 'continual';
    const blockLen = Math.max(1, Math.floor(n / m));

    // A = softmax(Q̃K̃ᵀ), Z = pinvIter(A), copied next to the landmarks
    const kernels = await NystromKernels.load(gpu);
    const a = own.buffer(`${L}.A`, H * m * m);
    const [z0, z1, p, u, w] = ['Z', 'Z′', 'P', 'U', 'W'].map((x) => own.buffer(`${L}.pinv.${x}`, H * m * m));
    const big = Number.MAX_SAFE_INTEGER; // these steps are encoded inside a step, never cut
    const landmarkSteps: Step[] = [
      ...kernels.matmul(own, { label: `${L}.A`, x: mBuf, y: mBuf, c: a, rows: m, inner: d, cols: m, batches: H, xOff: 0, yOff: H * m * d, xStride: m * d, yStride: m * d, transY: true }, big),
      ...kernels.softmax(own, `${L}.softmaxA`, a, { cols: m, rowsPerBatch: m, batches: H }, big),
    ];
    const pinv = kernels.pinv(own, a, z0, z1, p, u, w, m, H, iters);
    landmarkSteps.push(...pinv.steps);
    landmarkSteps.push(...kernels.matmul(own, { label: `${L}.copyZ`, x: pinv.result, y: pinv.result, c: mBuf, rows: m, inner: m, cols: m, batches: H, cOff: zOff, sigma: 0, gamma: 1 }, big));

    return {
      async init() {
        if (continual) return;
        // fixed landmarks: scaled into the logit space, then A and Z once
        const s4 = d ** -0.25;
        const lm = new Float32Array(2 * H * m * d);
        lm.set(cfg.fixedLandmarks!.q.map((x) => x * s4), 0);
        lm.set(cfg.fixedLandmarks!.k.map((x) => x * s4), H * m * d);
        gpu.device.queue.writeBuffer(mBuf, 0, lm);
        await gpu.scoped('fixed landmarks: pseudo-inverse', () => submitParts(gpu, landmarkSteps, 'stream setup'));
      },

      step(s) {
        const { t, count, params } = s;
        params.blockLen = blockLen;
        if (continual && t < n - 1) return; // no landmarks before the first full window
        // the first full window of continual landmarks computes all of them; then one per completed block
        const init = continual && t === n - 1;
        const update = continual && !init && isLandmarkStep(t, n, m);
        if (init) {
          params.blk0 = 0;
          s.flags |= F.allCols;
          s.items.push(ring.kernel('nysBlockMean', m), ring.steps(landmarkSteps));
        } else if (update) {
          const j = (t + 1) / blockLen - 1;
          params.blk0 = j;
          params.newLm = j % m;
          s.flags |= F.update;
          s.items.push(ring.kernel('nysBlockMean', 1), ring.steps(landmarkSteps));
        }
        // the first step of fixed landmarks and the first full window of continual ones start the sums
        if (init || (!continual && t === 0)) s.refresh = true;
        s.items.push(ring.kernel('nysLand', m));
        if (retro && (init || update)) s.items.push(ring.kernel('nysPhi', count));
        s.items.push(ring.kernel('nysOut', 1));
        if (retro && (init || update)) s.items.push(ring.kernel('nysRetroG', count));
        if (retro) s.items.push(ring.kernel('nysEmit', Math.ceil(count / ring.wg)));
      },

      window(wp) {
        const slot = wp.slot({ flags: wp.flags | F.refresh | F.allCols, blk0: 0 });
        if (continual) {
          wp.kernel(slot, 'nysBlockMean', m, 2 * n * d * H);
          wp.steps(landmarkSteps);
        }
        wp.kernel(slot, 'nysLand', m, 4 * n * m * (d + dv) * H);
        wp.kernel(slot, 'nysPhi', n, 2 * n * m * d * H);
        wp.kernel(slot, 'nysOut', 1, 2 * m * (d + m + dv) * H);
        wp.kernel(slot, 'nysRetroG', n, 2 * n * m * m * H);
        wp.kernel(slot, 'nysEmit', Math.ceil(n / ring.wg), 2 * n * m * dv * H);
      },
    };
  },
};
