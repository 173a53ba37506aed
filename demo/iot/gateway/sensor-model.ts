/** The sensor anomaly model as the gateway uses it: files, normalisation and scorer parameters. */
import { fileURLToPath } from 'node:url';
import { GruStreamError, modelFamily, readModelFile } from '../../../src/node.js';
import { anomalyScorerFromManifest } from '../../../src/postprocess/index.js';
import type { AnomalyScorerParams } from '../../../src/postprocess/index.js';
import { CHANNELS } from '../contract.js';

export const DEFAULT_SENSOR_MODEL = fileURLToPath(
  new URL('../../../models/sensors/sensors-int8-weights-b1.tflite', import.meta.url),
);

export interface SensorModel {
  /** The `.tflite` files of the family (batch sizes), for `createEngine`. */
  files: string[];
  modelId: string;
  /** Per channel (contract order): normalisation mean and std, in the channel's units. */
  mean: number[];
  std: number[];
  scorer: AnomalyScorerParams;
}

/**
 * Reads the model's manifest and checks it is a sensor forecaster with the contract's channels.
 * @throws GruStreamError E_MANIFEST naming what is missing
 */
export function loadSensorModel(file = DEFAULT_SENSOR_MODEL): SensorModel {
  const { manifest } = readModelFile(file);
  const f = manifest.features;
  const scorer = anomalyScorerFromManifest(manifest);
  if (f?.kind !== 'sensor' || !f.normalisation || !scorer) {
    throw new GruStreamError(
      'E_MANIFEST',
      `${file}: not a sensor anomaly model (needs features.kind 'sensor' with normalisation, and postprocess.anomalyScorer)`,
    );
  }
  if (f.channels.join() !== CHANNELS.join()) {
    throw new GruStreamError(
      'E_MANIFEST',
      `${file}: channels: expected ${CHANNELS.join(',')} (the topic contract), got ${f.channels.join(',')}`,
    );
  }
  return {
    files: modelFamily(file),
    modelId: manifest.modelId,
    mean: f.normalisation.mean,
    std: f.normalisation.std,
    scorer,
  };
}
