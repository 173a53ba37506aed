/**
 * The CLI's default models: the ones shipped in the package's `models/` folder. Only the CLI (an
 * application) has defaults; the library takes every model as an argument.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest folder above this file whose package.json is gru-stream's. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'gru-stream'
    ) {
      return dir;
    }
    const up = dirname(dir);
    if (up === dir)
      throw new Error(`gru-stream's package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

const root = packageRoot();

/**
 * The shipped keyword model: the GRU head on Google's speech embedding (models/kws-embed; B = 1: one
 * stream needs no bigger batch). Its embedding model is in {@link SPEECH_EMBEDDING_DIR}. The older
 * log-mel model (models/kws/kws-int8-weights-b1.tflite) still runs with `--model`.
 */
export const DEFAULT_KWS_MODEL = join(root, 'models/kws-embed/kws-embed-int8-weights-b1.tflite');
/** The shipped sensor model, B = 1. */
export const DEFAULT_SENSORS_MODEL = join(root, 'models/sensors/sensors-int8-weights-b1.tflite');
/** The shipped typed-text model, B = 1. */
export const DEFAULT_TEXT_MODEL = join(root, 'models/text/text-int8-weights-b1.tflite');
/** The shipped speech-embedding models (the front end of keyword models trained on it). */
export const SPEECH_EMBEDDING_DIR = join(root, 'models/speech-embedding');
