/**
 * The keyword pipeline on any platform: audio → the keyword model's front end and normalisation (as
 * its manifest says) → chunks → an engine → the manifest's detector. The CLI, `npm start`, the PWA
 * and the model scripts all use these, so the model sees exactly what it was trained on.
 */
import { lastValueFrom, tap } from 'rxjs';
import type { EngineClient } from '../client/client.js';
import { infer } from '../client/infer.js';
import { lastFrames, paced } from '../client/paced.js';
import { GruStreamError } from '../errors.js';
import { LogMelFrontEnd } from '../features/log-mel.js';
import type { LogMelFeatureSpec } from '../features/log-mel.js';
import { createNormalizer, featureNormFromManifest } from '../features/normalize.js';
import type { FeatureNorm } from '../features/normalize.js';
import { resample } from '../features/resample.js';
import { SPEECH_MEL, SpeechMelFrontEnd } from '../features/speech-mel.js';
import type { ModelManifest, SpeechEmbeddingFeatureSpec } from '../model/manifest.js';
import { KwsDetector } from '../postprocess/kws-detector.js';
import { kwsDetectorOptionsFromManifest } from '../postprocess/kws-manifest.js';

export interface KwsDetectionLine {
  label: string;
  /** Detection time in ms from the start of the audio. */
  timeMs: number;
  score: number;
}

/** What runs before a keyword model's GRU, as its manifest says. */
export type KwsFrontEnd =
  | { kind: 'log-mel'; features: LogMelFeatureSpec; norm: FeatureNorm }
  /** 32-bin speech mel frames; the engine's front-end stage makes the embeddings the GRU steps on. */
  | { kind: 'speech-embedding'; features: SpeechEmbeddingFeatureSpec };

/**
 * The front end a keyword model's manifest must describe: log-mel features with their normalisation,
 * or the speech-embedding front end.
 * @param what names the model in the error (its path when known)
 * @throws GruStreamError E_MANIFEST when neither is there
 */
export function kwsFrontEnd(manifest: ModelManifest, what: string): KwsFrontEnd {
  const features = manifest.features;
  if (features?.kind === 'speech-embedding') return { kind: 'speech-embedding', features };
  if (features?.kind !== 'log-mel') {
    throw new GruStreamError(
      'E_MANIFEST',
      `${what}: expected a keyword model with log-mel or speech-embedding features, got features ${JSON.stringify(features)}`,
    );
  }
  const norm = featureNormFromManifest(manifest);
  if (!norm) throw new GruStreamError('E_MANIFEST', `${what}: the manifest has no postprocess.featureNorm`);
  return { kind: 'log-mel', features, norm };
}

export interface DetectOptions {
  /** Audio per chunk in ms (default 100). */
  chunkMs?: number;
  /** Stream id in the engine (default 'kws'). */
  stream?: string;
  /** Called with each detection as it happens. */
  onDetection?: (d: KwsDetectionLine) => void;
}

/** Mono audio resampled (when needed) to the sample rate of the keyword model's features. */
export function atModelRate(
  audio: { samples: Float32Array; sampleRate: number },
  manifest: ModelManifest,
): { samples: Float32Array; rate: number } {
  const rate = (manifest.features as { sampleRate: number }).sampleRate;
  const samples = audio.sampleRate === rate ? audio.samples : resample(audio.samples, audio.sampleRate, rate);
  return { samples, rate };
}

/**
 * What a keyword model's worker gets: `samples` (mono, at the model's sample rate) through the
 * manifest's log-mel front end and feature normalisation, cut into chunks of `chunkMs` of audio
 * (default 100; a chunk holds the frames that audio completes).
 * @throws GruStreamError E_MANIFEST when the manifest has no log-mel features or no normalisation
 */
export function keywordChunks(manifest: ModelManifest, samples: Float32Array, chunkMs = 100): Float32Array[] {
  const frontEnd = kwsFrontEnd(manifest, `model ${manifest.name}`);
  const chunkSamples = Math.max(1, Math.round((frontEnd.features.sampleRate * chunkMs) / 1000));
  const chunks: Float32Array[] = [];
  if (frontEnd.kind === 'speech-embedding') {
    const mel = new SpeechMelFrontEnd();
    const take = (): void => {
      if (mel.pending === 0) return;
      const frames = new Float32Array(mel.pending * SPEECH_MEL.melBins);
      mel.pull(frames);
      chunks.push(frames);
    };
    for (let at = 0; at < samples.length; at += chunkSamples) {
      mel.push(samples.subarray(at, at + chunkSamples));
      take();
    }
    // The front end releases frames a block at a time: the end of the audio releases the rest.
    mel.flush();
    take();
    return chunks;
  }
  const logMel = LogMelFrontEnd.fromFeatureSpec(frontEnd.features);
  const normalize = createNormalizer(frontEnd.norm);
  for (let at = 0; at < samples.length; at += chunkSamples) {
    const n = logMel.push(samples.subarray(at, at + chunkSamples));
    if (n === 0) continue;
    const frames = new Float32Array(n * logMel.melBins);
    logMel.pull(frames);
    normalize(frames);
    chunks.push(frames);
  }
  return chunks;
}

/**
 * Streams `samples` (mono, at the model's sample rate) through `engine` as one stream, from a fresh
 * state, and returns the detections of the manifest's detector.
 */
export async function detectKeywords(
  engine: Pick<EngineClient, 'model' | 'batcher' | 'close'>,
  model: { manifest: ModelManifest },
  samples: Float32Array,
  options: DetectOptions = {},
): Promise<{ detections: KwsDetectionLine[] }> {
  const { manifest } = model;
  const chunks = keywordChunks(manifest, samples, options.chunkMs);
  const detector = new KwsDetector(kwsDetectorOptionsFromManifest(manifest));
  const detections: KwsDetectionLine[] = [];
  const stream = options.stream ?? 'kws';
  const bins = engine.model.inputSize;
  const last = lastFrames(chunks.map((c) => ({ stream, frames: c.length / bins })));
  await lastValueFrom(
    // At most 8192 chunks unanswered: any length of audio stays within the batcher's backpressure.
    paced(chunks, 8192, infer(engine, { stream }), (p) => p.frame === last(stream, p.seq)).pipe(
      tap((p) => {
        const hit = detector.push(p.output);
        if (!hit) return;
        const d = { label: hit.label, timeMs: hit.timeMs, score: hit.score };
        detections.push(d);
        options.onDetection?.(d);
      }),
    ),
    // Audio shorter than one frame gives no chunks, hence no predictions: no detections either.
    { defaultValue: undefined },
  );
  return { detections };
}
