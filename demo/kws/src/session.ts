/**
 * One listening session: microphone → the model's front-end frames (made in the audio worklet) →
 * `infer` (the engine worker: for a head on the speech embedding, the embedding model then the GRU) →
 * keyword detector. It can start from a saved state and hand its state back when suspended, so a
 * stream survives the page being hidden.
 */
import { Subject } from 'rxjs';
import type { Subscription } from 'rxjs';
import { infer } from 'gru-stream';
import type { EngineClient, Prediction } from 'gru-stream';
import { KwsDetector } from 'gru-stream/postprocess';
import type { Detection } from 'gru-stream/postprocess';
import { closeContext, microphone } from './mic.js';
import type { KwsModelConfig } from './model-config.js';
import type { SavedStream } from './snapshot-store.js';

/** A detection as the app shows it. */
export interface HeardDetection extends Detection {
  /** The end of the audio that fired it, in ms of audio since this session started. */
  sessionMs: number;
  /**
   * From the moment the last audio the firing step needed reached the page (the worklet's frame
   * arriving) to the detection, in ms: the processing part of the delay. The model's own part (how
   * long after a word ends its step fires) comes before it.
   */
  latencyMs: number;
}

export interface SessionListener {
  /** Audio flows; `inputRate` is the audio graph's real rate in Hz. */
  onStart(inputRate: number): void;
  /**
   * Every step's prediction, with its latency in ms (its last audio in → prediction out) and the
   * audio of this session it has heard, in ms.
   */
  onPrediction(p: Prediction, latencyMs: number, heardMs: number): void;
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
  /** Front-end frames sent to the engine, and GRU steps answered by it, in this session. */
  private sent = 0;
  private answered = 0;
  /** Steps the engine owes for the frames sent (a step needs a whole window of frames). */
  private due = 0;
  private readonly arrivals = new Float64Array(ARRIVAL_RING);
  /** Steps and frames of the stream before this session (a restored stream continues its counts). */
  private originSteps = 0;
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

  /** Audio heard in this session, in ms (its front-end frames). */
  get heardMs(): number {
    return this.sent * this.config.frameHopMs;
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
      const frames$ = microphone({
        context,
        workletUrl: this.workletUrl,
        frontEnd:
          this.config.micFrontEnd.kind === 'speech-mel'
            ? { ...this.config.micFrontEnd, startFrame: this.originFrames }
            : this.config.micFrontEnd,
        onStart: (rate) => {
          this.started = true;
          this.listener.onStart(rate);
          resolve();
        },
      });
      this.mic = frames$.subscribe({
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
    // Another model's state, or one saved by a version that did not record its frame count.
    if (saved.modelId !== this.engine.model.modelId || saved.frames === undefined) {
      await this.engine.open(this.streamId);
      return 'other-model';
    }
    // Both or neither: the detector's smoothing belongs to that GRU state.
    this.detector.restore(saved.detector);
    await this.engine.restore(this.streamId, saved.gru);
    this.originSteps = saved.detector.frames;
    this.originFrames = saved.frames;
    return 'saved';
  }

  /**
   * Stops the microphone, lets the frames in flight be answered, and returns the state to save: the
   * GRU state (`engine.snapshot`) and the detector's. The session is stopped afterwards.
   */
  async suspend(): Promise<SavedStream> {
    this.mic?.unsubscribe();
    if (this.answered < this.due) {
      await new Promise<void>((resolve, reject) => (this.drain = { resolve, reject }));
    }
    // The stream is still open here: `infer` closes it only when its subscription ends, below.
    const gru = await this.engine.snapshot(this.streamId);
    const saved: SavedStream = {
      modelId: this.engine.model.modelId,
      gru,
      detector: this.detector.state(),
      frames: this.originFrames + this.sent,
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
    const count = frames.length / this.config.frameSize;
    for (let t = 0; t < count; t++) this.arrivals[(this.sent + t) % ARRIVAL_RING] = now;
    this.sent += count;
    // Steps whose last frame has now been sent (stream-wide numbering, a restored stream included).
    const streamFrames = this.originFrames + this.sent;
    while (this.config.lastFrameOfStep(this.originSteps + this.due) < streamFrames) this.due++;
    this.chunks.next(frames);
  }

  private onPrediction(p: Prediction): void {
    this.answered++;
    // The session frame that completed this step's input: when its audio reached the page.
    const last = this.config.lastFrameOfStep(this.originSteps + p.frame) - this.originFrames;
    const latencyMs = performance.now() - this.arrivals[Math.max(0, last) % ARRIVAL_RING]!;
    this.listener.onPrediction(p, latencyMs, (last + 1) * this.config.frameHopMs);
    const d = this.detector.push(p.output);
    if (d !== undefined) {
      // When the audio that fired it ended, counted from this session's first sample.
      const sessionMs = d.timeMs - this.originFrames * this.config.frameHopMs;
      this.listener.onDetection({ ...d, sessionMs, latencyMs });
    }
    if (this.drain !== undefined && this.answered === this.due) this.drain.resolve();
  }

  /** Stops the session and reports `e` once: to a pending {@link suspend}, else to the listener. */
  private fail(e: unknown): void {
    if (this.stopped) return;
    this.stop();
    if (this.drain !== undefined) this.drain.reject(e);
    else this.listener.onError(e);
  }
}
