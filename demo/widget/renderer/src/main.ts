/**
 * The widget page: keyword detections from the microphone (the PWA's front end and model through
 * the library's Web Worker engine) and the plant's open alarms and gateway status (MQTT over
 * WebSocket). It talks to the main process only through `window.widget` (the preload's API).
 */
import './style.css';
import workletUrl from '../../../kws/src/mic-worklet.ts?worker&url';
import type { WidgetReport } from '../../api.js';
import { KeywordListener } from './keywords.js';
import { watchPlant } from './plant.js';
import { WidgetView } from './view.js';

const api = window.widget;
const view = new WidgetView();
const url = (path: string): string => new URL(path, document.baseURI).href;

/** To the main process; a report it refuses is a bug here, so it is logged, not hidden. */
function report(r: WidgetReport): void {
  try {
    api.report(r);
  } catch (e) {
    console.error('widget report refused', r, e);
  }
}

async function main(): Promise<void> {
  const config = await api.config();
  let listening = config.listening;
  view.setListening(listening);

  const keywords = new KeywordListener(
    { worker: url('engine/browser-worker.js'), model: url(__WIDGET_MODEL_URL__), worklet: url(workletUrl) },
    {
      onState: (state, message) => {
        view.setEngine(state, message);
        report({ kind: 'engine', state, message });
        // The session gave up (microphone denied or lost): the toggle says so everywhere.
        if (state === 'error' && listening) void api.setListening(false);
      },
      onDetection: (d) => {
        view.addDetection(d.label, d.sessionMs, d.score);
        report({ kind: 'detection', label: d.label, score: d.score, timeMs: d.sessionMs });
      },
      onProgress: (heardMs, rate) => view.setProgress(heardMs, rate),
    },
  );
  api.onListening((on) => {
    listening = on;
    view.setListening(on);
    keywords.listening = on;
  });
  view.listen.addEventListener('click', () => {
    api.setListening(!listening).then(undefined, (e: unknown) => console.error('setListening failed', e));
  });

  watchPlant(
    config.brokerUrl,
    (r) => {
      if (r.kind === 'broker') view.setBroker(r.state);
      else if (r.kind === 'gateway') view.setGateway(r);
      else view.setAlarm(r, (sensor) => void api.openAlarm(sensor).catch((e: unknown) => console.error(e)));
      report(r);
    },
    (topic, reason) => console.error(`MQTT ${topic}: ${reason}`),
  );

  keywords.listening = listening;
  try {
    await keywords.load();
  } catch (e) {
    const message = `The keyword model could not be loaded: ${e instanceof Error ? e.message : String(e)}`;
    view.setEngine('error', message);
    report({ kind: 'engine', state: 'error', message });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  view.setEngine('error', `The widget failed to start: ${e instanceof Error ? e.message : String(e)}`);
});
