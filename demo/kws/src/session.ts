/**
 * One listening session: microphone → log-mel frames → `infer` (the engine worker) → keyword
 * detector. It can start from a saved state and hand its state back when suspended, so a stream
 * survives the page being hidden.
 */
import { Subject } from 'rxjs';
import type { Subscription } from 'rxjs';
import { infer } from 'gru-stream';
import type { EngineClient, Prediction } from 'gru-stream';
import { KwsDetector } from 'gru-stream/postprocess';
import type { Detection } from 'gru-stream/postprocess';
import { logMelChunks } from './log-mel-operator.js';
import { closeContext, microphone } from './mic.js';
import type { KwsModelConfig } from './model-config.js';
import type { SavedStream } from './snapshot-store.js';

/** A detection as the app shows it. */
export interface HeardDetection extends Detection {
  /** The end of the audio that fired it, in ms of audio since this session started. */
  sessionMs: number;
  /** From the moment the frame's last audio reached the page to the detection, in ms. */
  latencyMs: number;
}

export interface SessionListener {
  /** Audio flows; `inputRate` is the audio graph's real rate in Hz. */
  onStart(inputRate: number): void;
  /** Every frame's prediction, with its latency in ms (audio in → prediction out). */
  onPrediction(p: Prediction, latencyMs: number): void;
  onDetection(d: HeardDetection): void;
  /** The session failed after it started (microphone lost, engine error); it is stopped already. */
  onError(e: unknown): void;
}

/** How `start` began: from a saved state, or fresh (nothing saved, or saved for another model). */
export type StartedFrom = 'saved' | 'fresh' | 'other-model';

/** Frames whose arrival time is remembered, to measure latency: 10 s of audio in flight at most. */
const ARRIVAL_RING = 1024;

export class ListeningSession {
  private readonly detector: KwsDetector;
  private readonly chunks = new Subject<Float32Array>();
  private mic: Subscription | undefined;
  private inference: Subscription | undefined;
  private started = false;
  private stopped = false;
  /** Frames sent to the engine and answered by it in this session. */
  private sent = 0;
  private answered = 0;
  private readonly arrivals = new Float64Array(ARRIVAL_RING);
  /** Detector frames counted before this session (a restored detector continues its count). */
  private originFrames = 0;
  private drain: { resolve: () => void; reject: (e: unknown) => void } | undefined;

  /**
   * @param streamId the engine stream, unique per session: a closed stream id stays closed, and the
   *   previous session's close may still be on its way to the worker
   */
  constructor(
    private readonly engine: EngineClient,
    private readonly config: KwsModelConfig,
    private readonly streamId: string,
    private readonly workletUrl: string,
    private readonly listener: SessionListener,
  ) {
    this.detector = new KwsDetector(config.detector);
  }

  /** Audio heard in this session, in ms. */
  get heardMs(): number {
    return this.answered * this.detector.hopMs;
  }

  /**
   * Opens (or restores) the stream in the engine and starts the microphone; resolves once audio flows.
   * @param context a fresh AudioContext, created in the user's click so it may start; the session
   *   closes it when it stops
   * @throws MicError when the microphone cannot be used, GruStreamError when the engine refuses
   */
  async start(context: AudioContext, saved?: SavedStream): Promise<StartedFrom> {
    let from: StartedFrom;
    try {
      from = await this.openStream(saved);
    } catch (e) {
      closeContext(context);
      throw e;
    }
    this.inference = this.chunks.pipe(infer(this.engine, { stream: this.streamId })).subscribe({
      next: (p) => this.onPrediction(p),
      error: (e: unknown) => this.fail(e),
    });
    await new Promise<void>((resolve, reject) => {
      const audio$ = microphone({
        context,
        workletUrl: this.workletUrl,
        onStart: (rate) => {
          this.started = true;
          this.listener.onStart(rate);
          resolve();
        },
      });
      this.mic = audio$.pipe(logMelChunks(this.config.createFrontEnd, this.config.normalize)).subscribe({
        next: (frames) => this.send(frames),
        error: (e: unknown) => {
          if (this.started) {
            this.fail(e);
            return;
          }
          this.stop();
          reject(e);
        },
      });
    });
    return from;
  }

  private async openStream(saved: SavedStream | undefined): Promise<StartedFrom> {
    if (saved === undefined) {
      await this.engine.open(this.streamId);
      return 'fresh';
    }
    if (saved.modelId !== this.engine.model.modelId) {
      await this.engine.open(this.streamId);
      return 'other-model';
    }
    // Both or neither: the detector's smoothing belongs to that GRU state.
    this.detector.restore(saved.detector);
    await this.engine.restore(this.streamId, saved.gru);
    this.originFrames = saved.detector.frames;
    return 'saved';
  }

  /**
   * Stops the microphone, lets the frames in flight be answered, and returns the state to save: the
   * GRU state (`engine.snapshot`) and the detector's. The session is stopped afterwards.
   */
  async suspend(): Promise<SavedStream> {
    this.mic?.unsubscribe();
    if (this.answered < this.sent) {
      await new Promise<void>((resolve, reject) => (this.drain = { resolve, reject }));
    }
    // The stream is still open here: `infer` closes it only when its subscription ends, below.
    const gru = await this.engine.snapshot(this.streamId);
    const saved: SavedStream = {
      modelId: this.engine.model.modelId,
      gru,
      detector: this.detector.state(),
      savedAt: Date.now(),
    };
    this.stop();
    return saved;
  }

  /** Releases the microphone and closes the engine stream. Idempotent. */
  stop(): void {
    this.stopped = true;
    this.mic?.unsubscribe();
    this.inference?.unsubscribe();
  }

  private send(frames: Float32Array): void {
    const now = performance.now();
    const count = frames.length / this.engine.model.inputSize;
    for (let t = 0; t < count; t++) this.arrivals[(this.sent + t) % ARRIVAL_RING] = now;
    this.sent += count;
    this.chunks.next(frames);
  }

  private onPrediction(p: Prediction): void {
    this.answered++;
    const latencyMs = performance.now() - this.arrivals[p.frame % ARRIVAL_RING]!;
    this.listener.onPrediction(p, latencyMs);
    const d = this.detector.push(p.output);
    if (d !== undefined) {
      // When the audio that fired it ended, counted from this session's first sample.
      const sessionMs = d.timeMs - this.originFrames * this.detector.hopMs;
      this.listener.onDetection({ ...d, sessionMs, latencyMs });
    }
    if (this.drain !== undefined && this.answered === this.sent) this.drain.resolve();
  }

  /** Stops the session and reports `e` once: to a pending {@link suspend}, else to the listener. */
  private fail(e: unknown): void {
    if (this.stopped) return;
    this.stop();
    if (this.drain !== undefined) this.drain.reject(e);
    else this.listener.onError(e);
  }
}
