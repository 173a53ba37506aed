/**
 * A stand-in keyword model for the PWA test while the trained one is not in the repository: a real
 * GRU-step `.tflite` (written by the library's toolchain, run by the real engine) whose one useful
 * hidden unit follows the loudness of the log-mel frame, so it says "speech" whenever someone speaks
 * and "silence" otherwise. It cannot tell words apart, but it makes every spoken event a detection at
 * a known time, which checks the whole path: microphone, resampling, features, normalisation from the
 * manifest, engine, detector, timing, and no detections in the quiet parts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportGruModel } from '../../src/model/index.js';
import type { GruWeights } from '../../src/model/index.js';

const I = 40;
const H = 4;
export const STAND_IN_LABELS = ['silence', 'speech'];
/** Mean log-mel energy of the bundled samples' noise floor (pink noise at −45 dBFS): about −4.3. */
const NOISE_FLOOR = -4.3;
/** Normalised mean energy where "speech" takes over: speech frames sit 2–4 above the floor. */
const SPEECH_ABOVE_FLOOR = 1.3;
/** Steepness of the unit: tanh(3 · 1.3) ≈ 1 at the floor. */
const GAIN = 3;

/** Writes `speech-float32-b1.tflite` + `.json` into `dir`; returns the `.tflite` path. */
export async function writeStandInModel(dir: string): Promise<string> {
  const wx = new Float32Array(3 * H * I);
  const bx = new Float32Array(3 * H);
  // Update gates closed (z ≈ 0): h' = n, no memory, so timing depends on the detector only.
  for (let u = 0; u < H; u++) bx[u] = -12;
  // Candidate of unit 0: tanh(GAIN · (mean of the normalised frame − SPEECH_ABOVE_FLOOR)).
  for (let i = 0; i < I; i++) wx[2 * H * I + i] = GAIN / I;
  bx[2 * H] = -GAIN * SPEECH_ABOVE_FLOOR;
  const wy = new Float32Array(STAND_IN_LABELS.length * H);
  wy[0] = -4; // silence
  wy[H] = 4; // speech
  const weights: GruWeights = {
    form: 'reset_after',
    head: 'softmax',
    inputSize: I,
    hiddenSize: H,
    outputSize: STAND_IN_LABELS.length,
    wx,
    wh: new Float32Array(3 * H * H),
    bx,
    bh: new Float32Array(3 * H),
    wy,
    by: new Float32Array(STAND_IN_LABELS.length),
  };
  const [model] = exportGruModel(weights, {
    name: 'speech',
    scheme: 'float32',
    batches: [1],
    labels: STAND_IN_LABELS,
    features: { kind: 'log-mel', sampleRate: 16_000, windowMs: 25, hopMs: 10, melBins: I },
    // What a trained keyword manifest carries (models/kws/train.ts): normalisation, detector settings.
    postprocess: {
      featureNorm: { mean: new Array<number>(I).fill(NOISE_FLOOR), std: new Array<number>(I).fill(1) },
      detector: { smoothingFrames: 10, threshold: 0.6, suppressionMs: 700 },
    },
  });
  await mkdir(dir, { recursive: true });
  const file = join(dir, model!.fileName);
  await writeFile(file, model!.bytes);
  await writeFile(file.replace(/\.tflite$/, '.json'), JSON.stringify(model!.manifest, null, 2));
  return file;
}
