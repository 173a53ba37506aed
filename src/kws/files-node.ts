/** Keyword models and audio from disk (Node only). */
import { GruStreamError } from '../errors.js';
import { readInputFile } from '../features/input-file-node.js';
import { parseWav, toMono } from '../features/wav.js';
import { kwsDetectorOptionsFromManifest } from '../postprocess/kws-manifest.js';
import type { ModelFile } from '../runtime/model-files-node.js';
import { readModelFile } from '../runtime/model-files-node.js';
import { kwsFrontEnd } from './pipeline.js';

/**
 * Reads a keyword model and checks that its manifest has what the command needs.
 * @throws GruStreamError E_ARGUMENT (unreadable file) or E_MANIFEST
 */
export function loadKwsModel(path: string): ModelFile {
  const model = readModelFile(path);
  kwsFrontEnd(model.manifest, path);
  // Called for its checks: a manifest without usable detector settings fails here, not mid-stream.
  kwsDetectorOptionsFromManifest(model.manifest);
  return model;
}

/**
 * Reads a WAV file as mono at its own rate.
 * @throws GruStreamError E_ARGUMENT naming the file when it is missing or not a WAV this reader takes
 */
export function readAudioFile(path: string): { samples: Float32Array; sampleRate: number } {
  const bytes = new Uint8Array(readInputFile(path));
  try {
    const wav = parseWav(bytes);
    return { samples: toMono(wav.channels), sampleRate: wav.sampleRate };
  } catch (e) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `${path} is not a WAV file this reader takes: ${(e as Error).message}`,
    );
  }
}
