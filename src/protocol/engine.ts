/**
 * The contract between the client (main thread) and the engine (worker), types only.
 * Both sides import it with `import type`; nothing here exists at run time.
 *
 * One request carries many chunks of many streams, packed into a few typed arrays so that the whole
 * batch crosses the worker boundary as transferables, not as thousands of small objects.
 */
import type { SerializedError } from '../errors.js';
import type { ChunkLimits } from './chunk.js';

/** A batch of chunks from any number of streams, in arrival order. */
export interface StepRequest {
  /** Stream id of each chunk. A stream may appear several times; its chunks are applied in order. */
  streams: string[];
  /** Frames of each chunk (T ≥ 1); `frameCounts.length === streams.length`. */
  frameCounts: Int32Array;
  /** All frames of all chunks, concatenated, `sum(frameCounts) × inputSize` floats. */
  frames: Float32Array;
  /**
   * True when the sender has checked that every value is finite (the client does, before queueing a
   * chunk); the engine then skips its own scan. A false claim harms only the streams it carries: a
   * NaN stays in their rows. Default: the engine scans.
   */
  finite?: boolean;
  /**
   * True when chunks of 0 frames are meant: such a chunk opens (or is refused for) its stream like any
   * other and produces no rows. A front-end stage sends them for chunks that completed no window yet.
   * Default false: a 0-frame chunk fails with E_BAD_CHUNK.
   */
  allowEmpty?: boolean;
}

/** What one step request produced. */
export interface StepResult {
  /**
   * Head outputs for every frame of every accepted chunk, in request order, `frames × outputSize`
   * floats; a rejected chunk contributes no rows.
   */
  outputs: Float32Array;
  /** Rows of `outputs` per chunk (its T when accepted, 0 when rejected); length = chunks. */
  outputCounts: Int32Array;
  /** Per-chunk failures: the index of the chunk in the request and the error. Others are unaffected. */
  errors: { index: number; error: SerializedError }[];
}

/**
 * A stateless windowed model in front of the GRU (the speech embedding): a stream's input frames fill
 * a window, and every `stepFrames` frames one window of `windowFrames` becomes one GRU input of
 * `outputSize` floats. The window is per-stream state, carried by snapshots.
 */
export interface FrontEndInfo {
  kind: 'speech-embedding';
  /** Floats per input frame (mel bins). */
  inputSize: number;
  /** Frames per window. */
  windowFrames: number;
  /** Frames between windows: one GRU step per `stepFrames` input frames. */
  stepFrames: number;
  /** Floats per window output (the GRU's input size). */
  outputSize: number;
  /** Batch sizes of the front-end model, ascending. */
  batchSizes: number[];
}

/** Static facts about the loaded model, for clients and post-processing. */
export interface EngineInfo {
  /** Floats per input frame the engine takes (the front end's, when there is one). */
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  /** Batch sizes of the loaded model files, ascending. */
  batchSizes: number[];
  /** sha256 (hex) identifying the model's weights; snapshots carry it. */
  modelId: string;
  labels?: string[];
  /** Which runner executes steps ('tflite' or 'reference'). */
  runner: string;
  /**
   * Present when a front-end model runs before the GRU: then a chunk's rows are the GRU steps its
   * frames completed (0 or more), not one per frame.
   */
  frontEnd?: FrontEndInfo;
  /** The engine's chunk limits; clients refuse chunks beyond them before sending. */
  limits?: ChunkLimits;
}

export interface StreamOptions {
  /** Initial hidden state (H floats). Default zeros. */
  initialState?: Float32Array;
}

export interface EngineStats {
  openStreams: number;
  maxStreams: number;
  /** Frames stepped since start. */
  framesStepped: number;
  /** Model invocations since start, per batch size. */
  invokes: Record<number, number>;
  /**
   * Bytes held by the state table's typed arrays (hidden rows, activity times, free list), allocated
   * rows included; the id → slot map and the id strings come on top.
   */
  stateBytes: number;
  /** Closed ids remembered (so a late chunk fails with E_STREAM), and their UTF-8 bytes. */
  closedIds: number;
  closedIdBytes: number;
}

/** The engine's API; the same in-process (tests) and over comlink (workers), where it is async. */
export interface EngineApi {
  info(): EngineInfo;
  /** Opens a stream explicitly (streams also open on their first chunk). Throws E_STREAM if open. */
  open(stream: string, options?: StreamOptions): void;
  /** Steps every frame of every chunk; errors are per chunk (see {@link StepResult.errors}). */
  step(request: StepRequest): StepResult;
  /** Sets the stream's state back to its initial state. Throws E_STREAM if unknown. */
  reset(stream: string): void;
  /** Forgets the stream; later chunks for it fail with E_STREAM ("after close"). Unknown: E_STREAM. */
  close(stream: string): void;
  /** Closes streams idle longer than the TTL; returns their ids. */
  evictIdle(): string[];
  /** The stream's state as msgpack bytes tagged with the model id. */
  snapshot(stream: string): Uint8Array;
  /** Opens (or overwrites) a stream from a snapshot; refuses a snapshot of another model (E_SNAPSHOT). */
  restore(stream: string, snapshot: Uint8Array): void;
  /**
   * Every open stream's state in one checksummed record (msgpack + CRC-32, tagged with the model id),
   * e.g. for a supervisor that restores a replaced worker. Closed-id memory and initial states are
   * not included.
   */
  checkpoint(): Uint8Array;
  /**
   * Opens or overwrites every stream of a {@link checkpoint} of the same model (E_SNAPSHOT when it
   * is corrupt or of another model; the table is then untouched).
   * @returns the number of streams restored
   */
  restoreCheckpoint(checkpoint: Uint8Array): number;
  stats(): EngineStats;
  dispose(): void;
}
