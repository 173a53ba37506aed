/**
 * Client-side chunk checks and packing. A bad chunk is refused before it is packed, so it fails alone
 * with a message naming its stream, and never costs a worker hop or poisons a batch.
 *
 * The client imports nothing from the engine at run time (only its protocol types), so packing lives
 * here rather than reusing the engine's `packChunks`; the layout is {@link StepRequest}'s.
 */
import type { StepRequest } from '../engine/protocol.js';
import { GruStreamError } from '../errors.js';

/** One stream's frames for one or more time steps. */
export interface Chunk {
  stream: string;
  /** T × inputSize features, frame after frame. */
  frames: Float32Array;
}

/**
 * Checks a chunk: a non-empty stream id and a Float32Array of T ≥ 1 whole frames of finite values.
 * @param inputSize I, floats per frame
 * @returns the E_BAD_CHUNK error refusing it, or undefined when it is fine
 */
export function checkChunk(stream: unknown, frames: unknown, inputSize: number): GruStreamError | undefined {
  if (typeof stream !== 'string' || stream.length === 0) {
    return new GruStreamError(
      'E_BAD_CHUNK',
      `chunk: stream id must be a non-empty string, got ${describe(stream)}`,
    );
  }
  const expected = `a Float32Array of T × ${inputSize} floats (T ≥ 1 frames of inputSize ${inputSize})`;
  if (!(frames instanceof Float32Array)) {
    return new GruStreamError(
      'E_BAD_CHUNK',
      `chunk of stream '${stream}': expected ${expected}, got ${describe(frames)}`,
      stream,
    );
  }
  if (frames.length === 0 || frames.length % inputSize !== 0) {
    return new GruStreamError(
      'E_BAD_CHUNK',
      `chunk of stream '${stream}': expected ${expected}, got ${frames.length} floats`,
      stream,
    );
  }
  for (let k = 0; k < frames.length; k++) {
    const v = frames[k]!;
    // v - v is 0 for finite numbers and NaN for NaN and ±Infinity: one test for both.
    if (v - v !== 0) {
      return new GruStreamError(
        'E_BAD_CHUNK',
        `chunk of stream '${stream}': frame ${Math.floor(k / inputSize)}, feature ${k % inputSize} is ${v}; ` +
          'expected a finite number',
        stream,
      );
    }
  }
  return undefined;
}

/**
 * Packs checked chunks into one request; the arrays are fresh, so they may be transferred.
 * @param chunks chunks that passed {@link checkChunk}
 * @param inputSize I, floats per frame
 */
export function packChunks(chunks: readonly Chunk[], inputSize: number): StepRequest {
  const n = chunks.length;
  const streams = new Array<string>(n);
  const frameCounts = new Int32Array(n);
  let floats = 0;
  for (let i = 0; i < n; i++) floats += chunks[i]!.frames.length;
  const frames = new Float32Array(floats);
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const c = chunks[i]!;
    streams[i] = c.stream;
    frameCounts[i] = c.frames.length / inputSize;
    frames.set(c.frames, offset);
    offset += c.frames.length;
  }
  return { streams, frameCounts, frames };
}

/** A short description of a value for error messages: `Float32Array(40)`, `Array(3)`, `string 'x'`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) {
    const length = (value as { length?: unknown }).length;
    return `${value.constructor.name}(${typeof length === 'number' ? length : `${value.byteLength} bytes`})`;
  }
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (typeof value === 'string') return `string '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return `${typeof value} ${String(value)}`;
}
