// The iframe API (docs/ui.md, "Embedding"): when the page runs inside a frame it
// - reports its content height to the parent, so the frame can fit it:
//     { source: 'attention-playground', type: 'height', height }
// - says when it is ready and when the state or the last run changes:
//     { source, type: 'ready', hash }   { source, type: 'state', hash }
//     { source, type: 'result', result: { variant, status, n, d, timeMs, errRelFro, speedup, … } }
// - accepts commands from the parent (messages with target: 'attention-playground'):
//     { target, type: 'set', hash: '#v=<id>&n=512' }          the whole state, as a link's hash
//     { target, type: 'set', state: { v: '<id>', n: 512 } }  some keys, over the current state
//     { target, type: 'run' }                                  run now
//     { target, type: 'get' }                                  answers { type: 'state', hash }
//     { target, type: 'scene', index } / { type: 'next' } / { type: 'prev' }   step the deck
// Messages from the parent only change what the page shows (the same as editing its link);
// what the page posts (knobs and results) is sent to any parent ('*').
import type { AutoRunner } from './auto-run';
import { scenesController } from './scenes';
import type { PlaygroundStore } from './store';
import { hashOf, parseHash } from './url';

export const EMBED_SOURCE = 'attention-playground';

export type EmbedCommand =
  | { target: typeof EMBED_SOURCE; type: 'set'; hash?: string; state?: Record<string, string | number | boolean> }
  | { target: typeof EMBED_SOURCE; type: 'run' | 'get' | 'next' | 'prev' }
  | { target: typeof EMBED_SOURCE; type: 'scene'; index: number };

/** The hash `state` gives over `current`: its keys replace or add to the current ones. */
export function mergeState(current: string, state: Record<string, string | number | boolean>): string {
  const q = new URLSearchParams(current.replace(/^#/, ''));
  for (const [k, v] of Object.entries(state)) q.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  return `#${q.toString()}`;
}

/** Starts the iframe API when the page is framed; returns a function that stops it. */
export function startEmbedApi(store: PlaygroundStore, runner: AutoRunner): () => void {
  if (window.parent === window) return () => {};
  const post = (message: Record<string, unknown>, target: MessageEventSource | null = window.parent, origin = '*') => {
    try {
      (target as Window).postMessage({ source: EMBED_SOURCE, ...message }, origin);
    } catch {
      // a closed parent: nothing to tell
    }
  };

  // height: whenever the content's height changes
  let lastHeight = -1;
  // the content's own height (the document's scrollHeight never drops below the frame's height)
  const content = document.getElementById('root') ?? document.body;
  const reportHeight = () => {
    const height = Math.ceil(content.getBoundingClientRect().height);
    if (height === lastHeight) return;
    lastHeight = height;
    post({ type: 'height', height });
  };
  const observer = new ResizeObserver(reportHeight);
  observer.observe(content);
  reportHeight();

  // state and results
  let lastHash = location.hash;
  let lastResult = store.getState().lastResult;
  const unsubscribe = store.subscribe((s) => {
    const hash = hashOf(s);
    if (hash !== undefined && hash !== lastHash) {
      lastHash = hash;
      post({ type: 'state', hash });
    }
    if (s.lastResult && s.lastResult !== lastResult) {
      lastResult = s.lastResult;
      const r = s.lastResult;
      post({
        type: 'result',
        result: {
          variant: r.variant,
          status: r.status,
          message: r.message,
          n: r.shape.n,
          d: r.shape.d,
          heads: r.shape.heads,
          params: r.params,
          timeMs: r.timing?.medianMs,
          exactTimeMs: r.exactTiming?.medianMs,
          speedup: r.speedupVsExact,
          errRelFro: r.errors?.relFro,
          errMaxAbs: r.errors?.maxAbs,
          reference: r.reference,
          adapter: r.adapter ? `${r.adapter.vendor} ${r.adapter.architecture}`.trim() : undefined,
        },
      });
    }
  });

  const reply = (e: MessageEvent, message: Record<string, unknown>) => post(message, e.source, e.origin && e.origin !== 'null' ? e.origin : '*');
  const onMessage = (e: MessageEvent) => {
    const m = e.data as Partial<EmbedCommand> | null;
    if (!m || typeof m !== 'object' || m.target !== EMBED_SOURCE) return;
    const s = store.getState();
    switch (m.type) {
      case 'set': {
        const cmd = m as Extract<EmbedCommand, { type: 'set' }>;
        const hash = typeof cmd.hash === 'string' ? cmd.hash : cmd.state && typeof cmd.state === 'object' ? mergeState(hashOf(s) ?? location.hash, cmd.state) : undefined;
        if (hash === undefined) {
          reply(e, { type: 'error', message: "'set' needs a hash (string) or a state (object of URL keys)" });
          return;
        }
        s.applyHash(parseHash(hash));
        return;
      }
      case 'run':
        runner.runNow();
        return;
      case 'get':
        reply(e, { type: 'state', hash: hashOf(s) ?? location.hash });
        return;
      case 'scene':
        scenesController()?.go(Number((m as { index?: unknown }).index) || 0);
        return;
      case 'next':
        scenesController()?.next();
        return;
      case 'prev':
        scenesController()?.prev();
        return;
      default:
        reply(e, { type: 'error', message: `unknown command "${String(m.type)}" (known: set, run, get, scene, next, prev)` });
    }
  };
  window.addEventListener('message', onMessage);
  post({ type: 'ready', hash: hashOf(store.getState()) ?? location.hash });

  return () => {
    observer.disconnect();
    unsubscribe();
    window.removeEventListener('message', onMessage);
  };
}
