/**
 * A small streaming task for training tests: which of 3 frequencies does a noisy sinusoid have? The
 * label is given at every frame, weighted only over the last 30% (before that the frequency is not yet
 * knowable from the frames seen).
 */
import { gaussian, mulberry32 } from '../../src/model/random.js';
import type { SequenceData } from '../../models/train/batching.js';

/** Cycles per frame of the 3 classes. */
const FREQUENCIES = [0.04, 0.09, 0.16];

export function sinusoidData(count: number, steps: number, seed: number): SequenceData {
  const rand = mulberry32(seed);
  const noise = gaussian(rand);
  const data: SequenceData = { inputs: [], targets: [], weights: [] };
  for (let s = 0; s < count; s++) {
    const k = Math.floor(rand() * FREQUENCIES.length);
    const phase = 2 * Math.PI * rand();
    const amp = 0.5 + rand();
    const x = new Float32Array(steps * 2);
    for (let t = 0; t < steps; t++) {
      x[2 * t] = amp * Math.sin(2 * Math.PI * FREQUENCIES[k]! * t + phase) + 0.3 * noise();
      x[2 * t + 1] = 0.3 * noise(); // a distractor channel
    }
    const w = new Float32Array(steps);
    w.fill(1, Math.floor(0.7 * steps));
    data.inputs.push(x);
    data.targets.push(new Float32Array(steps).fill(k));
    data.weights!.push(w);
  }
  return data;
}
