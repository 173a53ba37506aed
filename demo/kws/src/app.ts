/**
 * The app's behaviour: load the engine and the model, start and stop listening, show predictions and
 * detections, and keep the stream's state across the page being hidden (saved to IndexedDB through
 * the engine's snapshot API, restored when the page is back or on the next start after a reload).
 */
import { isGruStreamError } from 'gru-stream';
import type { EngineClient, Prediction } from 'gru-stream';
import { KWS_DETECTOR_DEFAULTS } from 'gru-stream/postprocess';
import { ProbabilityChart } from './chart.js';
import { MicError } from './mic.js';
import { createKwsEngine, loadModelConfig } from './model-config.js';
import type { KwsModelConfig } from './model-config.js';
import { ListeningSession } from './session.js';
import type { HeardDetection, StartedFrom } from './session.js';
import { SnapshotStore } from './snapshot-store.js';
import type { SavedStream } from './snapshot-store.js';
import type { AppState, View } from './view.js';

export interface AppUrls {
  /** The engine's classic worker bundle, with tfjs-tflite's WASM beside it. */
  worker: string;
  /** The `.tflite` (its `.json` manifest beside it). */
  model: string;
  /** The built microphone worklet. */
  worklet: string;
}

/** The IndexedDB key of the saved microphone stream. */
const SAVED_KEY = 'mic';

export class KwsApp {
  private state: AppState = 'loading';
  private engine: EngineClient | undefined;
  private config: KwsModelConfig | undefined;
  private store: SnapshotStore | undefined;
  private session: ListeningSession | undefined;
  private plot: ProbabilityChart | undefined;
  private sessions = 0;
  /** Audio heard by earlier sessions since the user pressed Start (they resume after a hide). */
  private clockBaseMs = 0;

  constructor(
    private readonly view: View,
    private readonly urls: AppUrls,
  ) {}

  async load(): Promise<void> {
    this.setState('loading');
    this.view.setStatus('Loading the model…');
    try {
      // The manifest first: it names the embedding model the engine runs before the GRU.
      const config = await loadModelConfig(this.urls.model);
      this.engine = await createKwsEngine(this.urls.worker, this.urls.model, config);
      this.config = config;
    } catch (e) {
      this.setState('broken');
      this.view.showError('engine', `The keyword model could not be loaded: ${describe(e)}`);
      this.view.setStatus('');
      return;
    }
    this.store = await SnapshotStore.open().then(undefined, (e: unknown) => {
      // Listening works without it; only the state is not kept when the page is hidden.
      this.view.showError('storage', `Saved state is unavailable (${describe(e)}); listening still works.`);
      return undefined;
    });
    const { manifest, labels, detector, warnings } = this.config;
    const hopMs = detector.hopMs ?? KWS_DETECTOR_DEFAULTS.hopMs;
    // The last 5 s, one bar per model step.
    this.plot = new ProbabilityChart(
      this.view.chart,
      detector.threshold ?? KWS_DETECTOR_DEFAULTS.threshold,
      Math.round(5000 / hopMs),
    );
    const ignored: readonly string[] = detector.ignore ?? KWS_DETECTOR_DEFAULTS.ignore;
    this.view.showKeywords(labels.filter((l) => !ignored.includes(l)));
    // For developers, not on the page.
    console.info(
      `model ${manifest.name} (${manifest.quantization}, H=${manifest.gru.hiddenSize}, ` +
        `${manifest.features?.kind ?? '?'} features), engine ${this.engine.model.runner} in a Web Worker`,
    );
    this.view.showWarnings(warnings);
    this.view.start.addEventListener('click', () => this.onClick());
    document.addEventListener('visibilitychange', () => void this.onVisibility());
    this.setState('ready');
    this.view.setStatus('Press Start, then say one of the words.');
  }

  private onClick(): void {
    if (this.state === 'listening') {
      void this.stop();
      return;
    }
    if (this.state !== 'ready' && this.state !== 'paused') return;
    // Created here, in the click, so mobile browsers let it play; the session takes it over.
    const context = new AudioContext({ latencyHint: 'interactive' });
    context.resume().then(undefined, (e: unknown) => console.error('AudioContext.resume failed', e));
    void this.start(context, this.state === 'paused');
  }

  /** Starts a session, from the saved state if there is one. `resuming`: keep the clock and the list. */
  private async start(context: AudioContext, resuming: boolean): Promise<void> {
    const { engine, config } = this;
    if (engine === undefined || config === undefined) return;
    this.setState('starting');
    this.view.clearError();
    this.view.setStatus(resuming ? 'Resuming…' : 'Starting the microphone…');
    if (!resuming) {
      this.clockBaseMs = 0;
      this.view.clearDetections();
      this.plot?.clear();
    }
    const saved = await this.loadSaved();
    const session = new ListeningSession(engine, config, `mic-${++this.sessions}`, this.urls.worklet, {
      onStart: (rate) => this.view.showInputRate(rate),
      onPrediction: (p, _latencyMs, heardMs) => this.onPrediction(p, heardMs),
      onDetection: (d) => this.onDetection(d),
      onError: (e) => this.onSessionError(e),
    });
    this.session = session;
    let from: StartedFrom;
    try {
      from = await session.start(context, saved);
    } catch (e) {
      this.session = undefined;
      this.setState('ready');
      this.view.setStatus('');
      this.report(e);
      return;
    }
    if (saved !== undefined) await this.forgetSaved();
    this.setState('listening');
    document.body.dataset.restored = from;
    const savedAt = new Date(saved?.savedAt ?? 0).toLocaleTimeString();
    const note = {
      saved: `, continuing from the state saved at ${savedAt}`,
      'other-model': ' (the saved state belonged to another model and was dropped)',
      fresh: '',
    };
    this.view.setStatus(`Listening${note[from]}. Say one of the words.`);
  }

  private async stop(): Promise<void> {
    this.session?.stop();
    this.session = undefined;
    // An explicit stop ends the stream: the next start begins fresh.
    await this.forgetSaved();
    this.setState('ready');
    this.view.setStatus('Stopped.');
  }

  private async onVisibility(): Promise<void> {
    if (document.visibilityState === 'hidden' && this.state === 'listening') {
      await this.suspend();
    } else if (document.visibilityState === 'visible' && this.state === 'paused') {
      // No click here: this works where the page may play audio already (sticky activation); where
      // it may not, the session fails with a 'press Start' message and the state stays saved.
      await this.start(new AudioContext({ latencyHint: 'interactive' }), true);
    }
  }

  /** Page hidden: stop the microphone and save the stream's state until the page is back. */
  private async suspend(): Promise<void> {
    const session = this.session;
    if (session === undefined) return;
    this.setState('suspending');
    let saved: SavedStream;
    try {
      saved = await session.suspend();
      await this.store?.save(SAVED_KEY, saved);
    } catch (e) {
      this.session = undefined;
      this.setState('ready');
      this.report(e);
      return;
    }
    this.session = undefined;
    this.clockBaseMs += session.heardMs;
    document.body.dataset.snapshot = 'saved';
    this.setState('paused');
    this.view.setStatus(`Paused while the app is hidden; its state was saved (${saved.gru.length} bytes).`);
    // Shown again while we were saving: continue at once.
    if (document.visibilityState === 'visible') await this.onVisibility();
  }

  private onPrediction(p: Prediction, sessionHeardMs: number): void {
    if (p.label === undefined || p.score === undefined) return;
    this.view.showTop(p.label, p.score);
    this.plot?.push(this.config!.labels.indexOf(p.label), p.score);
    const heardMs = this.clockBaseMs + sessionHeardMs;
    this.view.showHeard(heardMs);
    // About once a second.
    const perSecond = Math.round(1000 / (this.config!.detector.hopMs ?? KWS_DETECTOR_DEFAULTS.hopMs));
    if (p.frame % perSecond === perSecond - 1) {
      this.view.setStatus(`Listening: ${(heardMs / 1000).toFixed(0)} s so far. Say one of the words.`);
    }
  }

  private onDetection(d: HeardDetection): void {
    this.view.addDetection({
      label: d.label,
      labelIndex: this.config!.labels.indexOf(d.label),
      timeMs: this.clockBaseMs + d.sessionMs,
      score: d.score,
      arrivedAt: performance.now() - d.latencyMs,
    });
  }

  private onSessionError(e: unknown): void {
    this.session = undefined;
    this.setState('ready');
    this.view.setStatus('');
    this.report(e);
  }

  private async loadSaved(): Promise<SavedStream | undefined> {
    if (this.store === undefined) return undefined;
    return this.store.load(SAVED_KEY).then(undefined, (e: unknown) => {
      this.view.showError('storage', `The saved state could not be read (${describe(e)}); starting fresh.`);
      return undefined;
    });
  }

  private async forgetSaved(): Promise<void> {
    await this.store?.remove(SAVED_KEY).then(undefined, (e: unknown) => {
      this.view.showError('storage', `The saved state could not be removed: ${describe(e)}`);
    });
    delete document.body.dataset.snapshot;
  }

  private report(e: unknown): void {
    if (e instanceof MicError) {
      this.view.showError(e.kind === 'denied' ? 'denied' : 'microphone', e.message);
    } else {
      this.view.showError('engine', `Listening stopped: ${describe(e)}`);
      console.error(e);
    }
  }

  private setState(state: AppState): void {
    this.state = state;
    this.view.setState(state);
  }
}

function describe(e: unknown): string {
  if (isGruStreamError(e)) return `${e.message} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}
