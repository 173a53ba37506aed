/** The keyword-spotting PWA's entry: checks the browser, registers the service worker, starts the app. */
import './style.css';
import { KwsApp } from './app.js';
import workletUrl from './mic-worklet.ts?worker&url';
import { registerServiceWorker } from './service-worker.js';
import { missingFeatures } from './support.js';
import { View } from './view.js';

const view = new View();
const missing = missingFeatures();
if (missing.length > 0) {
  view.setState('broken');
  view.setStatus('');
  view.showError(
    'unsupported',
    `This browser cannot run the app: it lacks ${missing.join(', ')}. ` +
      'Use a recent Chrome, Edge, Firefox or Safari.',
  );
} else {
  view.setStatus('Preparing the app for offline use…');
  // Loading after the service worker has precached the files saves downloading them twice.
  const ready = registerServiceWorker(() => view.showOfflineReady());
  // Relative to the page, so the app works from any folder it is served from.
  const url = (path: string): string => new URL(path, document.baseURI).href;
  const app = new KwsApp(view, {
    worker: url('engine/browser-worker.js'),
    model: url(__KWS_MODEL_URL__),
    worklet: url(workletUrl),
  });
  ready
    .then(() => app.load())
    .then(undefined, (e: unknown) => {
      view.setState('broken');
      view.showError('engine', `The app failed to start: ${e instanceof Error ? e.message : String(e)}`);
      console.error(e);
    });
}
