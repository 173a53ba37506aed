/**
 * The keyword side of the widget: the PWA's own listening session (demo/kws/src: microphone
 * worklet with the model's front end → engine worker (embedding model + GRU for the speech-embedding
 * head) → detector), started and stopped by the global
 * listening toggle. Nothing of the model is known here: its manifest (via the PWA's
 * `loadModelConfig`) says labels, features and detector settings.
 */
import { isGruStreamError } from 'gru-stream';
import type { EngineClient } from 'gru-stream';
import { KWS_DETECTOR_DEFAULTS } from 'gru-stream/postprocess';
import { MicError } from '../../../kws/src/mic.js';
import { createKwsEngine, loadModelConfig } from '../../../kws/src/model-config.js';
import type { KwsModelConfig } from '../../../kws/src/model-config.js';
import { ListeningSession } from '../../../kws/src/session.js';
import type { HeardDetection } from '../../../kws/src/session.js';

export interface KeywordUrls {
  /** The engine's classic worker, tfjs-tflite's WASM beside it. */
  worker: string;
  /** The `.tflite` (its `.json` manifest beside it). */
  model: string;
  /** The PWA's built microphone worklet. */
  worklet: string;
}

export interface KeywordEvents {
  onState(state: 'loading' | 'ready' | 'listening' | 'error', message: string): void;
  onDetection(d: HeardDetection): void;
  /**
   * Every model step, at most every 50 ms of audio, while listening: audio the model has heard in
   * this session (ms) and the graph's rate (Hz).
   */
  onProgress(heardMs: number, inputRate: number): void;
}

/**
 * Audio between two progress calls, ms (at most one per model step): every step of the speech
 * embedding head (80 ms), every 5th log-mel frame (10 ms).
 */
const PROGRESS_EVERY_MS = 50;

export class KeywordListener {
  private engine: EngineClient | undefined;
  private config: KwsModelConfig | undefined;
  private session: ListeningSession | undefined;
  private want = false;
  private busy = false;
  private sessions = 0;
  private inputRate = 0;

  constructor(
    private readonly urls: KeywordUrls,
    private readonly events: KeywordEvents,
  ) {}

  /** Loads the model and the engine; `describe` is the model's one-line description. */
  async load(): Promise<string> {
    this.events.onState('loading', 'Loading the keyword model…');
    // The manifest first: it names the embedding model the engine runs before the GRU.
    const config = await loadModelConfig(this.urls.model);
    const engine = await createKwsEngine(this.urls.worker, this.urls.model, config);
    this.config = config;
    this.engine = engine;
    const ignored: readonly string[] = config.detector.ignore ?? KWS_DETECTOR_DEFAULTS.ignore;
    const words = config.labels.filter((l) => !ignored.includes(l));
    this.events.onState('ready', `Ready: ${words.join(', ')}`);
    void this.reconcile();
    return `${config.manifest.name}, engine ${engine.model.runner} in a Web Worker`;
  }

  /** The toggle's value; the session follows it (start and stop never overlap). */
  set listening(on: boolean) {
    this.want = on;
    void this.reconcile();
  }

  private async reconcile(): Promise<void> {
    if (this.busy || this.engine === undefined || this.config === undefined) return;
    this.busy = true;
    try {
      while (this.want !== (this.session !== undefined)) {
        if (this.want) await this.start(this.engine, this.config);
        else this.stop();
      }
    } finally {
      this.busy = false;
    }
  }

  private async start(engine: EngineClient, config: KwsModelConfig): Promise<void> {
    let nextProgressMs = PROGRESS_EVERY_MS;
    const session = new ListeningSession(engine, config, `mic-${++this.sessions}`, this.urls.worklet, {
      onStart: (rate) => (this.inputRate = rate),
      onPrediction: (_p, _latencyMs, heardMs) => {
        if (heardMs < nextProgressMs) return;
        nextProgressMs = heardMs + PROGRESS_EVERY_MS;
        this.events.onProgress(heardMs, this.inputRate);
      },
      onDetection: (d) => this.events.onDetection(d),
      onError: (e) => {
        this.session = undefined;
        this.want = false;
        this.events.onState('error', describe(e));
      },
    });
    this.session = session;
    try {
      await session.start(new AudioContext({ latencyHint: 'interactive' }));
    } catch (e) {
      this.session = undefined;
      // Not again until the user asks: a denied microphone stays denied.
      this.want = false;
      this.events.onState('error', describe(e));
      return;
    }
    this.events.onState('listening', 'Listening');
  }

  private stop(): void {
    this.session?.stop();
    this.session = undefined;
    this.events.onState('ready', 'Not listening');
  }
}

function describe(e: unknown): string {
  if (e instanceof MicError) return e.message;
  if (isGruStreamError(e)) return `${e.message} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}
