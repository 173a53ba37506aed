/**
 * Registers the service worker that vite-plugin-pwa generates (`sw.js`: precaches the app, the engine
 * worker, its WASM and the model) and reports when the page is served by it, i.e. works offline.
 */
export function registerServiceWorker(onOfflineReady: () => void): void {
  if (!('serviceWorker' in navigator)) return;
  const container = navigator.serviceWorker;
  // The worker claims open pages when it activates (clientsClaim), so the first visit is covered too.
  const check = (): void => {
    if (container.controller !== null) onOfflineReady();
  };
  container.addEventListener('controllerchange', check);
  check();
  container.register('./sw.js').then(undefined, (e: unknown) => {
    // The app works without it, only not offline; say so in the console rather than on the page.
    console.error('service worker registration failed: the app will not work offline', e);
  });
}
