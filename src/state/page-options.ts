// How the page is shown, from the query string (not the hash: these say how a page is
// embedded, the hash says what it shows):
//
//   ?embed                      only the chosen panels, no header, sized for an iframe
//   &panels=map,error,timing    the panels to show (PANELS; default map,error,timing)
//   &hide=seed,ls,variant       controls to hide: param names or URL keys, or `variant`
//   &deck=scenes/tour.json      a lecture deck (JSON list of scenes, same origin)
//   &theme=dark                 light | dark (default: the system's)
//
// See docs/ui.md for the embed API.

export const PANELS = ['controls', 'banner', 'notices', 'runbar', 'map', 'error', 'timing', 'details', 'variant', 'compare', 'sweep', 'csv', 'scenes'] as const;
export type Panel = (typeof PANELS)[number];

export const DEFAULT_EMBED_PANELS: Panel[] = ['map', 'error', 'timing'];

export interface PageOptions {
  embed: boolean;
  /** panels shown in embed mode */
  panels: Set<Panel>;
  /** controls hidden (param names and URL keys, lower case) */
  hide: Set<string>;
  deck?: string;
  theme?: 'light' | 'dark';
  /** problems with the query string */
  notices: string[];
}

export function parsePageOptions(search: string): PageOptions {
  const q = new URLSearchParams(search);
  const notices: string[] = [];
  const embed = q.has('embed') && q.get('embed') !== '0' && q.get('embed') !== 'false';
  let panels = new Set<Panel>(DEFAULT_EMBED_PANELS);
  const listed = q.get('panels');
  if (listed !== null) {
    const names = listed.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);
    const unknown = names.filter((x) => !(PANELS as readonly string[]).includes(x));
    if (unknown.length) notices.push(`unknown panel${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} in the link (known: ${PANELS.join(', ')})`);
    const known = names.filter((x): x is Panel => (PANELS as readonly string[]).includes(x));
    if (known.length) panels = new Set(known);
  }
  const hide = new Set((q.get('hide') ?? '').split(',').map((x) => x.trim().toLowerCase()).filter(Boolean));
  const deck = q.get('deck') ?? undefined;
  if (deck) panels.add('scenes');
  const t = q.get('theme');
  const theme = t === 'light' || t === 'dark' ? t : undefined;
  if (t !== null && !theme) notices.push(`theme must be light or dark, got "${t}"`);
  return { embed, panels, hide, deck: deck || undefined, theme, notices };
}

let current: PageOptions = parsePageOptions('');

export function setPageOptions(o: PageOptions): void {
  current = o;
}

export function pageOptions(): PageOptions {
  return current;
}

/** Whether a panel is on the page: always outside embed mode, else when listed in `panels`. */
export function shows(panel: Panel, o: PageOptions = current): boolean {
  return !o.embed || o.panels.has(panel);
}
