// The playground page: controls on the left; on the right the adapter, the run bar and the
// views as tabs — the map with the error and timing panels of the last run, the comparison of
// several variants, sweeps, and CSV files loaded back (docs/ui.md). In embed mode
// (`?embed&panels=…`) only the chosen panels are drawn, for an iframe in a slide.
import { lazy, Suspense, type ReactNode } from 'react';
import { baseline } from '../../attention/registry';
import { pageOptions, shows, type Panel } from '../../state/page-options';
import { usePlayground } from '../../state/store';
import { AdapterBanner } from './adapter-banner';
import { AttentionMaps } from '../views/run/attention-maps';
import { ControlsDrawer } from './controls/controls-drawer';
import { ControlsPanel } from './controls/controls-panel';
import { DetailsPanel } from '../views/run/details-panel';
import { ErrorBoundary } from './error-boundary';
import { ErrorPanel } from '../views/run/error-panel';
import { Notices } from './notices';
import { RunBar } from './run-bar';
import { RunError } from '../views/run/run-error';
import { ScenesBar } from './scenes-bar';
import { SharePanel } from './share';
import { ThemeSelect } from './theme-select';
import { TimingPanel } from '../views/run/timing-panel';
import { VariantPanelSlot } from './variant-panel-slot';
import { panelId, tabId, ViewTabs } from './view-tabs';

// the views besides the map load on first use: their code stays out of the first download
const CompareView = lazy(() => import('../views/compare/compare-view'));
const SweepView = lazy(() => import('../views/sweep/sweep-view'));
const CsvView = lazy(() => import('../views/csv/csv-view'));
const RecordedResults = lazy(() => import('../views/recorded/recorded-results'));

export interface AppProps {
  /** runs the current configuration now */
  onRun(): void;
}

function Lazy({ what, children }: { what: string; children: ReactNode }) {
  return (
    <ErrorBoundary what={what}>
      <Suspense fallback={<p className="panel-empty">Loading {what.toLowerCase()}…</p>}>{children}</Suspense>
    </ErrorBoundary>
  );
}

/** The map with the error and timing panels of the last run (or those of them `panels` lists). */
function RunView({ panels }: { panels?: (p: Panel) => boolean }) {
  const on = panels ?? (() => true);
  const unavailable = usePlayground((s) => s.phase === 'unavailable');
  // one map (the baseline, exact attention) leaves room for the numbers beside it; the
  // three-panel comparison takes the full width with the numbers below
  const compare = usePlayground((s) => (s.lastResult?.variant ?? s.variantId) !== baseline.id);
  if (unavailable) {
    return (
      <p className="panel-note" data-testid="run-view-unavailable">
        Runs need WebGPU (see above). The recorded results show what they measure; the CSV files view reads benchmark files without it.
      </p>
    );
  }
  const numbers = on('error') || on('timing');
  return (
    <>
      <RunError />
      <div className={`results-body ${compare || !on('map') ? 'results-compare' : 'results-single'}`}>
        {on('map') && (
          <ErrorBoundary what="The attention map">
            <AttentionMaps />
          </ErrorBoundary>
        )}
        {numbers && (
          <div className="results-numbers">
            {on('error') && <ErrorPanel />}
            {on('timing') && <TimingPanel />}
          </div>
        )}
      </div>
      {on('details') && (
        <ErrorBoundary what="The details panel">
          <DetailsPanel />
        </ErrorBoundary>
      )}
      {on('variant') && <VariantPanelSlot />}
    </>
  );
}

function Unavailable() {
  const unavailable = usePlayground((s) => s.phase === 'unavailable');
  if (!unavailable) return null;
  return (
    <Lazy what="The recorded results">
      <RecordedResults />
    </Lazy>
  );
}

/** A one-line run status for embeds without the run bar. */
function EmbedStatus() {
  const phase = usePlayground((s) => s.phase);
  const stage = usePlayground((s) => s.stage);
  return (
    <p className="embed-status" role="status" aria-live="polite">
      Run:{' '}
      <span className={`run-status phase-${phase}`} data-testid="run-status">
        {phase}
      </span>
      {phase === 'running' && stage && <span className="run-stage"> {stage}</span>}
    </p>
  );
}

function EmbedApp({ onRun }: AppProps) {
  const o = pageOptions();
  const on = (p: Panel) => o.panels.has(p);
  return (
    <div className={`app app-embed${on('controls') ? '' : ' app-embed-bare'}`} data-testid="embed">
      {on('controls') && (
        <aside className="app-controls">
          <ControlsPanel />
        </aside>
      )}
      <main className="app-results">
        {/* without an adapter the banner says why, whatever the panels */}
        <EmbedBanner show={on('banner')} />
        <Notices />
        {o.deck && <ScenesBar url={o.deck} />}
        {on('runbar') ? <RunBar onRun={onRun} /> : <EmbedStatus />}
        <RunView panels={on} />
        {on('compare') && (
          <Lazy what="The comparison">
            <CompareView />
          </Lazy>
        )}
        {on('sweep') && (
          <Lazy what="The sweep">
            <SweepView />
          </Lazy>
        )}
        {on('csv') && (
          <Lazy what="The CSV files">
            <CsvView />
          </Lazy>
        )}
        <Unavailable />
      </main>
    </div>
  );
}

function EmbedBanner({ show }: { show: boolean }) {
  const unavailable = usePlayground((s) => s.unavailable);
  return show || unavailable ? <AdapterBanner /> : null;
}

export function App({ onRun }: AppProps) {
  const o = pageOptions();
  const view = usePlayground((s) => s.ui.view);
  if (o.embed) return <EmbedApp onRun={onRun} />;
  return (
    <div className="app">
      <a className="skip-link" href="#results">
        Skip to the results
      </a>
      <header className="app-header">
        <div className="app-title">
          <h1>Attention playground</h1>
          <p className="app-tagline">Exact and efficient attention on your GPU: the map, the error against exact attention, the time.</p>
        </div>
        <div className="app-header-tools">
          <SharePanel />
          <ThemeSelect />
        </div>
      </header>
      <aside className="app-controls" aria-label="Controls">
        <ControlsDrawer>
          <ControlsPanel />
        </ControlsDrawer>
      </aside>
      <main className="app-results" id="results" tabIndex={-1}>
        <AdapterBanner />
        <Unavailable />
        <Notices />
        {o.deck && shows('scenes') && <ScenesBar url={o.deck} />}
        <RunBar onRun={onRun} />
        <ViewTabs />
        <div className="view-panel" role="tabpanel" id={panelId(view)} aria-labelledby={tabId(view)}>
          {view === 'run' && <RunView />}
          {view === 'compare' && (
            <Lazy what="The comparison">
              <CompareView />
            </Lazy>
          )}
          {view === 'sweep' && (
            <Lazy what="The sweep">
              <SweepView />
            </Lazy>
          )}
          {view === 'csv' && (
            <Lazy what="The CSV files">
              <CsvView />
            </Lazy>
          )}
        </div>
      </main>
    </div>
  );
}
