// Mounts the selected variant's own panels (its `panels` in the variant contract), each loaded
// lazily so that its code (a stream player, a training loop…) is fetched only when that
// variant is used.
import { lazy, Suspense, useMemo, type ComponentType } from 'react';
import { findVariant } from '../../attention/registry';
import type { VariantPanel, VariantPanelProps } from '../../attention/types';
import { usePlayground } from '../../state/store';
import { ErrorBoundary } from './error-boundary';

// one lazy component per loader, so switching variants back and forth does not reload them
const lazyCache = new WeakMap<VariantPanel['load'], ComponentType<VariantPanelProps>>();

function lazyPanel(load: VariantPanel['load']): ComponentType<VariantPanelProps> {
  let component = lazyCache.get(load);
  if (!component) {
    component = lazy(load);
    lazyCache.set(load, component);
  }
  return component;
}

export function VariantPanelSlot() {
  const variantId = usePlayground((s) => s.variantId);
  const panels = useMemo(() => (findVariant(variantId)?.panels ?? []).map((p) => ({ title: p.title, Component: lazyPanel(p.load) })), [variantId]);
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
