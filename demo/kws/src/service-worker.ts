/**
 * Registers the service worker that vite-plugin-pwa generates (`sw.js`: precaches the app, the engine
 * worker, its WASM and the models) and reports when the page is served by it, i.e. works offline.
 */

/**
 * How long the first visit waits for the precache before loading the app from the network anyway
 * (then the large files are downloaded twice, as without this wait). Milliseconds.
 */
const PRECACHE_WAIT_MS = 60_000;

/**
 * Registers the worker and resolves when the app may load its files: once the worker controls the
 * page (the first visit: after it has precached everything, so the page's requests for the WASM and
 * the models are answered from that cache instead of downloading the same 6 MB a second time), at
 * once when the page is already controlled or service workers are unavailable, or when the
 * registration or the install fails, or after `waitMs` (default 60,000) on a very slow network.
 * Never rejects: the app works without a service worker, only not offline.
 */
export function registerServiceWorker(onOfflineReady: () => void, waitMs = PRECACHE_WAIT_MS): Promise<void> {
  if (!('serviceWorker' in navigator)) return Promise.resolve();
  const container = navigator.serviceWorker;
  if (container.controller !== null) {
    // A later visit: everything is served from the precache already; this only looks for an update.
    onOfflineReady();
    container.register('./sw.js').then(undefined, reportFailure);
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      console.warn(`service worker not ready after ${waitMs} ms: loading the app from the network`);
      resolve();
    }, waitMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    // The worker claims open pages when it activates (clientsClaim), so the first visit is covered too.
    container.addEventListener('controllerchange', () => {
      if (container.controller === null) return;
      onOfflineReady();
      done();
    });
    container.register('./sw.js').then(
      (registration) => {
        // Nothing to install (a hard reload bypasses an active worker): load from the network now.
        if (registration.installing === null && registration.waiting === null) return done();
        // An install that fails (a precache download refused, storage full) ends as "redundant".
        const installing = registration.installing;
        installing?.addEventListener('statechange', () => {
          if (installing.state !== 'redundant') return;
          console.error('service worker install failed: the app will not work offline');
          done();
        });
      },
      (e: unknown) => {
        reportFailure(e);
        done();
      },
    );
  });
}

function reportFailure(e: unknown): void {
  // The app works without it, only not offline; say so in the console rather than on the page.
  console.error('service worker registration failed: the app will not work offline', e);
}
