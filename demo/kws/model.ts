/**
 * Which keyword model the demo ships: the one line to change when the model changes.
 * `KWS_MODEL=<file.tflite>` (its `.json` manifest beside it) overrides it for a build.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The trained keyword model (its `.json` manifest beside it), relative to the repository root. */
export const KWS_MODEL = 'models/kws/kws-int8-weights-b1.tflite';

export interface ChosenModel {
  /** Absolute path of the `.tflite`. */
  file: string;
  /** Why this one, for the build log. */
  reason: string;
}

/** @throws Error naming the file when the chosen model does not exist */
export function chooseModel(root: string, override = process.env.KWS_MODEL): ChosenModel {
  const chosen =
    override !== undefined && override !== ''
      ? { file: resolve(root, override), reason: 'KWS_MODEL' }
      : { file: join(root, KWS_MODEL), reason: 'the trained keyword model' };
  if (!existsSync(chosen.file)) throw new Error(`keyword model not found: ${chosen.file} (${chosen.reason})`);
  return chosen;
}
