// The views under the run bar as tabs (WAI-ARIA tabs: arrow keys move between them, Home/End
// jump to the ends). The open view is in the URL hash (`view=`).
import { useRef, type KeyboardEvent } from 'react';
import { usePlayground } from '../../state/store';
import { VIEW_LABELS, VIEWS, type View } from '../../state/view-state';

export const tabId = (v: View) => `tab-${v}`;
export const panelId = (v: View) => `tabpanel-${v}`;

export function ViewTabs() {
  const view = usePlayground((s) => s.ui.view);
  const setView = usePlayground((s) => s.setView);
  const refs = useRef<Partial<Record<View, HTMLButtonElement | null>>>({});
  const onKey = (e: KeyboardEvent) => {
    const i = VIEWS.indexOf(view);
    let next: View | undefined;
    if (e.key === 'ArrowRight') next = VIEWS[(i + 1) % VIEWS.length];
    else if (e.key === 'ArrowLeft') next = VIEWS[(i - 1 + VIEWS.length) % VIEWS.length];
    else if (e.key === 'Home') next = VIEWS[0];
    else if (e.key === 'End') next = VIEWS[VIEWS.length - 1];
    if (!next) return;
    e.preventDefault();
    e.stopPropagation(); // arrow keys here move between tabs, not between lecture scenes
    setView(next);
    refs.current[next]?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label="Views" onKeyDown={onKey}>
      {VIEWS.map((v) => (
        <button
          key={v}
          ref={(el) => {
            refs.current[v] = el;
          }}
          type="button"
          role="tab"
          id={tabId(v)}
          aria-selected={view === v}
          aria-controls={panelId(v)}
          tabIndex={view === v ? 0 : -1}
          className="tab"
          onClick={() => setView(v)}
        >
          {VIEW_LABELS[v]}
        </button>
      ))}
    </div>
  );
}
