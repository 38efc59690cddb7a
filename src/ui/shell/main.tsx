// Browser entry: page options from the query string (embed, panels, deck, theme), state from
// the URL hash, the GPU host, the auto-runner with its CPU worker, the batch jobs, the iframe
// API, then React. Plotly is fetched only after the first paint (see plotly-loader.ts), and
// the service worker (offline use) is registered once the page has loaded.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { browserGpuHost } from '../../gpu/browser';
import { startAutoRun } from '../../state/auto-run';
import { cpuWorker } from '../../state/cpu-offload';
import { startEmbedApi } from '../../state/embed';
import { initJobs } from '../../state/jobs';
import { parsePageOptions, setPageOptions } from '../../state/page-options';
import { initPlaygroundStore } from '../../state/store';
import { bindHash, parseHash } from '../../state/url';
import { App } from './app';
import { loadPlotly } from '../plots/plotly-loader';
import { registerServiceWorker } from './service-worker';
import { initTheme } from '../common/use-color-scheme';
import '../styles.css';

const options = parsePageOptions(location.search);
setPageOptions(options);
initTheme(options.theme);
if (options.embed) document.documentElement.classList.add('embed');

const initial = parseHash(location.hash);
initial.notices.push(...options.notices);
const store = initPlaygroundStore(initial);
bindHash(store);
const host = browserGpuHost((message) => store.getState().addNotice(message));
// the CPU work of every run (inputs, float64 reference, errors) happens in a worker
const cpuFor = typeof Worker === 'undefined' ? undefined : (signal: AbortSignal) => cpuWorker().forRun(signal);
const runner = startAutoRun(store, host, { cpuFor });
initJobs(store, runner);
startEmbedApi(store, runner);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App onRun={runner.runNow} />
  </StrictMode>,
);

/**
 * Runs `fn` in a task of its own once the page's first content is on screen (the
 * first-contentful-paint entry), or after `fallbackMs` where there is no paint timing (or the
 * page is hidden). React renders in tasks of its own after `render()`, so the first animation
 * frame can come before any content: waiting for that frame is not enough.
 */
function afterFirstContentfulPaint(fn: () => void, fallbackMs = 3000): void {
  let done = false;
  const go = () => {
    if (done) return;
    done = true;
    setTimeout(fn, 0);
  };
  try {
    const observer = new PerformanceObserver((list) => {
      if (list.getEntriesByName('first-contentful-paint').length === 0) return;
      observer.disconnect();
      go();
    });
    observer.observe({ type: 'paint', buffered: true });
  } catch {
    // no paint timing: the fallback starts it
  }
  setTimeout(go, fallbackMs);
}

// once the first content is on screen, start fetching the plotting library
afterFirstContentfulPaint(() => void loadPlotly().catch(() => {}));
registerServiceWorker();
