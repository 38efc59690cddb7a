// Mounts the selected variant's own panels (src/ui/variant-panels.ts), each loaded lazily so
// that its code (a stream player, a training loop…) is fetched only when that variant is used.
import { lazy, Suspense, useMemo, type ComponentType } from 'react';
import { usePlayground } from '../../state/store';
import { ErrorBoundary } from './error-boundary';
import { variantPanels, type VariantPanelProps } from '../variant-panels';

// one lazy component per loader, so switching variants back and forth does not reload them
const lazyCache = new WeakMap<() => Promise<{ default: ComponentType<VariantPanelProps> }>, ComponentType<VariantPanelProps>>();

function lazyPanel(load: () => Promise<{ default: ComponentType<VariantPanelProps> }>): ComponentType<VariantPanelProps> {
  let component = lazyCache.get(load);
  if (!component) {
    component = lazy(load);
    lazyCache.set(load, component);
  }
  return component;
}

export function VariantPanelSlot() {
  const variantId = usePlayground((s) => s.variantId);
  const panels = useMemo(() => (variantPanels[variantId] ?? []).map((p) => ({ title: p.title, Component: lazyPanel(p.component) })), [variantId]);
  return (
    <>
      {panels.map(({ title, Component }) => (
        <section key={`${variantId}:${title}`} className="panel" aria-label={title}>
          <h2>{title}</h2>
          <ErrorBoundary what={title}>
            <Suspense fallback={<p className="panel-empty">Loading…</p>}>
              <Component variantId={variantId} />
            </Suspense>
          </ErrorBoundary>
        </section>
      ))}
    </>
  );
}
