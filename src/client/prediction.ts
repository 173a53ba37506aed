/**
 * What the operators emit per frame, and the one place that turns a chunk's answer into predictions.
 */
import type { Subscriber } from 'rxjs';
import type { GruStreamError } from '../errors.js';

/** The model's output for one frame of one stream. */
export interface Prediction {
  stream: string;
  /** Index of the chunk in the stream, from 0 at subscription. */
  seq: number;
  /** Index of the frame in the stream, from 0 at subscription. */
  frame: number;
  /** The C head outputs (probabilities for a softmax head); a copy the receiver may keep. */
  output: Float32Array;
  /** Label of the highest output, when the model has labels. */
  label?: string;
  /** The highest output (its probability for a softmax head), when the model has labels. */
  score?: number;
}

/**
 * Emits one prediction per frame of a chunk.
 * @param outputs the chunk's T × C outputs
 * @param outputSize C
 */
export function emitPredictions(
  subscriber: Subscriber<Prediction>,
  stream: string,
  seq: number,
  firstFrame: number,
  outputs: Float32Array,
  outputSize: number,
  labels: readonly string[] | undefined,
): void {
  const frames = outputs.length / outputSize;
  for (let t = 0; t < frames && !subscriber.closed; t++) {
    const output = outputs.slice(t * outputSize, (t + 1) * outputSize);
    const p: Prediction = { stream, seq, frame: firstFrame + t, output };
    if (labels !== undefined) {
      let best = 0;
      for (let c = 1; c < outputSize; c++) if (output[c]! > output[best]!) best = c;
      p.label = labels[best];
      p.score = output[best];
    }
    subscriber.next(p);
  }
}

/** A chunk's answer as a value, so the operators can handle answers strictly in push order. */
export type ChunkAnswer = { outputs: Float32Array } | { error: GruStreamError };

/** Turns a chunk's promise into a {@link ChunkAnswer} that never rejects. */
export function answerOf(p: Promise<Float32Array>): Promise<ChunkAnswer> {
  return p.then(
    (outputs) => ({ outputs }),
    (error: GruStreamError) => ({ error }),
  );
}
