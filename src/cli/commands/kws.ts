/**
 * `kws <file.wav> [--json] [--model <file.tflite>] [--chunk-ms N]`: keyword detections in a WAV file,
 * through the real path: WAV (any rate, any channels → 16 kHz mono) → streaming log-mel front end in
 * chunks of `--chunk-ms` (default 100) → the manifest's feature normalisation → `infer` into a
 * worker_threads engine running the quantized GRU step, state carried → the manifest's keyword
 * detector (smoothing, threshold, suppression).
 *
 * Output: one line per detection, `{"label","timeMs","score"}` with `--json`, else a table. `timeMs`
 * is the detection time: how far into the file the audio had to be heard for the detector to fire
 * (the end of the window of the frame that fired), in ms from the start of the file.
 */
import { fileURLToPath } from 'node:url';
import { from, lastValueFrom, tap } from 'rxjs';
import { GruStreamError } from '../../errors.js';
import { LogMelFrontEnd } from '../../features/log-mel.js';
import type { LogMelFeatureSpec } from '../../features/log-mel.js';
import { createNormalizer, featureNormFromManifest } from '../../features/normalize.js';
import type { FeatureNorm } from '../../features/normalize.js';
import { parseWav, resample, toMono } from '../../features/wav.js';
import { createEngine } from '../../client/node.js';
import { infer } from '../../client/infer.js';
import type { EngineClient } from '../../client/client.js';
import { KwsDetector } from '../../postprocess/kws-detector.js';
import { kwsDetectorOptionsFromManifest } from '../../postprocess/kws-manifest.js';
import type { ModelManifest } from '../../model/manifest.js';
import type { ModelFile } from '../../runtime/model-files-node.js';
import { readModelFile } from '../../runtime/model-files-node.js';
import { readInputFile } from '../input-file.js';
import { UsageError, parseFileCommand } from '../usage.js';

/** The shipped keyword model (B = 1: one stream needs no bigger batch). */
export const DEFAULT_KWS_MODEL = fileURLToPath(
  new URL('../../../models/kws/kws-int8-weights-b1.tflite', import.meta.url),
);

export interface KwsDetectionLine {
  label: string;
  /** Detection time in ms from the start of the audio. */
  timeMs: number;
  score: number;
}

/**
 * Reads a keyword model and checks that its manifest has what the command needs.
 * @throws GruStreamError E_ARGUMENT (unreadable file) or E_MANIFEST
 */
export function loadKwsModel(path: string = DEFAULT_KWS_MODEL): ModelFile {
  const model = readModelFile(path);
  kwsFrontEnd(model.manifest, path);
  // Called for its checks: a manifest without usable detector settings fails here, not mid-stream.
  kwsDetectorOptionsFromManifest(model.manifest);
  return model;
}

/**
 * The log-mel spec and feature normalisation a keyword model's manifest must carry.
 * @param what names the model in the error (its path when known)
 * @throws GruStreamError E_MANIFEST when either is missing
 */
function kwsFrontEnd(
  manifest: ModelManifest,
  what: string,
): { features: LogMelFeatureSpec; norm: FeatureNorm } {
  const features = manifest.features;
  if (features?.kind !== 'log-mel') {
    throw new GruStreamError(
      'E_MANIFEST',
      `${what}: expected a keyword model with log-mel features, got features ${JSON.stringify(features)}`,
    );
  }
  const norm = featureNormFromManifest(manifest);
  if (!norm) throw new GruStreamError('E_MANIFEST', `${what}: the manifest has no postprocess.featureNorm`);
  return { features, norm };
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
  const { features, norm } = kwsFrontEnd(manifest, `model ${manifest.name}`);
  const frontEnd = LogMelFrontEnd.fromFeatureSpec(features);
  const normalize = createNormalizer(norm);
  const chunkSamples = Math.max(1, Math.round((frontEnd.sampleRate * chunkMs) / 1000));
  const chunks: Float32Array[] = [];
  for (let at = 0; at < samples.length; at += chunkSamples) {
    const n = frontEnd.push(samples.subarray(at, at + chunkSamples));
    if (n === 0) continue;
    const frames = new Float32Array(n * frontEnd.melBins);
    frontEnd.pull(frames);
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
  model: ModelFile,
  samples: Float32Array,
  options: DetectOptions = {},
): Promise<{ detections: KwsDetectionLine[] }> {
  const { manifest } = model;
  const chunks = keywordChunks(manifest, samples, options.chunkMs);
  const detector = new KwsDetector(kwsDetectorOptionsFromManifest(manifest));
  const detections: KwsDetectionLine[] = [];
  await lastValueFrom(
    from(chunks).pipe(
      infer(engine, { stream: options.stream ?? 'kws' }),
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

const HELP = 'usage: npm run cli -- kws <file.wav> [--json] [--model <file.tflite>] [--chunk-ms N]';

export async function kws(args: string[]): Promise<void> {
  const { file, flags, values } = parseFileCommand(args, {
    command: 'kws',
    fileKind: 'a WAV file',
    usage: HELP,
    flags: ['json'],
    values: { model: DEFAULT_KWS_MODEL, 'chunk-ms': '100' },
  });
  const json = flags.json;
  const modelPath = values.model;
  const chunkMs = Number(values['chunk-ms']);
  if (!(Number.isFinite(chunkMs) && chunkMs > 0))
    throw new UsageError(`kws: --chunk-ms: expected a number > 0, got '${values['chunk-ms']}'`);
  const audio = readAudioFile(file);
  const model = loadKwsModel(modelPath);
  const { samples, rate } = atModelRate(audio, model.manifest);
  const engine = await createEngine({ models: [model] });
  try {
    if (!json) console.log(`${'time'.padStart(9)}  ${'keyword'.padEnd(8)} score`);
    const { detections } = await detectKeywords(engine, model, samples, {
      chunkMs,
      onDetection: (d) => {
        if (json) {
          console.log(
            JSON.stringify({ label: d.label, timeMs: d.timeMs, score: Math.round(d.score * 1e4) / 1e4 }),
          );
        } else {
          console.log(
            `${(d.timeMs / 1000).toFixed(2).padStart(7)} s  ${d.label.padEnd(8)} ${d.score.toFixed(3)}`,
          );
        }
      },
    });
    if (!json) {
      const seconds = samples.length / rate;
      console.log(`${detections.length} detection(s) in ${seconds.toFixed(1)} s of audio (${file})`);
    }
  } finally {
    await engine.dispose();
  }
}
