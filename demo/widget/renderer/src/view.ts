/**
 * The widget page's DOM. For people and tests alike: `#listen[aria-pressed]`, `#broker[data-state]`,
 * `#gateway[data-state]`, each open alarm an `<li data-sensor>` in `#alarms` holding a button, each
 * detection an `<li data-label data-time-ms>` in `#detections`, and `body[data-engine]` with
 * `data-heard-ms` / `data-input-rate` while listening.
 */
import type { AlarmReport } from '../../api.js';

/** Detections kept on screen. */
const MAX_DETECTIONS = 20;

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`index.html has no #${id}`);
  return el as T;
}

export class WidgetView {
  readonly listen = byId<HTMLButtonElement>('listen');
  private readonly broker = byId('broker');
  private readonly gateway = byId('gateway');
  private readonly alarms = byId<HTMLOListElement>('alarms');
  private readonly noAlarms = byId('no-alarms');
  private readonly engine = byId('engine');
  private readonly detections = byId<HTMLOListElement>('detections');
  private readonly open = new Map<string, HTMLLIElement>();

  setListening(on: boolean): void {
    this.listen.setAttribute('aria-pressed', String(on));
    this.listen.textContent = on ? 'Listening' : 'Listen';
  }

  setEngine(state: string, message: string): void {
    document.body.dataset.engine = state;
    this.engine.textContent = message;
    this.listen.disabled = state === 'loading';
  }

  setProgress(heardMs: number, inputRate: number): void {
    document.body.dataset.heardMs = String(heardMs);
    document.body.dataset.inputRate = String(inputRate);
  }

  setBroker(state: 'connecting' | 'connected' | 'lost'): void {
    this.broker.dataset.state = state;
    this.broker.textContent = {
      connecting: 'Broker: connecting…',
      connected: 'Broker: connected',
      lost: 'Broker: connection lost, retrying…',
    }[state];
  }

  setGateway(g: { t: number; live: number; dormant: number; samplesPerSecond: number }): void {
    this.gateway.dataset.state = 'ok';
    this.gateway.textContent =
      `Gateway: ${g.live + g.dormant} sensors (${g.live} live), ${g.samplesPerSecond.toFixed(0)} samples/s, ` +
      `at ${new Date(g.t).toLocaleTimeString()}`;
  }

  /** Adds, updates or (when closed) removes a sensor's alarm; `onOpen` is its click. */
  setAlarm(a: AlarmReport, onOpen: (sensor: string) => void): void {
    const old = this.open.get(a.sensor);
    if (a.state === 'closed') {
      old?.remove();
      this.open.delete(a.sensor);
    } else {
      const li = old ?? document.createElement('li');
      li.dataset.sensor = a.sensor;
      li.dataset.channel = a.channel;
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = `${a.sensor}: ${a.channel}, peak ${a.peak.toFixed(1)}`;
      button.title = `Open the dashboard (alarm since ${new Date(a.since).toLocaleTimeString()})`;
      button.addEventListener('click', () => onOpen(a.sensor));
      li.replaceChildren(button);
      if (old === undefined) {
        this.open.set(a.sensor, li);
        this.alarms.append(li);
      }
    }
    this.noAlarms.hidden = this.open.size > 0;
  }

  addDetection(label: string, timeMs: number, score: number): void {
    const li = document.createElement('li');
    li.dataset.label = label;
    li.dataset.timeMs = String(timeMs);
    li.textContent = `${label} (${score.toFixed(2)}) at ${(timeMs / 1000).toFixed(1)} s`;
    this.detections.prepend(li);
    while (this.detections.children.length > MAX_DETECTIONS) this.detections.lastElementChild?.remove();
  }
}
