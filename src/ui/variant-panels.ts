// Variant-specific UI panels (a stream player, a training loss curve, surrogate fitting…),
// mounted by the app when that variant is selected. Everything generic — controls, maps,
// errors, timing, notes, metrics and strips from `Extra` — needs no entry here.
import type { ComponentType } from 'react';

export interface VariantPanelProps {
  variantId: string;
}

/** variant id → panels shown below the generic ones, in order */
export const variantPanels: Record<string, { title: string; component: () => Promise<{ default: ComponentType<VariantPanelProps> }> }[]> = {
  fastmax: [{ title: 'Fastmax: compare against', component: () => import('./fastmax-compare') }],
  cast: [{ title: 'CAST: surrogate tokens (load or fit S)', component: () => import('./cast-panel') }],
  cosi: [{ title: 'Stream: CoSi step by step', component: () => import('./stream-panel') }],
  core: [{ title: 'Stream: CoRe step by step', component: () => import('./stream-panel') }],
  conys: [{ title: 'Stream: Continual Nyström step by step', component: () => import('./stream-panel') }],
  linear: [{ title: 'Linear attention: train the kernel (Hedgehog, ffk)', component: () => import('./linear-training') }],
};
