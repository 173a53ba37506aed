/**
 * `npm start`: streams the bundled sample audio of several "microphones" through the full path
 * (WAV → log-mel front end → RxJS `inferMany` → worker → quantized GRU step → predictions), prints
 * each stream's predictions as they change and the throughput, and exits when the samples end.
 *
 * Options: `npm start -- --streams N` (default 8), `--model <file.tflite>` (a batch-size family is
 * picked up from the same folder: -b1, -b8, -b64), `--chunk-ms N` (audio per chunk, default 100).
 */
import { readFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { from, mergeMap, range, tap } from 'rxjs';
import { LogMelFrontEnd } from '../src/features/log-mel.js';
import { parseWav, resample, toMono } from '../src/features/wav.js';
import { createEngine, inferMany, isChunkFailure } from '../src/node.js';
import type { Chunk, Prediction } from '../src/node.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const SAMPLES = ['models/kws/samples/keywords-heldout.wav', 'models/kws/samples/noise.wav'];
const DEFAULT_MODEL = 'models/test/gru-h64-int8-weights-b1.tflite';

interface Args {
  streams: number;
  model: string;
  chunkMs: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { streams: 8, model: DEFAULT_MODEL, chunkMs: 100 };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === '--streams') args.streams = positiveInt(key, value);
    else if (key === '--chunk-ms') args.chunkMs = positiveInt(key, value);
    else if (key === '--model') args.model = value;
    else throw new Error(`unknown option ${key} (expected --streams N, --model FILE, --chunk-ms N)`);
  }
  return args;
}

function positiveInt(key: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${key}: expected an integer ≥ 1, got '${value}'`);
  return n;
}

/** The model file and its siblings for other batch sizes (`-b1`, `-b8`, `-b64`), those that exist. */
function modelFamily(file: string): string[] {
  const family = [1, 8, 64].map((b) => file.replace(/-b\d+\.tflite$/, `-b${b}.tflite`));
  return [...new Set([file, ...family])].filter((f) => existsSync(f));
}

/** Log-mel frames of a WAV (resampled to 16 kHz mono), cut into chunks of `chunkMs`. */
function audioChunks(path: string, chunkMs: number): Float32Array[] {
  const wav = parseWav(new Uint8Array(readFileSync(path)));
  const audio = resample(toMono(wav.channels), wav.sampleRate, 16_000);
  const frontEnd = new LogMelFrontEnd();
  const chunkSamples = (16_000 * chunkMs) / 1000;
  const chunks: Float32Array[] = [];
  for (let at = 0; at < audio.length; at += chunkSamples) {
    const frames = frontEnd.push(audio.subarray(at, at + chunkSamples));
    if (frames === 0) continue;
    const out = new Float32Array(frames * frontEnd.melBins);
    frontEnd.pull(out);
    chunks.push(out);
  }
  return chunks;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  process.chdir(root);
  const models = modelFamily(args.model);
  if (models.length === 0) throw new Error(`model file not found: ${args.model}`);
  console.log(`model: ${models.join(', ')}`);
  const engine = await createEngine({ models });
  const { inputSize, labels } = engine.model;
  const sources = SAMPLES.map((f) => ({ name: f.split('/').pop()!, chunks: audioChunks(f, args.chunkMs) }));
  if (sources[0]!.chunks[0]!.length % inputSize !== 0) {
    throw new Error(`the model expects ${inputSize} features per frame; the front end makes 40`);
  }
  // Stream k plays sample k mod 2: several "microphones" at once, interleaved chunk by chunk.
  const streams = Array.from({ length: args.streams }, (_, k) => ({
    id: `mic-${k}`,
    source: sources[k % sources.length]!,
  }));
  const longest = Math.max(...sources.map((s) => s.chunks.length));
  console.log(
    `${streams.length} streams × up to ${longest} chunks of ${args.chunkMs} ms ` +
      `(${labels ? `labels: ${labels.join(' ')}` : 'no labels'})\n`,
  );

  const lastLabel = new Map<string, string | undefined>();
  let frames = 0;
  let failures = 0;
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
          frames++;
          report(p, lastLabel);
        }),
      )
      .subscribe({ error: reject, complete: resolve });
  });
  const seconds = (performance.now() - started) / 1000;
  const stats = await engine.stats();
  await engine.dispose();
  const audioSeconds = (frames * 10) / 1000;
  console.log(
    `\n${frames} frames (${audioSeconds.toFixed(1)} s of audio over ${streams.length} streams) in ` +
      `${seconds.toFixed(2)} s: ${Math.round(frames / seconds)} stream-steps/s, ` +
      `${(audioSeconds / seconds).toFixed(0)}× real time; model invocations by batch size ` +
      `${JSON.stringify(stats.invokes)}; ${failures} chunks refused`,
  );
}

/** Prints a stream's prediction when its top label changes (every frame would be 100 lines a second). */
function report(p: Prediction, lastLabel: Map<string, string | undefined>): void {
  if (lastLabel.get(p.stream) === p.label) return;
  lastLabel.set(p.stream, p.label);
  const ms = String(p.frame * 10).padStart(5);
  console.log(`${p.stream.padEnd(6)} ${ms} ms  ${String(p.label).padEnd(8)} ${(p.score ?? 0).toFixed(2)}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `error: ${e.message}` : e);
  process.exitCode = 1;
});
