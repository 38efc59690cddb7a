// The user's colour scheme (prefers-color-scheme), live: the CSS themes itself, but Plotly
// draws with explicit colours and must re-draw when the scheme changes.
import { useSyncExternalStore } from 'react';

const QUERY = '(prefers-color-scheme: dark)';

function subscribe(onChange: () => void): () => void {
  const mql = window.matchMedia(QUERY);
  mql.addEventListener('change', onChange);
  return () => mql.removeEventListener('change', onChange);
}

const snapshot = (): 'dark' | 'light' => (window.matchMedia(QUERY).matches ? 'dark' : 'light');

export function useColorScheme(): 'dark' | 'light' {
  return useSyncExternalStore(subscribe, snapshot, () => 'light');
}
