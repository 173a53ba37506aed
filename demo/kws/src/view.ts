/**
 * The page's DOM: every element the app writes to, looked up once, and nothing else. Each detection
 * becomes an `<li>` in `#detections` with `data-label`, `data-time-ms` (ms of audio since listening
 * started), `data-score` and `data-latency-ms` (the audio it needed reached the page → it is on the
 * page), for people and tests alike. `<body>` mirrors the state (`data-state`), the audio graph's rate
 * (`data-input-rate`, Hz) and the audio the model has heard (`data-heard-ms`): facts for tests and
 * styling, not text for the user.
 */
import { labelColour } from './chart.js';

/** What the app is doing; mirrored on `<body data-state>` for styling and tests. */
export type AppState = 'loading' | 'ready' | 'starting' | 'listening' | 'suspending' | 'paused' | 'broken';

/** Kinds of error message; mirrored on `#error[data-kind]`. */
export type ErrorKind = 'unsupported' | 'denied' | 'microphone' | 'engine' | 'storage';

/** Detections kept on screen; older ones are dropped. */
const MAX_DETECTIONS = 100;

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`index.html has no #${id}`);
  return el as T;
}

export class View {
  readonly start = byId<HTMLButtonElement>('start');
  readonly chart = byId<HTMLCanvasElement>('chart');
  private readonly status = byId('status');
  private readonly error = byId('error');
  private readonly warning = byId('warning');
  private readonly topLabel = byId('top-label');
  private readonly topProb = byId('top-prob');
  private readonly detections = byId<HTMLOListElement>('detections');
  private readonly keywords = byId<HTMLUListElement>('keywords');
  private readonly offline = byId('offline');
  private latest: { label: string; probability: number } | undefined;
  private scheduled = false;

  setState(state: AppState): void {
    document.body.dataset.state = state;
    const listening = state === 'listening';
    this.start.textContent = listening ? 'Stop' : state === 'paused' ? 'Resume' : 'Start';
    this.start.setAttribute('aria-pressed', String(listening));
    this.start.disabled = !(state === 'ready' || state === 'listening' || state === 'paused');
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }

  showError(kind: ErrorKind, message: string): void {
    this.error.dataset.kind = kind;
    this.error.textContent = message;
    this.error.hidden = false;
  }

  clearError(): void {
    this.error.hidden = true;
    this.error.textContent = '';
    delete this.error.dataset.kind;
  }

  showWarnings(warnings: readonly string[]): void {
    this.warning.textContent = warnings.join(' ');
    this.warning.hidden = warnings.length === 0;
  }

  /** The words to say, at the top of the page. */
  showKeywords(keywords: readonly string[]): void {
    this.keywords.replaceChildren(
      ...keywords.map((k) => {
        const li = document.createElement('li');
        li.textContent = k;
        return li;
      }),
    );
  }

  /** The audio graph's real rate (Hz): on `<body data-input-rate>`, not shown. */
  showInputRate(rate: number): void {
    document.body.dataset.inputRate = String(rate);
  }

  /** Audio the model has heard since Start (ms): on `<body data-heard-ms>`, not shown. */
  showHeard(ms: number): void {
    document.body.dataset.heardMs = String(Math.round(ms));
  }

  showOfflineReady(): void {
    this.offline.hidden = false;
    document.documentElement.dataset.offlineReady = 'true';
  }

  /** The current frame's top label; drawn at most once per animation frame. */
  showTop(label: string, probability: number): void {
    this.latest = { label, probability };
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      if (this.latest === undefined) return;
      this.topLabel.textContent = this.latest.label;
      this.topProb.textContent = `${(this.latest.probability * 100).toFixed(0)}%`;
    });
  }

  addDetection(d: {
    label: string;
    labelIndex: number;
    timeMs: number;
    score: number;
    /** `performance.now()` when the last audio the detection needed reached the page. */
    arrivedAt: number;
  }): void {
    const li = document.createElement('li');
    li.dataset.label = d.label;
    li.dataset.timeMs = String(Math.round(d.timeMs));
    li.dataset.score = d.score.toFixed(3);
    li.style.setProperty('--label-colour', labelColour(d.labelIndex));
    const cell = (className: string, text: string, title: string): void => {
      const span = document.createElement('span');
      span.className = className;
      span.textContent = text;
      span.title = title;
      li.append(span);
    };
    cell('label', d.label, 'the word heard');
    cell('time', `at ${(d.timeMs / 1000).toFixed(1)} s`, 'when, counted from Start');
    cell('score', `${(d.score * 100).toFixed(0)}% sure`, 'how sure the app is');
    // Measured when the item is on the page: the audio the detection needed arrived → shown.
    li.dataset.latencyMs = (performance.now() - d.arrivedAt).toFixed(1);
    const shownMs = Number(li.dataset.latencyMs);
    cell(
      'latency',
      `shown ${shownMs.toFixed(0)} ms later`,
      'time from the end of the audio it needed reaching the app to it being shown here',
    );
    // Newest first, where the eye is.
    this.detections.prepend(li);
    while (this.detections.children.length > MAX_DETECTIONS) this.detections.lastElementChild?.remove();
  }

  clearDetections(): void {
    this.detections.replaceChildren();
  }
}
