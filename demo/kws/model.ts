/**
 * Which keyword model the demo ships: the one line to change when the model changes.
 *
 * Until the trained model is in the repository, builds fall back to the seeded test model (same
 * inputs, classes and labels, random weights: the app runs end to end but its detections mean
 * nothing, and it says so on the page). `KWS_MODEL=<file.tflite>` overrides both.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The trained keyword model (its `.json` manifest beside it), relative to the repository root. */
export const KWS_MODEL = 'models/kws/kws-int8-weights-b1.tflite';

/** Stand-in while {@link KWS_MODEL} does not exist yet. */
export const FALLBACK_MODEL = 'models/test/gru-h64-int8-weights-b1.tflite';

export interface ChosenModel {
  /** Absolute path of the `.tflite`. */
  file: string;
  /** Why this one, for the build log. */
  reason: string;
}

export function chooseModel(root: string, override = process.env.KWS_MODEL): ChosenModel {
  if (override !== undefined && override !== '')
    return { file: resolve(root, override), reason: 'KWS_MODEL' };
  if (existsSync(join(root, KWS_MODEL))) return { file: join(root, KWS_MODEL), reason: 'the trained model' };
  return {
    file: join(root, FALLBACK_MODEL),
    reason: `${KWS_MODEL} does not exist yet: the random test model stands in (detections are meaningless)`,
  };
}
