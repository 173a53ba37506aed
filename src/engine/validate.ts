/**
 * Checks of step requests and API arguments, each producing a specific {@link GruStreamError} that
 * names the stream, the expected and the actual value.
 *
 * A request whose layout is broken (wrong array types, lengths that do not add up) cannot be split
 * into chunks, so it is rejected whole; anything wrong inside one chunk rejects only that chunk.
 */
import { GruStreamError, refusal } from '../errors.js';
import {
  chunkTooLongError,
  describe,
  findNonFinite,
  nonFiniteError,
  streamIdTooLong,
} from '../protocol/chunk.js';
import type { ChunkLimits } from '../protocol/chunk.js';
import type { StepRequest } from '../protocol/engine.js';

/** The request's first few stream ids for a message: `streams 'a', 'b', 'c' and 7 more`. */
function listStreams(streams: unknown[]): string {
  if (streams.length === 0) return 'no chunks';
  const shown = streams.slice(0, 3).map((s) => (typeof s === 'string' ? `'${s}'` : describe(s)));
  const more = streams.length > 3 ? ` and ${streams.length - 3} more` : '';
  return `${streams.length === 1 ? 'stream' : 'streams'} ${shown.join(', ')}${more}`;
}

/**
 * Checks the layout of a request as a whole; throws E_BAD_CHUNK when it cannot be split into chunks.
 * @param inputSize I, floats per frame
 * @returns the total number of frames, `sum(frameCounts)`
 */
export function validateRequestLayout(request: unknown, inputSize: number): number {
  if (typeof request !== 'object' || request === null) {
    throw new GruStreamError('E_BAD_CHUNK', `step request must be an object, got ${describe(request)}`);
  }
  const { streams, frameCounts, frames } = request as Partial<StepRequest>;
  if (!Array.isArray(streams)) {
    throw new GruStreamError(
      'E_BAD_CHUNK',
      `step request 'streams' must be an array of stream ids, got ${describe(streams)}`,
    );
  }
  if (!(frameCounts instanceof Int32Array)) {
    throw new GruStreamError(
      'E_BAD_CHUNK',
      `step request (${listStreams(streams)}): 'frameCounts' must be an Int32Array, got ${describe(frameCounts)}`,
    );
  }
  if (!(frames instanceof Float32Array)) {
    throw new GruStreamError(
      'E_BAD_CHUNK',
      `step request (${listStreams(streams)}): 'frames' must be a Float32Array, got ${describe(frames)}`,
    );
  }
  if (frameCounts.length !== streams.length) {
    throw new GruStreamError(
      'E_BAD_CHUNK',
      `step request (${listStreams(streams)}) has ${streams.length} stream ids but ${frameCounts.length} ` +
        'frame counts; expected one per chunk',
    );
  }
  let total = 0;
  for (let i = 0; i < frameCounts.length; i++) {
    const count = frameCounts[i]!;
    if (count < 0) {
      const stream = streams[i];
      throw new GruStreamError(
        'E_BAD_CHUNK',
        `chunk ${i} of stream '${String(stream)}' has frame count ${count}; expected ≥ 1`,
        typeof stream === 'string' ? stream : undefined,
      );
    }
    total += count;
  }
  if (frames.length !== total * inputSize) {
    throw new GruStreamError(
      'E_BAD_CHUNK',
      `step request (${listStreams(streams)}): frames hold ${frames.length} floats; expected ` +
        'sum(frameCounts) × inputSize = ' +
        `${total} × ${inputSize} = ${total * inputSize}`,
    );
  }
  return total;
}

/**
 * Checks one chunk of a request whose layout passed {@link validateRequestLayout}.
 * @param frameStart index of the chunk's first frame in `request.frames` (in frames, not floats)
 * @returns the error rejecting the chunk, or undefined when it is fine
 */
export function checkChunk(
  request: StepRequest,
  index: number,
  frameStart: number,
  inputSize: number,
  limits: ChunkLimits,
): GruStreamError | undefined {
  const stream: unknown = request.streams[index];
  if (typeof stream !== 'string' || stream.length === 0) {
    return refusal(
      'E_BAD_CHUNK',
      `chunk ${index}: stream id must be a non-empty string, got ${describe(stream)}`,
    );
  }
  const tooLong = streamIdTooLong(stream, limits.maxStreamIdBytes);
  if (tooLong !== undefined) return refusal('E_BAD_CHUNK', `chunk ${index} refused: ${tooLong}`);
  const count = request.frameCounts[index]!;
  if (count === 0 && request.allowEmpty !== true) {
    return refusal('E_BAD_CHUNK', `chunk ${index} of stream '${stream}' has 0 frames; expected ≥ 1`, stream);
  }
  if (count > limits.maxChunkFrames) {
    return chunkTooLongError(`chunk ${index} of stream '${stream}'`, stream, count, limits);
  }
  // A request packed from checked chunks (the client's) has had every value scanned already.
  if (request.finite === true) return undefined;
  const from = frameStart * inputSize;
  const k = findNonFinite(request.frames, from, from + count * inputSize);
  if (k >= 0) {
    return nonFiniteError(
      `chunk ${index} of stream '${stream}'`,
      stream,
      k - from,
      request.frames[k]!,
      inputSize,
    );
  }
  return undefined;
}

/**
 * Throws E_ARGUMENT unless `stream` is a non-empty string of at most `maxBytes` UTF-8 bytes (for
 * open/reset/close/snapshot/restore).
 */
export function checkStreamId(stream: unknown, method: string, maxBytes: number): asserts stream is string {
  if (typeof stream !== 'string' || stream.length === 0) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `${method}(): stream id must be a non-empty string, got ${describe(stream)}`,
    );
  }
  const tooLong = streamIdTooLong(stream, maxBytes);
  if (tooLong !== undefined) throw new GruStreamError('E_ARGUMENT', `${method}(): ${tooLong}`);
}

/** Throws E_ARGUMENT unless `state` is a Float32Array of `hiddenSize` finite floats. */
export function checkState(
  stream: string,
  state: unknown,
  hiddenSize: number,
): asserts state is Float32Array {
  if (!(state instanceof Float32Array) || state.length !== hiddenSize) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `initial state of stream '${stream}': expected a Float32Array of ${hiddenSize} floats, got ${describe(state)}`,
      stream,
    );
  }
  for (let j = 0; j < hiddenSize; j++) {
    const v = state[j]!;
    if (v - v !== 0) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `initial state of stream '${stream}': element ${j} is ${v}; expected a finite number`,
        stream,
      );
    }
  }
}
