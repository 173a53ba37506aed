/** Keyword models and audio from disk (Node only). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GruStreamError } from '../errors.js';
import { readInputFile } from '../features/input-file-node.js';
import { parseWav, toMono } from '../features/wav.js';
import { kwsDetectorOptionsFromManifest } from '../postprocess/kws-manifest.js';
import type { ModelFile } from '../runtime/model-files-node.js';
import { readModelFile } from '../runtime/model-files-node.js';
import { kwsFrontEnd } from './pipeline.js';

/** A keyword model from disk; `frontEnd` is the embedding model's path for speech-embedding models. */
export interface KwsModelFile extends ModelFile {
  frontEnd?: string;
}

export interface LoadKwsModelOptions {
  /** Path of the embedding model, for a model on speech embeddings. Default: searched (see below). */
  frontEnd?: string;
  /** Folders to look for the embedding model in after the model's own folder. Default none. */
  searchDirs?: string[];
}

/**
 * Reads a keyword model and checks that its manifest has what the command needs. For a model on
 * speech embeddings it also finds the embedding file its manifest names: `options.frontEnd` when
 * given, else beside the model, else in `options.searchDirs`.
 * @throws GruStreamError E_ARGUMENT (unreadable file; embedding model not found, naming the places
 *   tried) or E_MANIFEST
 */
export function loadKwsModel(path: string, options: LoadKwsModelOptions = {}): KwsModelFile {
  const model = readModelFile(path);
  const fe = kwsFrontEnd(model.manifest, path);
  // Called for its checks: a manifest without usable detector settings fails here, not mid-stream.
  kwsDetectorOptionsFromManifest(model.manifest);
  if (fe.kind !== 'speech-embedding') return model;
  const name = fe.features.embeddingModel;
  const tried =
    options.frontEnd !== undefined
      ? [options.frontEnd]
      : [dirname(path), ...(options.searchDirs ?? [])].map((dir) => join(dir, name));
  const found = tried.find((p) => existsSync(p));
  if (found === undefined) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `${path} runs on the speech embedding ${name} (sha256 ${fe.features.embeddingSha256}); ` +
        `not found at ${tried.join(' or ')}`,
    );
  }
  return { ...model, frontEnd: found };
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
