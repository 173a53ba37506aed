/**
 * What the app needs to know about the keyword model besides its weights, all read from the model's
 * manifest (`<model>.json`): labels, the audio front end, feature normalisation and the detector's
 * defaults. The engine worker reads the same manifest for itself.
 */
import type { ModelManifest } from 'gru-stream';
import { LogMelFrontEnd, createNormalizer, featureNormFromManifest } from 'gru-stream/features';
import { parseManifest } from 'gru-stream/model';
import { DETECTOR_KEY, kwsDetectorOptionsFromManifest } from 'gru-stream/postprocess';
import type { KwsDetectorOptions } from 'gru-stream/postprocess';

export interface KwsModelConfig {
  manifest: ModelManifest;
  labels: string[];
  /** A new front end matching the model's features (one per listening session). */
  createFrontEnd: () => LogMelFrontEnd;
  /** In-place normalisation of frames, when the manifest has `postprocess.featureNorm`. */
  normalize: ((frames: Float32Array) => void) | undefined;
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

export function modelConfig(manifest: ModelManifest): KwsModelConfig {
  const warnings: string[] = [];
  const labels = manifest.labels;
  if (labels === undefined) throw new Error(`model '${manifest.name}': its manifest has no labels`);
  let createFrontEnd = (): LogMelFrontEnd => new LogMelFrontEnd();
  if (manifest.features?.kind === 'log-mel') {
    const spec = manifest.features;
    createFrontEnd = () => LogMelFrontEnd.fromFeatureSpec(spec);
  } else {
    warnings.push(
      `Model '${manifest.name}' was not trained on log-mel features (its manifest says ` +
        `'${manifest.features?.kind ?? 'nothing'}'): its predictions are meaningless. Build with the ` +
        'trained keyword model for real detections.',
    );
  }
  const melBins = createFrontEnd().melBins;
  if (melBins !== manifest.gru.inputSize) {
    throw new Error(
      `model '${manifest.name}': expects ${manifest.gru.inputSize} features per frame, ` +
        `the front end makes ${melBins}`,
    );
  }
  const norm = featureNormFromManifest(manifest);
  // A trained model ships its calibrated settings; a test model gets the detector's defaults with
  // its frame timing.
  const f = manifest.features;
  const frame =
    f?.kind === 'log-mel' ? { hopMs: f.hopMs, windowMs: f.windowMs } : { hopMs: createFrontEnd().hopMs };
  const detector: KwsDetectorOptions =
    manifest.postprocess?.[DETECTOR_KEY] === undefined
      ? { labels, ...frame }
      : kwsDetectorOptionsFromManifest(manifest);
  return {
    manifest,
    labels,
    createFrontEnd,
    normalize: norm === undefined ? undefined : createNormalizer(norm),
    detector,
    warnings,
  };
}
