// On a narrow screen (a tablet, a phone) the controls fold away behind a summary line, closed
// at first, so the maps and numbers are on the first screen; on a wide screen they are always
// open beside the results.
import { useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { findVariant } from '../../../attention/registry';
import { usePlayground } from '../../../state/store';

const NARROW = '(max-width: 1000px)';

function useNarrow(): boolean {
  return useSyncExternalStore(
    (cb) => {
      const mql = window.matchMedia(NARROW);
      mql.addEventListener('change', cb);
      return () => mql.removeEventListener('change', cb);
    },
    () => window.matchMedia(NARROW).matches,
    () => false,
  );
}

export function ControlsDrawer({ children }: { children: ReactNode }) {
  const narrow = useNarrow();
  const [open, setOpen] = useState(!narrow);
  const variantId = usePlayground((s) => s.variantId);
  const n = usePlayground((s) => s.runRaw.n);
  const d = usePlayground((s) => s.runRaw.d);
  useEffect(() => setOpen(!narrow), [narrow]);
  const label = findVariant(variantId)?.label ?? variantId;
  return (
    <details className="controls-drawer" open={!narrow || open} onToggle={(e) => narrow && setOpen((e.target as HTMLDetailsElement).open)}>
      <summary className="controls-summary">
        Controls <span className="controls-summary-state">— {label}, N = {n}, d = {d}</span>
      </summary>
      {children}
    </details>
  );
}
