// The playground page: controls on the left; on the right the adapter, the run bar, the
// attention map with the error and timing panels of the last run, then the variant's own
// details and panels (DESIGN.md "UI").
import { AdapterBanner } from './adapter-banner';
import { AttentionMaps } from './attention-maps';
import { ControlsPanel } from './controls-panel';
import { DetailsPanel } from './details-panel';
import { ErrorBoundary } from './error-boundary';
import { ErrorPanel } from './error-panel';
import { Notices } from './notices';
import { RunBar } from './run-bar';
import { RunError } from './run-error';
import { TimingPanel } from './timing-panel';
import { VariantPanelSlot } from './variant-panel-slot';
import { usePlayground } from '../state/store';

export interface AppProps {
  /** runs the current configuration now */
  onRun(): void;
}

export function App({ onRun }: AppProps) {
  // one map (exact attention) leaves room for the numbers beside it; the three-panel
  // comparison takes the full width with the numbers below
  const compare = usePlayground((s) => (s.lastResult?.variant ?? s.variantId) !== 'exact');
  return (
    <div className="app">
      <header className="app-header">
        <h1>Attention playground</h1>
        <p className="app-tagline">Exact and efficient attention on your GPU: the map, the error against exact attention, the time.</p>
      </header>
      <aside className="app-controls">
        <ControlsPanel />
      </aside>
      <main className="app-results">
        <AdapterBanner />
        <Notices />
        <RunBar onRun={onRun} />
        <RunError />
        <div className={`results-body ${compare ? 'results-compare' : 'results-single'}`}>
          <ErrorBoundary what="The attention map">
            <AttentionMaps />
          </ErrorBoundary>
          <div className="results-numbers">
            <ErrorPanel />
            <TimingPanel />
          </div>
        </div>
        <ErrorBoundary what="The details panel">
          <DetailsPanel />
        </ErrorBoundary>
        <VariantPanelSlot />
      </main>
    </div>
  );
}
