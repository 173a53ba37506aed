/**
 * What the app needs to know about the keyword model besides its weights, all read from the model's
 * manifest (`<model>.json`): labels, the audio front end the microphone worklet runs, the embedding
 * model the engine runs before the GRU (for a head on the speech embedding), and the detector's
 * settings. The engine worker reads the same manifest for itself.
 */
import { createEngine } from 'gru-stream';
import type { EngineClient, ModelManifest } from 'gru-stream';
import { LOG_MEL_DEFAULTS, SPEECH_EMBEDDING, featureNormFromManifest } from 'gru-stream/features';
import type { LogMelFeatureSpec } from 'gru-stream/features';
import { parseManifest } from 'gru-stream/model';
import { DETECTOR_KEY, kwsDetectorOptionsFromManifest } from 'gru-stream/postprocess';
import type { KwsDetectorOptions } from 'gru-stream/postprocess';
import type { MicFrontEnd } from './mic-protocol.js';

/** Placeholder detector settings for reading a manifest's step timing alone (they are dropped). */
const TIMING_ONLY = { smoothingFrames: 1, threshold: 0.5, suppressionMs: 0 };
/** The speech mel's frame hop in ms. */
const SPEECH_MEL_HOP_MS = 10;

export interface KwsModelConfig {
  manifest: ModelManifest;
  labels: string[];
  /** The front end the microphone worklet runs. */
  micFrontEnd: MicFrontEnd;
  /** Values per front-end frame (what the engine takes per frame). */
  frameSize: number;
  /** Audio per front-end frame, in ms (10 for both front ends). */
  frameHopMs: number;
  /**
   * The embedding model's file name (beside the model) for a head on the speech embedding: the engine
   * runs it in its worker before the GRU. Undefined for a log-mel model.
   */
  embeddingModel: string | undefined;
  /**
   * The last front-end frame (from 0) that GRU step `k` needs: `k` for log-mel frames, `8k + 75` for
   * the speech embedding (one step per 76-frame window, 8 frames apart).
   */
  lastFrameOfStep: (k: number) => number;
  detector: KwsDetectorOptions;
  /** Why this model's output may mean nothing (a test model), for the user to see. */
  warnings: string[];
}

/** Fetches and reads the manifest beside `modelUrl` (`x.tflite` → `x.json`). */
export async function loadModelConfig(modelUrl: string): Promise<KwsModelConfig> {
  const url = modelUrl.replace(/\.tflite$/, '.json');
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load the model's manifest ${url}: HTTP ${response.status}`);
  return modelConfig(parseManifest(await response.json()));
}

/**
 * The engine for the model at `modelUrl`: its worker from `workerUrl`, and for a head on the speech
 * embedding the embedding model beside it (one stream here, so only the B = 1 embedding variant).
 */
export function createKwsEngine(
  workerUrl: string,
  modelUrl: string,
  config: KwsModelConfig,
): Promise<EngineClient> {
  const embedding = config.embeddingModel;
  return createEngine({
    workerUrl,
    models: [modelUrl],
    ...(embedding !== undefined && { frontEnd: new URL(embedding, modelUrl).href, frontEndBatchSizes: [1] }),
  });
}

export function modelConfig(manifest: ModelManifest): KwsModelConfig {
  const warnings: string[] = [];
  const labels = manifest.labels;
  if (labels === undefined) throw new Error(`model '${manifest.name}': its manifest has no labels`);
  const f = manifest.features;
  let micFrontEnd: MicFrontEnd;
  let frameSize: number;
  let embeddingModel: string | undefined;
  let lastFrameOfStep = (k: number): number => k;
  if (f?.kind === 'speech-embedding') {
    micFrontEnd = { kind: 'speech-mel' };
    frameSize = f.melBins;
    embeddingModel = f.embeddingModel;
    const { windowFrames, stepFrames } = SPEECH_EMBEDDING;
    lastFrameOfStep = (k) => k * stepFrames + windowFrames - 1;
  } else {
    let spec: LogMelFeatureSpec;
    if (f?.kind === 'log-mel') {
      spec = f;
    } else {
      const { sampleRate, windowMs, hopMs, melBins } = LOG_MEL_DEFAULTS;
      spec = { kind: 'log-mel', sampleRate, windowMs, hopMs, melBins };
      warnings.push(
        `Model '${manifest.name}' was not trained on speech (its manifest says features ` +
          `'${f?.kind ?? 'nothing'}'): its predictions are meaningless.`,
      );
    }
    const norm = featureNormFromManifest(manifest);
    micFrontEnd = { kind: 'log-mel', features: spec, ...(norm !== undefined && { norm }) };
    frameSize = spec.melBins;
    if (frameSize !== manifest.gru.inputSize) {
      throw new Error(
        `model '${manifest.name}': expects ${manifest.gru.inputSize} features per frame, ` +
          `the front end makes ${frameSize}`,
      );
    }
  }
  // A trained model ships its calibrated settings; a test model gets the detector's defaults with
  // its frame timing.
  let detector: KwsDetectorOptions;
  if (manifest.postprocess?.[DETECTOR_KEY] !== undefined) {
    detector = kwsDetectorOptionsFromManifest(manifest);
  } else {
    // Only the step timing the manifest implies; the detector's defaults for the rest.
    const { hopMs, windowMs } = kwsDetectorOptionsFromManifest({
      labels,
      features:
        f?.kind === 'speech-embedding' || micFrontEnd.kind === 'speech-mel' ? f : micFrontEnd.features,
      postprocess: { [DETECTOR_KEY]: TIMING_ONLY },
    } as Pick<ModelManifest, 'labels' | 'features' | 'postprocess'>);
    detector = { labels, ...(hopMs !== undefined && { hopMs }), ...(windowMs !== undefined && { windowMs }) };
  }
  const frameHopMs = micFrontEnd.kind === 'log-mel' ? micFrontEnd.features.hopMs : SPEECH_MEL_HOP_MS;
  return {
    manifest,
    labels,
    micFrontEnd,
    frameSize,
    frameHopMs,
    embeddingModel,
    lastFrameOfStep,
    detector,
    warnings,
  };
}
