/**
 * `npm start`: the three trained models, each through the real worker path.
 *
 * 1. Keyword spotting: the bundled sample audio on several "microphones" at once (WAV → the keyword
 *    model's front end → RxJS `inferMany` → one worker multiplexing every stream → for the default
 *    model (models/kws-embed) the speech embedding of every stream that is due in one batched call,
 *    then the quantized GRU head → a keyword detector per stream); prints each detection as it
 *    happens and the throughput.
 * 2. Sensor anomalies: `npm run cli -- sensors models/sensors/samples/plant.csv`.
 * 3. Streaming text: `npm run cli -- text models/text/samples/typed.txt`.
 *
 * Options: `--streams N` (microphones, default 8), `--chunk-ms N` (audio per chunk, default 100),
 * `--model <file.tflite>` (a keyword model, default the CLI's; its -b1/-b8/-b64 siblings are loaded too),
 * `--only kws|sensors|text` (one part).
 */
import { fileURLToPath } from 'node:url';
import { from, mergeMap, range, tap } from 'rxjs';
import { KwsDetector, kwsDetectorOptionsFromManifest } from '../src/postprocess/index.js';
import {
  atModelRate,
  createEngine,
  inferMany,
  isChunkFailure,
  keywordChunks,
  loadKwsModel,
  modelFamily,
  readAudioFile,
} from '../src/node.js';
import { DEFAULT_KWS_MODEL, SPEECH_EMBEDDING_DIR, runCli } from '../src/cli/index.js';
import type { Chunk } from '../src/node.js';
import type { ModelManifest } from '../src/model/index.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const SAMPLES = ['models/kws/samples/keywords-heldout.wav', 'models/kws/samples/noise.wav'];
const PARTS = ['kws', 'sensors', 'text'] as const;
type Part = (typeof PARTS)[number];

interface Args {
  streams: number;
  model: string;
  chunkMs: number;
  only?: Part;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { streams: 8, model: DEFAULT_KWS_MODEL, chunkMs: 100 };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === '--streams') args.streams = positiveInt(key, value);
    else if (key === '--chunk-ms') args.chunkMs = positiveInt(key, value);
    else if (key === '--model') args.model = value;
    else if (key === '--only') {
      if (!(PARTS as readonly string[]).includes(value))
        throw new Error(`--only: expected one of ${PARTS.join(', ')}, got '${value}'`);
      args.only = value as Part;
    } else {
      throw new Error(
        `unknown option ${key} (expected --streams N, --model FILE, --chunk-ms N, --only ${PARTS.join('|')})`,
      );
    }
  }
  return args;
}

function positiveInt(key: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${key}: expected an integer ≥ 1, got '${value}'`);
  return n;
}

/** A WAV as the keyword model's chunks (mono, at the model's rate, its front end's frames) and its length in s. */
function audioChunks(
  path: string,
  chunkMs: number,
  manifest: ModelManifest,
): { chunks: Float32Array[]; seconds: number } {
  const { samples, rate } = atModelRate(readAudioFile(path), manifest);
  return { chunks: keywordChunks(manifest, samples, chunkMs), seconds: samples.length / rate };
}

async function keywordSpotting(args: Args): Promise<void> {
  // A model on speech embeddings also names its embedding file: beside it or the shipped one.
  const { manifest, frontEnd } = loadKwsModel(args.model, { searchDirs: [SPEECH_EMBEDDING_DIR] });
  const models = modelFamily(args.model);
  console.log(`== keyword spotting: ${models.map((m) => m.replace(root, '')).join(', ')}`);
  const engine = await createEngine({ models, ...(frontEnd !== undefined && { frontEnd }) });
  const sources = SAMPLES.map((f) => ({
    name: f.split('/').pop()!,
    ...audioChunks(f, args.chunkMs, manifest),
  }));
  // Stream k plays sample k mod 2: several microphones at once, interleaved chunk by chunk.
  const streams = Array.from({ length: args.streams }, (_, k) => ({
    id: `mic-${k}`,
    source: sources[k % sources.length]!,
    detector: new KwsDetector(kwsDetectorOptionsFromManifest(manifest)),
  }));
  const byId = new Map(streams.map((s) => [s.id, s]));
  const longest = Math.max(...sources.map((s) => s.chunks.length));
  console.log(
    `${streams.length} microphones (${streams.map((s) => `${s.id}: ${s.source.name}`).join(', ')}), ` +
      `chunks of ${args.chunkMs} ms\n`,
  );

  let steps = 0;
  let failures = 0;
  let detections = 0;
  const started = performance.now();
  const chunk$ = range(0, longest).pipe(
    mergeMap((i) =>
      from(
        streams
          .filter((s) => i < s.source.chunks.length)
          .map((s): Chunk => ({ stream: s.id, frames: s.source.chunks[i]!.slice() })),
      ),
    ),
  );
  await new Promise<void>((resolve, reject) => {
    chunk$
      .pipe(
        inferMany(engine),
        tap((p) => {
          if (isChunkFailure(p)) {
            failures++;
            console.error(`${p.stream}: chunk ${p.seq} refused: [${p.error.code}] ${p.error.message}`);
            return;
          }
          steps++;
          const hit = byId.get(p.stream)!.detector.push(p.output);
          if (!hit) return;
          detections++;
          const at = (hit.timeMs / 1000).toFixed(2);
          console.log(
            `${p.stream.padEnd(6)} ${at.padStart(6)} s  ${hit.label.padEnd(6)} ${hit.score.toFixed(2)}`,
          );
        }),
      )
      .subscribe({ error: reject, complete: resolve });
  });
  const seconds = (performance.now() - started) / 1000;
  const stats = await engine.stats();
  await engine.dispose();
  const audioSeconds = streams.reduce((sum, s) => sum + s.source.seconds, 0);
  console.log(`\n${detections} detections`);
  // A step is one GRU step of one stream: per 10 ms log-mel frame, or per 80 ms speech embedding.
  console.log(
    `${steps} model steps (${audioSeconds.toFixed(1)} s of audio over ${streams.length} streams) in ` +
      `${seconds.toFixed(2)} s: ${Math.round(steps / seconds)} stream-steps/s, ` +
      `${(audioSeconds / seconds).toFixed(0)}× real time; model invocations by batch size ` +
      `${JSON.stringify(stats.invokes)}; ${failures} chunks refused`,
  );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  process.chdir(root);
  if (!args.only || args.only === 'kws') await keywordSpotting(args);
  if (!args.only || args.only === 'sensors') {
    console.log('\n== sensor anomalies: models/sensors/samples/plant.csv');
    await cli(['sensors', 'models/sensors/samples/plant.csv']);
  }
  if (!args.only || args.only === 'text') {
    console.log('\n== language of typed text, per keystroke: models/text/samples/typed.txt');
    await cli(['text', 'models/text/samples/typed.txt']);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `error: ${e.message}` : e);
  process.exitCode = 1;
});

/** Runs a CLI command; a failure ends the demo with its exit code. */
async function cli(argv: string[]): Promise<void> {
  const code = await runCli(argv);
  if (code !== 0) throw new Error(`npm run cli -- ${argv.join(' ')} exited with ${code}`);
}
