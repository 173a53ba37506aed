/**
 * The external tools: espeak-ng speaks, sox resamples and applies effects. Audio comes back to Node
 * as raw float32 at 16 kHz over a pipe, so no temporary files are written.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Voice } from './voices.js';
import { espeakVoiceArg } from './voices.js';

export const SAMPLE_RATE = 16000;

/** Raw float32 mono at {@link SAMPLE_RATE}, as sox reads and writes it on a pipe. */
const RAW_F32 = ['-t', 'f32', '-r', String(SAMPLE_RATE), '-c', '1'];

export interface SpeakOptions {
  voice: Voice;
  /** espeak-ng speed in words per minute (its default 175). */
  speed: number;
  /** espeak-ng pitch adjustment 0 … 99 (its default 50). */
  pitch: number;
  /** sox effects after resampling to 16 kHz (reverb, band-limiting…). */
  effects?: string[];
}

/**
 * `text` spoken by espeak-ng, piped through sox: resampled to 16 kHz mono float, 3 dB of headroom
 * (espeak-ng peaks near full scale and resampling overshoots), then `effects`.
 */
export function speak(text: string, o: SpeakOptions): Promise<Float32Array> {
  const espeakArgs = [
    '-v',
    espeakVoiceArg(o.voice),
    '-s',
    String(o.speed),
    '-p',
    String(o.pitch),
    '--stdout',
    text,
  ];
  const soxArgs = [
    '-R',
    '-t',
    'wav',
    '-',
    ...RAW_F32,
    '-',
    'gain',
    '-3',
    'rate',
    String(SAMPLE_RATE),
    ...(o.effects ?? []),
  ];
  return runSox(soxArgs, { cmd: 'espeak-ng', args: espeakArgs });
}

/**
 * `seconds` of sox-synthesized noise (`whitenoise`, `pinknoise`, `brownnoise`), repeatable: `-R`
 * seeds sox's generator with a fixed number, so the same call gives the same samples.
 */
export function synthNoise(kind: string, seconds: number, effects: string[] = []): Promise<Float32Array> {
  return runSox(['-R', '-n', ...RAW_F32, '-', 'synth', String(seconds), kind, ...effects]);
}

/** `samples` through sox `effects` (same rate in and out). */
export function soxFilter(samples: Float32Array, effects: string[]): Promise<Float32Array> {
  if (effects.length === 0) return Promise.resolve(samples.slice());
  return runSox(['-R', ...RAW_F32, '-', ...RAW_F32, '-', ...effects], undefined, samples);
}

interface Producer {
  cmd: string;
  args: string[];
}

/** Runs sox with stdin from `producer`'s stdout or from `input`, and returns its stdout as float32. */
function runSox(soxArgs: string[], producer?: Producer, input?: Float32Array): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    const sox = spawn('sox', soxArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
    const pending: Promise<void>[] = [];
    const chunks: Buffer[] = [];
    // A sox that dies early breaks the pipe; its own exit status then says why.
    sox.stdin.on('error', (e) => reject(new Error(`writing to sox ${soxArgs.join(' ')}: ${e.message}`)));
    sox.stdout.on('data', (c: Buffer) => chunks.push(c));
    pending.push(exited('sox', soxArgs, sox, collect(sox.stderr)));
    if (producer) {
      const p = spawn(producer.cmd, producer.args, { stdio: ['ignore', 'pipe', 'pipe'] });
      p.stdout.pipe(sox.stdin);
      pending.push(exited(producer.cmd, producer.args, p, collect(p.stderr)));
    } else {
      sox.stdin.end(input ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : undefined);
    }
    Promise.all(pending).then(() => {
      const bytes = Buffer.concat(chunks);
      // Copy: Buffer.concat may return a slice of a shared pool at an offset not aligned to 4.
      const out = new Float32Array(Math.floor(bytes.length / 4));
      new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
      resolve(out);
    }, reject);
  });
}

function collect(stream: Readable): () => string {
  const parts: Buffer[] = [];
  stream.on('data', (c: Buffer) => parts.push(c));
  return () => Buffer.concat(parts).toString('utf8');
}

function exited(cmd: string, args: string[], child: ChildProcess, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`${cmd} could not start (is it installed?): ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${stderr().trim()}`),
        );
    });
  });
}
