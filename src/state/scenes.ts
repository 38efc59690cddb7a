// Lecture scenes: a deck is a JSON list of states (URL hashes) with a caption each, stepped
// with the arrow keys or buttons (src/ui/shell/scenes-bar.tsx), or by the parent page of an iframe
// (src/state/embed.ts). Format (docs/ui.md, "Scenes"):
//
//   { "title": "A tour", "scenes": [ { "caption": "…", "state": "n=256&view=run" }, { "caption": "…", "state": "v=<id>&n=1024" } }, … ] }
//
// `state` is a URL hash (with or without '#'): every knob, the variant and the view.

export interface Scene {
  caption: string;
  /** URL hash of the scene's state */
  state: string;
  /** optional heading of the scene */
  title?: string;
}

export interface Deck {
  title: string;
  scenes: Scene[];
}

/** Checks a parsed deck; throws an Error naming the first problem. */
export function parseDeck(json: unknown, source = 'the deck'): Deck {
  const fail = (msg: string): never => {
    throw new Error(`${source}: ${msg}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('expected an object {"title", "scenes": [...]}');
  const o = json as Record<string, unknown>;
  const title = o.title === undefined ? 'Scenes' : typeof o.title === 'string' ? o.title : fail('"title" must be a string');
  if (!Array.isArray(o.scenes)) fail('"scenes" must be a list');
  const list = o.scenes as unknown[];
  if (list.length === 0) fail('"scenes" is empty');
  const scenes = list.map((s, i): Scene => {
    if (typeof s !== 'object' || s === null) fail(`scene ${i + 1} must be an object`);
    const x = s as Record<string, unknown>;
    if (typeof x.caption !== 'string' || x.caption.trim() === '') fail(`scene ${i + 1} needs a "caption" (text)`);
    if (typeof x.state !== 'string') fail(`scene ${i + 1} needs a "state" (a URL hash such as "n=256&view=run")`);
    if (x.title !== undefined && typeof x.title !== 'string') fail(`scene ${i + 1}: "title" must be text`);
    return { caption: x.caption as string, state: (x.state as string).replace(/^#/, ''), title: x.title as string | undefined };
  });
  return { title, scenes };
}

/** What steps the open deck (set by the scenes bar while it is mounted). */
export interface ScenesController {
  go(index: number): void;
  next(): void;
  prev(): void;
  count(): number;
}

let controller: ScenesController | undefined;

export function setScenesController(c: ScenesController | undefined): void {
  controller = c;
}

export function scenesController(): ScenesController | undefined {
  return controller;
}
