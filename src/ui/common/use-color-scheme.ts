// The page's colour scheme, live: the user's choice (Theme: auto | light | dark, kept in
// localStorage, or `?theme=` in the link) over the system's prefers-color-scheme. The CSS
// themes itself from `data-theme` on <html>; Plotly draws with explicit colours and must
// re-draw when the scheme changes, hence this hook.
import { useSyncExternalStore } from 'react';

const QUERY = '(prefers-color-scheme: dark)';
const STORAGE_KEY = 'attention-playground-theme';

export type ThemeChoice = 'auto' | 'light' | 'dark';

const listeners = new Set<() => void>();
let choice: ThemeChoice = 'auto';

function readStored(): ThemeChoice {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'light' || v === 'dark' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

function apply(): void {
  const root = document.documentElement;
  if (choice === 'auto') delete root.dataset.theme;
  else root.dataset.theme = choice;
  for (const l of listeners) l();
}

/** Sets up the theme before the first render: `forced` (from the link) wins over the stored choice. */
export function initTheme(forced?: 'light' | 'dark'): void {
  choice = forced ?? readStored();
  apply();
  window.matchMedia(QUERY).addEventListener('change', () => {
    for (const l of listeners) l();
  });
}

export function setThemeChoice(next: ThemeChoice, remember = true): void {
  choice = next;
  if (remember) {
    try {
      if (next === 'auto') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // storage may be unavailable (private mode, sandboxed iframe): the choice holds for this page
    }
  }
  apply();
}

function subscribe(onChange: () => void): () => void {
  listeners.add(onChange);
  return () => listeners.delete(onChange);
}

export function useThemeChoice(): ThemeChoice {
  return useSyncExternalStore(subscribe, () => choice, () => 'auto');
}

const effective = (): 'dark' | 'light' => (choice !== 'auto' ? choice : window.matchMedia(QUERY).matches ? 'dark' : 'light');

export function useColorScheme(): 'dark' | 'light' {
  return useSyncExternalStore(subscribe, effective, () => 'light');
}
