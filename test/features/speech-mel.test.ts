/**
 * The TypeScript speech-embedding mel front end against the original: its constants against the ones
 * stored in melspectrogram.tflite, its frames against melspectrogram.onnx run in onnxruntime-node
 * (followed by openWakeWord's x/10 + 2), and streaming against the whole-clip function.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { isGruStreamError } from '../../src/errors.js';
import { parseWav, resample } from '../../src/features/index.js';
import { SPEECH_MEL, SpeechMelFrontEnd, speechMelFrames } from '../../src/features/speech-mel.js';
import { slaneyMelFilterbank } from '../../src/features/slaney-mel.js';
import { readTflite } from '../../src/model/index.js';
import { mulberry32 } from '../../src/model/random.js';

const DIR = 'models/speech-embedding';
const BINS = 32;
/**
 * Largest |TS − ONNX| allowed per value (after x/10 + 2, i.e. in units of 10 dB). The difference is
 * float32 rounding inside the ONNX model (512-tap convolutions, matmul, log); this front end computes
 * in float64. Measured: 2.4e-6 on the held-out keyword recording and the noises below.
 */
const TOLERANCE = 1e-5;
/**
 * The same for espeak-ng speech, whose quietest bands sit 60–80 dB under the frame's loudest: there
 * the model's float32 rounding, relative to the whole frame's energy, is a larger part of the band's.
 * Measured: 5.6e-5 (0.0006 dB) over four espeak-ng voices.
 */
const QUIET_BAND_TOLERANCE = 1e-4;

let session: ort.InferenceSession;

/** melspectrogram.onnx on float samples in [−1, 1] as openWakeWord feeds it (int16 scale), then x/10 + 2. */
async function onnxMel(x: Float32Array): Promise<Float32Array> {
  const input = Float32Array.from(x, (v) => v * 32768);
  const out = await session.run({ input: new ort.Tensor('float32', input, [1, input.length]) });
  return Float32Array.from(out.output!.data as Float32Array, (v) => v / 10 + 2);
}

/**
 * The ONNX model as this front end promises to reproduce it: one call per top_db block of 8 frames
 * (block b = frames 8b − 4 … 8b + 3) on exactly the samples those frames span.
 */
async function onnxMelBlocks(x: Float32Array): Promise<Float32Array> {
  const frames = x.length < 512 ? 0 : Math.floor((x.length - 512) / 160) + 1;
  const out = new Float32Array(frames * BINS);
  for (let b = 0; 8 * b - 4 < frames; b++) {
    const first = Math.max(0, 8 * b - 4);
    const last = Math.min(8 * b + 3, frames - 1);
    out.set(await onnxMel(x.subarray(160 * first, 160 * last + 512)), first * BINS);
  }
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/** espeak-ng speech at 16 kHz with 0.3 s of digital silence before and after. */
function espeak(text: string, voice: string): Float32Array {
  const wav = execFileSync('espeak-ng', ['--stdout', '-v', voice, '-s', '150', text], { timeout: 30_000 });
  const parsed = parseWav(new Uint8Array(wav), { allowTruncated: true });
  const speech = resample(parsed.channels[0]!, parsed.sampleRate, 16000);
  const out = new Float32Array(speech.length + 9600);
  out.set(speech, 4800);
  return out;
}

function noise(samples: number, amplitude: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: samples }, () => amplitude * (rand() * 2 - 1));
}

function heldoutSpeech(seconds: number): Float32Array {
  const wav = parseWav(new Uint8Array(readFileSync('models/kws/samples/keywords-heldout.wav')));
  expect(wav.sampleRate).toBe(16000);
  return wav.channels[0]!.subarray(0, seconds * 16000);
}

beforeAll(async () => {
  session = await ort.InferenceSession.create(`${DIR}/melspectrogram.onnx`);
});

describe('SPEECH_MEL constants are the ones in melspectrogram.tflite', () => {
  const g = readTflite(new Uint8Array(readFileSync(`${DIR}/melspectrogram.tflite`)));
  const floats = (i: number): Float32Array => new Float32Array(g.tensors[i]!.data!.slice().buffer);
  const byShape = (shape: number[]): number[] =>
    g.tensors.flatMap((t, i) => (t.data && t.shape.join() === shape.join() ? [i] : []));
  const scalars = g.tensors.flatMap((t, i) =>
    t.data && t.shape.length === 0 && t.type === 'float32' ? [floats(i)[0]!] : [],
  );

  it('the mel matrix [257, 32] is the Slaney filterbank 60–3800 Hz', () => {
    const [melIndex] = byShape([257, BINS]);
    const file = floats(melIndex!);
    const fb = slaneyMelFilterbank(SPEECH_MEL);
    const ours = new Float64Array(257 * BINS);
    for (let m = 0; m < BINS; m++) {
      for (let j = 0; j < fb.length[m]!; j++)
        ours[(fb.start[m]! + j) * BINS + m] = fb.weights[fb.offset[m]! + j]!;
    }
    let d = 0;
    let peak = 0;
    for (let i = 0; i < ours.length; i++) {
      d = Math.max(d, Math.abs(ours[i]! - file[i]!));
      peak = Math.max(peak, file[i]!);
    }
    // float32 storage of weights ≤ 0.015: measured 9e-10.
    expect(d).toBeLessThan(1e-8);
    expect(peak).toBeGreaterThan(0.01);
  });

  it('the DFT kernels [257, 1, 512, 1] are a periodic Hann of 400 centred in 512 times cos / sin', () => {
    const kernels = byShape([257, 1, 512, 1]).map(floats);
    expect(kernels).toHaveLength(2);
    // The real part's DC row is the window itself; the imaginary part's is all zero.
    const [re, im] = kernels[0]![0] === 0 && kernels[0]![256] === 0 ? [kernels[1]!, kernels[0]!] : kernels;
    const { windowLength, windowOffset, fftSize } = SPEECH_MEL;
    let dRe = 0;
    let dIm = 0;
    for (let k = 0; k <= fftSize / 2; k++) {
      for (let n = 0; n < fftSize; n++) {
        const m = n - windowOffset;
        const w = m >= 0 && m < windowLength ? 0.5 - 0.5 * Math.cos((2 * Math.PI * m) / windowLength) : 0;
        const angle = (2 * Math.PI * ((k * n) % fftSize)) / fftSize;
        dRe = Math.max(dRe, Math.abs(re![k * fftSize + n]! - w * Math.cos(angle)));
        // The sign of the imaginary part does not matter for the power spectrum.
        dIm = Math.max(dIm, Math.abs(Math.abs(im![k * fftSize + n]!) - Math.abs(w * Math.sin(angle))));
      }
    }
    // float32 storage of values ≤ 1: measured 6e-8.
    expect(dRe).toBeLessThan(2e-7);
    expect(dIm).toBeLessThan(2e-7);
  });

  it('the scalars are the power floor, 10·log10 and top_db; the convolutions hop 160', () => {
    expect(scalars).toContain(Math.fround(SPEECH_MEL.powerFloor));
    expect(scalars).toContain(SPEECH_MEL.topDb);
    expect(scalars).toContain(10);
    // log10 as ln·0.4342944622 (1/ln 10 to 7e-8; the ONNX twin divides by ln 10 instead).
    expect(scalars.some((v) => Math.abs(v * Math.LN10 - 1) < 1e-7)).toBe(true);
    // The DFT convolutions: stride 160 (the hop), no padding (no centring).
    const convs = g.operators.filter((o) => o.op === 'CONV_2D');
    expect(convs).toHaveLength(2);
    for (const c of convs) {
      expect(c.options).toMatchObject({ padding: 'VALID', strideW: SPEECH_MEL.hopLength, strideH: 1 });
    }
    const ops = g.operators.map((o) => o.op);
    expect(ops).toEqual(expect.arrayContaining(['CONV_2D', 'BATCH_MATMUL', 'LOG', 'REDUCE_MAX', 'MAXIMUM']));
  });
});

describe('speechMelFrames against melspectrogram.onnx', () => {
  it('the held-out keyword recording (9.9 s), one ONNX call over the whole clip', async () => {
    const x = heldoutSpeech(10);
    const ours = speechMelFrames(x);
    expect(ours.length / BINS).toBe(SpeechMelFrontEnd.framesFor(x.length));
    // The recording has a noise floor, so the clip-wide and the per-block top_db floors never bite.
    expect(maxAbsDiff(ours, await onnxMel(x))).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(ours, await onnxMelBlocks(x))).toBeLessThan(TOLERANCE);
  });

  it('espeak-ng speech with digital silence, one ONNX call per block', async () => {
    const x = espeak('turn the lights on, then tell me the time', 'en-us');
    const ours = speechMelFrames(x);
    expect(maxAbsDiff(ours, await onnxMelBlocks(x))).toBeLessThan(QUIET_BAND_TOLERANCE);
    // The silence is where per-block and clip-wide floors differ: a block of pure silence sits at the
    // 1e-10 power floor (−100 dB → −8), while one call over the clip raises it to 80 dB below the speech.
    const whole = await onnxMel(x);
    expect(ours[0]).toBeCloseTo(-8, 5);
    expect(whole[0]).toBeGreaterThan(-8 + 1);
  });

  it('white noise at three levels and a noise burst after silence', async () => {
    for (const [amplitude, seed] of [
      [0.5, 1],
      [0.01, 2],
      [1e-4, 3],
    ] as const) {
      const x = noise(8000, amplitude, seed);
      const ours = speechMelFrames(x);
      expect(maxAbsDiff(ours, await onnxMel(x))).toBeLessThan(TOLERANCE);
    }
    const burst = new Float32Array(12000);
    burst.set(noise(4000, 0.3, 4), 6000);
    expect(maxAbsDiff(speechMelFrames(burst), await onnxMelBlocks(burst))).toBeLessThan(TOLERANCE);
  });
});

describe('SpeechMelFrontEnd streaming', () => {
  const x = heldoutSpeech(6);
  const whole = speechMelFrames(x);

  it('any chunking gives bit-identical frames to the whole clip', () => {
    const rand = mulberry32(7);
    for (const maxChunk of [1, 37, 160, 1280, 5000]) {
      const fe = new SpeechMelFrontEnd();
      const got: number[] = [];
      const out = new Float32Array(4096 * BINS);
      for (let i = 0; i < x.length;) {
        const n = 1 + Math.floor(rand() * maxChunk);
        fe.push(x.subarray(i, i + n));
        i += n;
        // Pull only sometimes, so pending frames accumulate across pushes.
        if (rand() < 0.5) got.push(...out.subarray(0, fe.pull(out) * BINS));
      }
      fe.flush();
      got.push(...out.subarray(0, fe.pull(out) * BINS));
      expect(Float32Array.from(got)).toEqual(whole);
    }
  });

  it('releases a block when it is complete: 76 frames once frame 75 exists', () => {
    const fe = new SpeechMelFrontEnd();
    const samplesFor = (frames: number): number => 160 * (frames - 1) + 512;
    expect(fe.push(x.subarray(0, samplesFor(4) - 1))).toBe(0);
    expect(fe.push(x.subarray(samplesFor(4) - 1, samplesFor(4)))).toBe(4);
    expect(fe.push(x.subarray(samplesFor(4), samplesFor(75)))).toBe(68);
    expect(fe.push(x.subarray(samplesFor(75), samplesFor(76)))).toBe(76);
    expect(fe.push(x.subarray(samplesFor(76), samplesFor(83)))).toBe(76);
    expect(fe.flush()).toBe(83);
  });

  it('snapshot / restore mid-block continues bit-exactly on another instance', () => {
    const a = new SpeechMelFrontEnd();
    a.push(x.subarray(0, 23_457));
    const state = a.snapshot();
    expect(state.block.length).toBeGreaterThan(0);
    expect(state.samples.length).toBeGreaterThan(0);
    const b = new SpeechMelFrontEnd();
    b.push(noise(3000, 0.2, 9));
    b.restore(state);
    b.push(x.subarray(23_457));
    b.flush();
    const out = new Float32Array(b.pending * BINS);
    b.pull(out);
    expect(out).toEqual(whole);
  });

  it('restore rejects a state whose block does not fit its frame index', () => {
    const fe = new SpeechMelFrontEnd();
    fe.push(x.subarray(0, 5000));
    const state = fe.snapshot();
    let err: unknown;
    try {
      fe.restore({ ...state, frameIndex: state.frameIndex + 1 });
    } catch (e) {
      err = e;
    }
    expect(isGruStreamError(err) && err.code).toBe('E_SNAPSHOT');
    expect(String((err as Error).message)).toContain('block');
  });

  it('fewer than 512 samples give no frame; silence gives −8 (the 1e-10 floor)', () => {
    expect(speechMelFrames(new Float32Array(511))).toHaveLength(0);
    const silent = speechMelFrames(new Float32Array(2000));
    expect(silent).toHaveLength(SpeechMelFrontEnd.framesFor(2000) * BINS);
    for (const v of silent) expect(v).toBeCloseTo(-8, 6);
  });
});
