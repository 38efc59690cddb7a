// Offline use: registers the service worker the build writes (dist/sw.js, see
// scripts/vite-plugin-sw.mjs), which precaches the whole site on the first visit — so a lecture
// hall without network still runs the playground. Only in a production build served over
// http(s) (the dev server has no sw.js).
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const register = () => {
    navigator.serviceWorker.register('./sw.js', { scope: './' }).catch((e: unknown) => {
      // offline use is a bonus: the page works without it
      console.warn(`The service worker could not be registered (no offline use): ${(e as Error)?.message ?? String(e)}`);
    });
  };
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
