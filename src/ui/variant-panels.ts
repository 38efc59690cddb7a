// Transitional: the panels of variants whose `panels` (src/attention/types.ts) are not filled
// yet, mounted by src/ui/shell/variant-panel-slot.tsx only when the variant declares none.
// Each entry goes away when its panel moves into the variant's folder.
import type { VariantPanel } from '../attention/types';

export type { VariantPanelProps } from '../attention/types';

/** variant id → panels shown below the generic ones, in order */
export const legacyPanels: Record<string, VariantPanel[]> = {
  cast: [{ title: 'CAST: surrogate tokens (load or fit S)', load: () => import('./cast-panel') }],
  cosi: [{ title: 'Stream: CoSi step by step', load: () => import('./stream-panel') }],
  core: [{ title: 'Stream: CoRe step by step', load: () => import('./stream-panel') }],
  conys: [{ title: 'Stream: Continual Nyström step by step', load: () => import('./stream-panel') }],
  linear: [{ title: 'Linear attention: train the kernel (Hedgehog, ffk)', load: () => import('./linear-training') }],
};
