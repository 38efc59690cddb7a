// CoRe's steps (Hedegaard & Iosifidis 2023): every row of the window keeps its running softmax
// sums (offset, denominator, A·V row, in S). A step slides every row by one token — subtract
// the leaving key's term, add the arriving key's — one invocation per row (`coreSlide`); the
// newest row, every row on refresh steps and the rows where the cancellation guard trips are
// queued and recomputed over the window, one workgroup each, by an indirect dispatch
// (`coreRedo`). Its batch run recomputes every row as a refresh would (`core`, one workgroup
// per row).
import { F, windowByRows, type StreamStrategy } from './strategy';

export const coreSteps: StreamStrategy = {
  kernels: ['core', 'coreSlide', 'coreRedo'],
  // per head and row: offset, denominator, A·V row
  stateFloats: ({ heads, n, dv }) => heads * n * (2 + dv),
  landmarkFloats: () => 1,
  async prepare(ring) {
    return {
      step(s) {
        s.items.push(ring.kernel('coreSlide', Math.ceil(s.count / ring.wg)), ring.queued('coreRedo'));
      },
      window(w) {
        windowByRows(w, ring.cfg, 'core', w.flags | F.refresh);
      },
    };
  },
};
