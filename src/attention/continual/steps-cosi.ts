// CoSi's steps (Hedegaard & Iosifidis 2023): the newest query attends to the window held in the
// ring buffers, y_t = softmax(q̂_t·K_Wᵀ)·V_W, one workgroup per head. Its batch run computes
// every row of the window that way (F.allRows: one workgroup per row).
import { F, windowByRows, type StreamStrategy } from './strategy';

export const cosiSteps: StreamStrategy = {
  kernels: ['cosi'],
  stateFloats: () => 1,
  landmarkFloats: () => 1,
  async prepare(ring) {
    return {
      step(s) {
        s.items.push(ring.kernel('cosi', 1));
      },
      window(w) {
        windowByRows(w, ring.cfg, 'cosi', w.flags | F.allRows);
      },
    };
  },
};
