/**
 * Chunks and their packing into a {@link StepRequest}: one implementation for the client (which
 * checks a chunk before it is queued, so a bad chunk fails alone and never costs a worker hop) and
 * for in-process callers of the engine. Runs on both sides of the worker boundary, so it imports
 * nothing but errors and the protocol's types.
 */
import { refusal } from '../errors.js';
import type { GruStreamError } from '../errors.js';
import type { StepRequest } from './engine.js';

/** Limits a chunk must respect; the engine reports its own in `EngineInfo.limits`. */
export interface ChunkLimits {
  /**
   * Most frames in one chunk (default 16 384). One stream's frames are stepped one after the other,
   * one model invoke each, so a longer chunk would hold the engine (and every other stream) for
   * longer than any other call; cut long inputs into chunks instead.
   */
  maxChunkFrames: number;
  /** Most UTF-8 bytes in a stream id (default 256). */
  maxStreamIdBytes: number;
}

/** The limits used when an engine does not report its own. */
export const DEFAULT_CHUNK_LIMITS: Readonly<ChunkLimits> = Object.freeze({
  maxChunkFrames: 16_384,
  maxStreamIdBytes: 256,
});

const NO_LIMITS: ChunkLimits = { maxChunkFrames: Infinity, maxStreamIdBytes: Infinity };

/** Bytes of `s` in UTF-8 (a lone surrogate counts 3, like its U+FFFD replacement). */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && k + 1 < s.length) {
      const d = s.charCodeAt(k + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        k++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Why a stream id exceeds `maxBytes`, or undefined when it fits. Cheap for short ids: an id of at
 * most maxBytes / 3 UTF-16 units always fits, one longer than maxBytes never does.
 */
export function streamIdTooLong(stream: string, maxBytes: number): string | undefined {
  if (stream.length * 3 <= maxBytes) return undefined;
  const bytes = stream.length > maxBytes ? undefined : utf8Length(stream);
  if (bytes !== undefined && bytes <= maxBytes) return undefined;
  const shown = `'${stream.slice(0, 24)}…'`;
  const size = bytes === undefined ? `more than ${maxBytes}` : String(bytes);
  return `stream id ${shown} has ${size} UTF-8 bytes; the limit (maxStreamIdBytes) is ${maxBytes}`;
}

/** One stream's frames for one or more time steps. */
export interface Chunk {
  stream: string;
  /** T × inputSize features, frame after frame. */
  frames: Float32Array;
}

/** A short description of a value for error messages: `Float64Array(24)`, `Array(3)`, `string 'x'`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) {
    const length = (value as { length?: unknown }).length;
    return `${value.constructor.name}(${typeof length === 'number' ? length : `${value.byteLength} bytes`})`;
  }
  if (Array.isArray(value)) return `Array(${value.length})`;
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `string '${value.slice(0, 40)}…'` : `string '${value}'`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return value.constructor?.name ?? 'object';
    default:
      return typeof value;
  }
}

/**
 * Checks a chunk's shape: a non-empty stream id within `limits.maxStreamIdBytes` and a Float32Array
 * of 1 ≤ T ≤ `limits.maxChunkFrames` whole frames. Values are not looked at (see
 * {@link findNonFinite}). Refusals carry no stack trace (see `refusal`): this runs per chunk.
 * @param inputSize I, floats per frame
 * @param limits default {@link DEFAULT_CHUNK_LIMITS}
 * @returns the E_BAD_CHUNK error refusing it, or undefined when it is fine
 */
export function chunkShapeError(
  stream: unknown,
  frames: unknown,
  inputSize: number,
  limits: ChunkLimits = DEFAULT_CHUNK_LIMITS,
): GruStreamError | undefined {
  if (typeof stream !== 'string' || stream.length === 0) {
    return refusal('E_BAD_CHUNK', `chunk: stream id must be a non-empty string, got ${describe(stream)}`);
  }
  const tooLong = streamIdTooLong(stream, limits.maxStreamIdBytes);
  if (tooLong !== undefined) return refusal('E_BAD_CHUNK', `chunk refused: ${tooLong}`);
  if (!(frames instanceof Float32Array)) {
    return refusal(
      'E_BAD_CHUNK',
      `chunk of stream '${stream}': expected ${expectedFrames(inputSize)}, got ${describe(frames)}`,
      stream,
    );
  }
  if (frames.length === 0 || frames.length % inputSize !== 0) {
    return refusal(
      'E_BAD_CHUNK',
      `chunk of stream '${stream}': expected ${expectedFrames(inputSize)}, got ${frames.length} floats`,
      stream,
    );
  }
  const T = frames.length / inputSize;
  if (T > limits.maxChunkFrames) return chunkTooLongError(`chunk of stream '${stream}'`, stream, T, limits);
  return undefined;
}

/** What a chunk's frames must be, for refusals (built only then: checks run per chunk). */
function expectedFrames(inputSize: number): string {
  return `a Float32Array of T × ${inputSize} floats (T ≥ 1 frames of inputSize ${inputSize})`;
}

/** The E_BAD_CHUNK refusal of a chunk longer than `limits.maxChunkFrames`. */
export function chunkTooLongError(
  chunk: string,
  stream: string,
  frames: number,
  limits: ChunkLimits,
): GruStreamError {
  return refusal(
    'E_BAD_CHUNK',
    `${chunk} has ${frames} frames; the limit (maxChunkFrames) is ${limits.maxChunkFrames}: ` +
      'cut long inputs into several chunks',
    stream,
  );
}

/**
 * Finds the first NaN or ±Infinity in `frames[from, to)`.
 * @returns its index, or -1 when every value is finite
 */
export function findNonFinite(frames: Float32Array, from = 0, to = frames.length): number {
  for (let k = from; k < to; k++) {
    const v = frames[k]!;
    // v - v is 0 for finite numbers and NaN for NaN and ±Infinity: one test for both.
    if (v - v !== 0) return k;
  }
  return -1;
}

/**
 * The E_BAD_CHUNK error for a non-finite value.
 * @param offset index of the value within the chunk's frames
 * @param chunk how the message names the chunk, e.g. `chunk of stream 'a'`
 */
export function nonFiniteError(
  chunk: string,
  stream: string,
  offset: number,
  value: number,
  inputSize: number,
): GruStreamError {
  return refusal(
    'E_BAD_CHUNK',
    `${chunk}: frame ${Math.floor(offset / inputSize)}, feature ${offset % inputSize} is ${value}; ` +
      'expected a finite number',
    stream,
  );
}

/**
 * Checks a whole chunk before it is queued: its shape, then every value (one scan).
 * @returns the E_BAD_CHUNK error refusing it, or undefined when it is fine
 */
export function checkChunk(
  stream: unknown,
  frames: unknown,
  inputSize: number,
  limits: ChunkLimits = DEFAULT_CHUNK_LIMITS,
): GruStreamError | undefined {
  const bad = chunkShapeError(stream, frames, inputSize, limits);
  if (bad !== undefined) return bad;
  const f = frames as Float32Array;
  const k = findNonFinite(f);
  return k < 0
    ? undefined
    : nonFiniteError(`chunk of stream '${stream as string}'`, stream as string, k, f[k]!, inputSize);
}

/**
 * Packs chunks into one request; the arrays are fresh, so they may be transferred.
 * @param chunks chunks of the right shape (throws the first {@link chunkShapeError} otherwise)
 * @param inputSize I, floats per frame
 * @param checked true when every chunk passed {@link checkChunk}: the request is marked `finite` and
 *   the engine skips its own scan of the values (default false: the engine scans)
 */
export function packChunks(chunks: readonly Chunk[], inputSize: number, checked = false): StepRequest {
  const n = chunks.length;
  // Built by push, not `new Array(n)`: a pre-sized array is "holey" in V8, and postMessage sends a
  // holey array as a sparse object (index keys and values one by one, rebuilt property by property
  // in the worker) instead of a dense list.
  const streams: string[] = [];
  const frameCounts = new Int32Array(n);
  let floats = 0;
  for (let i = 0; i < n; i++) {
    const c = chunks[i]!;
    if (!checked) {
      // Shape only: the engine applies its own limits and refuses the chunks that exceed them alone.
      const bad = chunkShapeError(c.stream, c.frames, inputSize, NO_LIMITS);
      if (bad !== undefined) throw bad;
    }
    floats += c.frames.length;
  }
  const frames = new Float32Array(floats);
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const c = chunks[i]!;
    streams.push(c.stream);
    frameCounts[i] = c.frames.length / inputSize;
    frames.set(c.frames, offset);
    offset += c.frames.length;
  }
  return checked ? { streams, frameCounts, frames, finite: true } : { streams, frameCounts, frames };
}
