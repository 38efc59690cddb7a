// Browser entry: state from the URL hash, the GPU host, the auto-runner, then React. Plotly
// is fetched only after the first paint (see plotly-loader.ts).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { browserGpuHost } from '../gpu/browser';
import { startAutoRun } from '../state/auto-run';
import { initPlaygroundStore } from '../state/store';
import { bindHash, parseHash } from '../state/url';
import { App } from './app';
import { loadPlotly } from './plotly-loader';
import './styles.css';

const store = initPlaygroundStore(parseHash(location.hash));
bindHash(store);
const host = browserGpuHost((message) => store.getState().addNotice(message));
const runner = startAutoRun(store, host);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App onRun={runner.runNow} />
  </StrictMode>,
);

// after the first frame is on screen, start fetching the plotting library
requestAnimationFrame(() => setTimeout(() => void loadPlotly().catch(() => {}), 0));
