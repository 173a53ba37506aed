/**
 * `kws <file.wav> [--json] [--model <file.tflite>] [--chunk-ms N]`: keyword detections in a WAV file,
 * through the real path: WAV (any rate, any channels → 16 kHz mono) → the model's front end in chunks
 * of `--chunk-ms` (default 100) → `infer` into a worker_threads engine, state carried → the manifest's
 * keyword detector (smoothing, threshold, suppression). The default model (models/kws-embed) takes
 * speech-embedding mel frames; the worker embeds each stream's 76-frame window every 80 ms with
 * models/speech-embedding/embedding_model.tflite and steps the quantized GRU head on it. A log-mel
 * model (`--model models/kws/kws-int8-weights-b1.tflite`) takes normalised log-mel frames instead.
 *
 * Output: one line per detection, `{"label","timeMs","score"}` with `--json`, else a table. `timeMs`
 * is the detection time: how far into the file the audio had to be heard for the detector to fire
 * (the end of the window of the step that fired), in ms from the start of the file.
 */
import { DEFAULT_KWS_MODEL, SPEECH_EMBEDDING_DIR } from '../default-models.js';
import { createEngine } from '../../client/node.js';
import { atModelRate, detectKeywords } from '../../kws/pipeline.js';
import { loadKwsModel, readAudioFile } from '../../kws/files-node.js';
import { UsageError, parseFileCommand } from '../usage.js';

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
  const model = loadKwsModel(modelPath, { searchDirs: [SPEECH_EMBEDDING_DIR] });
  const { samples, rate } = atModelRate(audio, model.manifest);
  const engine = await createEngine({
    models: [model],
    ...(model.frontEnd !== undefined && { frontEnd: model.frontEnd }),
  });
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
