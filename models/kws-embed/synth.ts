/**
 * Speech from four synthesizers as 16 kHz mono float32: espeak-ng and SAM (training voices), festival
 * (kd and HTS slt for validation; kal for the reserved test) and flite (reserved test). Each spoken
 * text may pass through sox effects (tempo, pitch, speed, band limits) on the way out.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { speak } from '../kws/data/tools.js';
import type { Voice } from '../kws/data/voices.js';
import type { SamParams } from './sam-voices.js';
import { samToWavFile, samVoiceName } from './sam-voices.js';

export const SAMPLE_RATE = 16000;

/** One synthesizer voice. */
export type SynthVoice =
  | { engine: 'espeak'; voice: Voice }
  /** `fn`: the festival voice function, e.g. `voice_ked_diphone`. */
  | { engine: 'festival'; fn: string }
  /** `name`: a `flite -lv` voice. */
  | { engine: 'flite'; name: string }
  /** SAM (sam-js): training only. */
  | { engine: 'sam'; params: SamParams };

export function synthVoiceName(v: SynthVoice): string {
  if (v.engine === 'espeak') return `espeak:${v.voice.accent}+${v.voice.variant}`;
  if (v.engine === 'sam') return samVoiceName(v.params);
  return v.engine === 'festival' ? `festival:${v.fn.replace(/^voice_/, '')}` : `flite:${v.name}`;
}

/** How one text is spoken: espeak-ng's own rate and pitch, and sox effects for every engine. */
export interface SpeakSpec {
  text: string;
  voice: SynthVoice;
  /** espeak-ng words per minute (ignored by other engines). */
  wpm?: number;
  /** espeak-ng pitch 0 … 99 (ignored by other engines). */
  pitch?: number;
  /** sox effects applied after resampling to 16 kHz. */
  effects?: string[];
}

/** sox effects for tempo (×, pitch kept), pitch (cents) and speed (×, pitch and formants move together). */
export function prosodyEffects(p: { tempo?: number; cents?: number; speed?: number }): string[] {
  const e: string[] = [];
  if (p.tempo !== undefined && p.tempo !== 1) e.push('tempo', '-s', p.tempo.toFixed(3));
  if (p.cents !== undefined && p.cents !== 0) e.push('pitch', String(Math.round(p.cents)));
  // `speed` resamples: formants shift with the pitch (a vocal-tract-length change); rate puts it back at 16 kHz.
  if (p.speed !== undefined && p.speed !== 1)
    e.push('speed', p.speed.toFixed(3), 'rate', String(SAMPLE_RATE));
  return e;
}

/**
 * Speaks many texts. espeak-ng runs once per text; festival runs once per voice for all its texts (one
 * process, a scheme script), flite once per text. `concurrency` processes at a time.
 */
export async function speakMany(
  specs: readonly SpeakSpec[],
  concurrency = 2,
  onDone?: () => void,
): Promise<Float32Array[]> {
  const out = new Array<Float32Array>(specs.length);
  const work = await import('../kws/data/progress.js');
  const festival = new Map<string, number[]>();
  const single: number[] = [];
  specs.forEach((s, i) => {
    if (s.voice.engine === 'festival') {
      const list = festival.get(s.voice.fn) ?? [];
      list.push(i);
      festival.set(s.voice.fn, list);
    } else single.push(i);
  });
  // Festival in batches of 50 texts per process: a process start costs ~0.4 s.
  const batches: { fn: string; idx: number[] }[] = [];
  for (const [fn, idx] of festival)
    for (let i = 0; i < idx.length; i += 50) batches.push({ fn, idx: idx.slice(i, i + 50) });
  type Job = { kind: 'one'; i: number } | { kind: 'festival'; fn: string; idx: number[] };
  const jobs: Job[] = [
    ...batches.map((b): Job => ({ kind: 'festival', ...b })),
    ...single.map((i): Job => ({ kind: 'one', i })),
  ];
  await work.mapPool(jobs, concurrency, async (job) => {
    if (job.kind === 'one') {
      out[job.i] = await speakOne(specs[job.i]!);
      onDone?.();
      return;
    }
    const wavs = await festivalBatch(
      job.fn,
      job.idx.map((i) => specs[i]!.text),
    );
    for (const [k, i] of job.idx.entries()) {
      out[i] = await soxFile(wavs.files[k]!, specs[i]!.effects ?? []);
      onDone?.();
    }
    rmSync(wavs.dir, { recursive: true, force: true });
  });
  return out;
}

async function speakOne(s: SpeakSpec): Promise<Float32Array> {
  const v = s.voice;
  if (v.engine === 'espeak') {
    return speak(s.text, {
      voice: v.voice,
      speed: s.wpm ?? 175,
      pitch: s.pitch ?? 50,
      effects: s.effects ?? [],
    });
  }
  if (v.engine === 'sam') {
    const w = await samToWavFile(s.text, v.params);
    try {
      return await soxFile(w.file, s.effects ?? []);
    } finally {
      w.done();
    }
  }
  if (v.engine === 'flite') {
    const dir = mkdtempSync(join(tmpdir(), 'kws-flite-'));
    try {
      const file = join(dir, 'a.wav');
      await run('flite', ['-voice', v.name, '-t', s.text, '-o', file]);
      return await soxFile(file, s.effects ?? []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const b = await festivalBatch(v.fn, [s.text]);
  try {
    return await soxFile(b.files[0]!, s.effects ?? []);
  } finally {
    rmSync(b.dir, { recursive: true, force: true });
  }
}

/** Scheme string literal: festival reads `"` and `\` escaped. */
function schemeString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Speaks `texts` with one festival process; returns the WAV files (in a temp dir the caller removes). */
async function festivalBatch(fn: string, texts: string[]): Promise<{ dir: string; files: string[] }> {
  if (!/^voice_[a-z0-9_]+$/.test(fn))
    throw new Error(`festival voice function '${fn}': expected voice_<name>`);
  const dir = mkdtempSync(join(tmpdir(), 'kws-festival-'));
  const files = texts.map((_, i) => join(dir, `${i}.wav`));
  const script = [
    `(${fn})`,
    ...texts.map(
      (t, i) =>
        `(utt.save.wave (utt.synth (Utterance Text ${schemeString(t)})) ${schemeString(files[i]!)} 'riff)`,
    ),
  ].join('\n');
  writeFileSync(join(dir, 'script.scm'), script);
  await run('festival', ['-b', join(dir, 'script.scm')]);
  return { dir, files };
}

/** A WAV file at any rate → 16 kHz mono float32 through sox, with `effects` after resampling. */
export async function soxFile(file: string, effects: string[]): Promise<Float32Array> {
  const bytes = await run('sox', [
    '-R',
    file,
    '-t',
    'f32',
    '-r',
    String(SAMPLE_RATE),
    '-c',
    '1',
    '-',
    'gain',
    '-3',
    'rate',
    String(SAMPLE_RATE),
    ...effects,
  ]);
  const x = new Float32Array(Math.floor(bytes.length / 4));
  new Uint8Array(x.buffer).set(bytes.subarray(0, x.length * 4));
  return x;
}

/** Runs a command; resolves with its stdout, rejects with its stderr and exit status. */
function run(cmd: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => err.push(c));
    p.on('error', (e) => reject(new Error(`${cmd} could not start (is it installed?): ${e.message}`)));
    p.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out));
      else
        reject(
          new Error(
            `${cmd} ${args.slice(0, 6).join(' ')} … failed (${signal ?? `exit ${code}`}): ${Buffer.concat(err).toString('utf8').trim().slice(0, 500)}`,
          ),
        );
    });
  });
}
