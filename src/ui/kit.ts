// What a variant's own panels (src/attention/<id>/panel.tsx, mounted by the shell's variant
// panel slot) use of the page: plots, theme, number formats, downloads, metric lists and the
// map panels. Panels import this module, not the folders behind it, so that src/ui can be
// rearranged without touching the variants.
export type { VariantPanelProps } from '../attention/types';
export { downloadBlob } from './common/download';
export { formatMs, formatNumber } from './common/format';
export { MetricList } from './common/metric-list';
export { useColorScheme } from './common/use-color-scheme';
export { Figure } from './plots/figure';
export { themeColors } from './plots/figure-theme';
export { PALETTE, axis, baseLayout } from './plots/plot-style';
export { usePlotly } from './plots/use-plotly';
export { MapPanelsView } from './views/run/attention-maps';
