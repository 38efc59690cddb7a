// Service worker of the attention playground (offline use after the first visit). Written into
// dist/sw.js by scripts/vite-plugin-sw.mjs, which fills in VERSION and ASSETS (every file of the
// build, relative to the site's root).
/* global self, caches, fetch, URL */
const VERSION = '__VERSION__';
const ASSETS = __ASSETS__;
const PREFIX = 'attention-playground-';
const CACHE = PREFIX + VERSION;
const scope = () => self.registration.scope;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(ASSETS.map((a) => new URL(a, scope()).href)))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    // the page itself: the network first (a fresh build), the cached page when offline
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && url.pathname.startsWith(new URL(scope()).pathname)) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(new URL('index.html', scope()).href, copy));
          }
          return response;
        })
        .catch(() => caches.match(new URL('index.html', scope()).href, { cacheName: CACHE })),
    );
    return;
  }
  // assets: the cache first (file names carry a content hash), then the network (and keep it).
  // ignoreVary: servers send `Vary: Origin` (Vite's preview does), and a module script's request
  // carries an Origin header that the precaching request did not — without it no precached
  // module would ever match, and offline the page would only have what it happened to fetch.
  event.respondWith(
    caches.match(request, { cacheName: CACHE, ignoreSearch: true, ignoreVary: true }).then(
      (hit) =>
        hit ||
        fetch(request).then((response) => {
          if (response.ok && response.type === 'basic') {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        }),
    ),
  );
});
