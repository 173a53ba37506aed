/**
 * SAM (Software Automatic Mouth, npm `sam-js`, a 1982 formant synthesizer ported to JavaScript) as a
 * second TRAINING synthesizer: another formant model and another letter-to-sound rule set than
 * espeak-ng's, with four voice parameters (speed, pitch, mouth, throat) that move its formants and
 * timing. Used only to make training audio (it is a devDependency; its licence status is
 * "abandonware", see its README): no runtime code imports it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GruStreamError } from '../../src/errors.js';
import { mulberry32 } from '../../src/model/random.js';

/** One SAM voice: its four parameters (0 … 255; SAM's own default is 72, 64, 128, 128). */
export interface SamParams {
  /** Higher is slower. */
  speed: number;
  /** Higher is lower. */
  pitch: number;
  mouth: number;
  throat: number;
}

/** The presets of SAM's README (elf, little robot, stuffy guy, little old lady, extra-terrestrial, SAM). */
const PRESETS: SamParams[] = [
  { speed: 72, pitch: 64, throat: 110, mouth: 160 },
  { speed: 92, pitch: 60, throat: 190, mouth: 190 },
  { speed: 82, pitch: 72, throat: 110, mouth: 105 },
  { speed: 82, pitch: 32, throat: 145, mouth: 145 },
  { speed: 100, pitch: 64, throat: 150, mouth: 200 },
  { speed: 72, pitch: 64, throat: 128, mouth: 128 },
];

/**
 * `count` SAM voices: the six presets, then seeded draws over speed 60–100, pitch 30–100, mouth and
 * throat 100–200 (outside those ranges SAM's words stop sounding like words).
 */
export function samVoices(count: number, seed = 11): SamParams[] {
  const r = mulberry32(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const out = PRESETS.slice(0, count);
  while (out.length < count)
    out.push({ speed: int(60, 100), pitch: int(30, 100), mouth: int(100, 200), throat: int(100, 200) });
  return out;
}

export function samVoiceName(p: SamParams): string {
  return `sam:s${p.speed}p${p.pitch}m${p.mouth}t${p.throat}`;
}

type SamCtor = new (o: SamParams) => { wav(text: string): Uint8Array | false };

let ctor: SamCtor | undefined;

/**
 * Speaks `text` with SAM into a temporary 22.05 kHz 8-bit WAV file; the caller converts it (sox) and
 * calls `done()` to remove it.
 * @throws GruStreamError E_ARGUMENT when the text has no letters or SAM's reciter cannot turn it into
 *   phonemes
 */
export async function samToWavFile(text: string, p: SamParams): Promise<{ file: string; done: () => void }> {
  ctor ??= (await import('sam-js')).default as unknown as SamCtor;
  // SAM's reciter reads upper-case letters and . , ? ! ' only (it crashes on text without letters).
  const clean = text.toUpperCase().replace(/[^A-Z .,?!']/g, ' ');
  if (!/[A-Z]/.test(clean))
    throw new GruStreamError('E_ARGUMENT', `${samVoiceName(p)}: no letters to speak in '${text}'`);
  const wav = new ctor(p).wav(clean);
  if (!wav) throw new GruStreamError('E_ARGUMENT', `${samVoiceName(p)}: SAM could not speak '${text}'`);
  const dir = mkdtempSync(join(tmpdir(), 'kws-sam-'));
  const file = join(dir, 'a.wav');
  writeFileSync(file, wav);
  return { file, done: () => rmSync(dir, { recursive: true, force: true }) };
}
