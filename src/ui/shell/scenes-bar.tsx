// The lecture bar: the open deck's scene, its caption, Previous / Next, and the arrow keys
// (← →, Page Up / Page Down) stepping through the scenes. A scene's state replaces the knobs
// and the view; the hash keeps `scene=k`, so a reload stays on the same scene.
import { useCallback, useEffect, useRef, useState } from 'react';
import { parseDeck, setScenesController, type Deck } from '../../state/scenes';
import { usePlayground } from '../../state/store';
import { parseHash } from '../../state/url';

/** The hash the page was opened with (before the page rewrites it with its full state). */
const OPENED_WITH = typeof location === 'undefined' ? '' : location.hash;

/** Keys that step scenes unless the focus is in something that uses them itself. */
function usesArrows(el: Element | null): boolean {
  if (!el) return false;
  const tag = el.tagName;
  if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return true;
  const role = el.getAttribute('role');
  return role === 'tab' || role === 'slider' || (el as HTMLElement).isContentEditable;
}

export function ScenesBar({ url }: { url: string }) {
  const [deck, setDeck] = useState<Deck>();
  const [error, setError] = useState<string>();
  const scene = usePlayground((s) => s.ui.scene);
  const applyHash = usePlayground((s) => s.applyHash);

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const response = await fetch(new URL(url, location.href));
        if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
        const d = parseDeck(await response.json(), url);
        if (live) setDeck(d);
      } catch (e) {
        if (live) setError(`Could not load the scenes: ${(e as Error)?.message ?? String(e)}`);
      }
    })();
    return () => {
      live = false;
    };
  }, [url]);

  const go = useCallback(
    (index: number) => {
      if (!deck) return;
      const i = Math.max(0, Math.min(deck.scenes.length - 1, index));
      const h = parseHash(deck.scenes[i].state);
      h.ui.scene = i;
      applyHash(h);
    },
    [deck, applyHash],
  );

  // A deck opened without a scene in the hash starts at the first scene; a hash naming only a
  // scene (`#scene=3`) opens that scene's state; a full link (with `v=`) is kept as it is.
  const opened = useRef(false);
  useEffect(() => {
    if (!deck) return;
    if (scene === undefined) go(0);
    else if (!opened.current && !new URLSearchParams(OPENED_WITH.replace(/^#/, '')).has('v')) go(scene);
    opened.current = true;
  }, [deck, scene, go]);

  const index = scene ?? 0;
  useEffect(() => {
    if (!deck) return;
    const count = deck.scenes.length;
    setScenesController({ go, next: () => go(index + 1), prev: () => go(index - 1), count: () => count });
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || usesArrows(document.activeElement)) return;
      if (e.key === 'ArrowRight' || e.key === 'PageDown') go(index + 1);
      else if (e.key === 'ArrowLeft' || e.key === 'PageUp') go(index - 1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      setScenesController(undefined);
    };
  }, [deck, index, go]);

  if (error) {
    return (
      <section className="banner banner-error" aria-label="Scenes">
        <p>{error}</p>
      </section>
    );
  }
  if (!deck) return null;
  const current = deck.scenes[Math.min(index, deck.scenes.length - 1)];
  return (
    <section className="scenes-bar" aria-label={`Scenes: ${deck.title}`} data-testid="scenes-bar">
      <button type="button" onClick={() => go(index - 1)} disabled={index <= 0} aria-label="Previous scene">
        ← Previous
      </button>
      <div className="scene-text" aria-live="polite">
        <p className="scene-count">
          {deck.title} · scene <span data-testid="scene-index">{index + 1}</span> of {deck.scenes.length}
          {current.title ? ` · ${current.title}` : ''}
        </p>
        <p className="scene-caption" data-testid="scene-caption">
          {current.caption}
        </p>
      </div>
      <button type="button" onClick={() => go(index + 1)} disabled={index >= deck.scenes.length - 1} aria-label="Next scene">
        Next →
      </button>
    </section>
  );
}
