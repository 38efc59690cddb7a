// Colours for Plotly figures, read from the page's CSS variables so that the plots follow
// the light or dark theme (re-read when useColorScheme() changes).
export interface FigureTheme {
  fg: string;
  muted: string;
  grid: string;
}

export function themeColors(): FigureTheme {
  const css = getComputedStyle(document.documentElement);
  const get = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return { fg: get('--fg', '#1a1a1a'), muted: get('--muted', '#555'), grid: get('--border', '#ddd') };
}
