/**
 * What the operators emit per frame, and the one place that turns a chunk's answer into predictions.
 */
import type { Subscriber } from 'rxjs';

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
 * @param outputs holds the chunk's T × C outputs at `[offset, offset + length)`
 * @param outputSize C
 */
export function emitPredictions(
  subscriber: Subscriber<Prediction>,
  stream: string,
  seq: number,
  firstFrame: number,
  outputs: Float32Array,
  offset: number,
  length: number,
  outputSize: number,
  labels: readonly string[] | undefined,
): void {
  const frames = length / outputSize;
  for (let t = 0; t < frames && !subscriber.closed; t++) {
    const start = offset + t * outputSize;
    const output = outputs.slice(start, start + outputSize);
    if (labels === undefined) {
      subscriber.next({ stream, seq, frame: firstFrame + t, output });
      continue;
    }
    let best = 0;
    for (let c = 1; c < outputSize; c++) if (output[c]! > output[best]!) best = c;
    // One literal with every field: adding label and score afterwards changed the object's shape twice
    // per prediction.
    subscriber.next({ stream, seq, frame: firstFrame + t, output, label: labels[best], score: output[best] });
  }
}
