// Which GPU the numbers come from — and a plain warning when it is a software adapter, whose
// timings measure CPU emulation rather than a GPU.
import { usePlayground } from '../../state/store';

export const FALLBACK_NOTE = 'Software adapter (SwiftShader/fallback): timings are CPU emulation, not GPU speed';

export function AdapterBanner() {
  const adapter = usePlayground((s) => s.adapter);
  const unavailable = usePlayground((s) => s.unavailable);

  if (unavailable) {
    return (
      <section className="banner banner-error" data-testid="adapter-banner" aria-label="GPU adapter">
        <h2>WebGPU is not available</h2>
        <p>{unavailable}</p>
      </section>
    );
  }
  if (!adapter) {
    return (
      <section className="banner" data-testid="adapter-banner" aria-label="GPU adapter">
        <p>Looking for a WebGPU adapter…</p>
      </section>
    );
  }
  const name = [adapter.vendor, adapter.architecture].filter(Boolean).join(' · ') || 'unknown vendor';
  return (
    <section className={`banner${adapter.isFallback ? ' banner-warn' : ''}`} data-testid="adapter-banner" aria-label="GPU adapter">
      <p className="banner-adapter">
        <strong>{name}</strong>
        {adapter.description && <span> — {adapter.description}</span>}
        {adapter.features.length > 0 && <span className="banner-features"> · features: {adapter.features.join(', ')}</span>}
      </p>
      {adapter.isFallback && (
        <p className="banner-fallback" role="note">
          <span aria-hidden="true">⚠ </span>
          {FALLBACK_NOTE}
        </p>
      )}
    </section>
  );
}
