/**
 * Which keyword model the demo ships: the one line to change when the model changes.
 * `KWS_MODEL=<file.tflite>` (its `.json` manifest beside it) overrides it for a build.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SPEECH_EMBEDDING_DIR } from '../../src/cli/index.js';
import { loadKwsModel } from '../../src/node.js';

/**
 * The trained keyword model (its `.json` manifest beside it), relative to the repository root: the
 * GRU head on the speech embedding (models/kws-embed), as the CLI's default.
 */
export const KWS_MODEL = 'models/kws-embed/kws-embed-int8-weights-b1.tflite';

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

/**
 * The files a page needs for `model`: the `.tflite`, its `.json` manifest and, for a head on the
 * speech embedding, the embedding model its manifest names (beside the model, else the shipped one in
 * models/speech-embedding). All go into one folder: the app looks for the embedding model beside the
 * keyword model.
 * @throws GruStreamError E_ARGUMENT / E_MANIFEST naming the model (unreadable, embedding model not found)
 */
export function modelFiles(model: string): string[] {
  const { frontEnd } = loadKwsModel(model, { searchDirs: [SPEECH_EMBEDDING_DIR] });
  return [model, model.replace(/\.tflite$/, '.json'), ...(frontEnd !== undefined ? [frontEnd] : [])];
}
