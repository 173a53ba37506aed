/**
 * The mel front end of Google's speech_embedding model, as openWakeWord runs it: a TypeScript twin of
 * `models/speech-embedding/melspectrogram.onnx` followed by openWakeWord's `x/10 + 2`, so its frames
 * are exactly what `embedding_model.{tflite,onnx}` expects (76 frames × 32 bins per window).
 *
 * What the model file computes (constants read out of it; test/features/speech-mel.test.ts checks
 * them against the file and the output against the ONNX model in onnxruntime-node):
 * - input: 16 kHz samples on the int16 scale (openWakeWord feeds int16 PCM as float). This front end
 *   takes floats in [−1, 1] and multiplies by 32768, so a WAV read by `parseWav` gives the same values;
 * - frames of 512 samples every 160 (10 ms), no centring or padding: n samples give
 *   ⌊(n − 512)/160⌋ + 1 frames. Only samples 56 … 455 of a frame count: the DFT kernels are a periodic
 *   Hann window of 400 samples (25 ms) centred in 512, so each frame is the power spectrum |X[k]|² of
 *   those 400 windowed samples zero-padded to a 512-point FFT (a circular shift leaves |X[k]| alone);
 * - 32 mel bins: Slaney-scale, area-normalised triangles from 60 to 3800 Hz over the 257 FFT bins;
 * - 10·log10(max(mel, 1e-10)) dB, then a floor 80 dB below the loudest bin of the call
 *   (librosa's `top_db`), then openWakeWord's `dB/10 + 2`.
 *
 * The `top_db` floor is the one step that is not per frame: the model takes the maximum over all the
 * frames of one call. openWakeWord calls it on 80 ms of new audio (8 frames) at a time, so this front
 * end applies the floor per **block of 8 frames**, block b being frames 8b − 4 … 8b + 3 (block 0 is
 * frames 0 … 3). Blocks end at frames 75, 83, … , exactly where a 76-frame embedding window stepped
 * by 8 from frame 0 ends, so no window waits on a later frame. A block's frames are released when its
 * last frame is computed (or on {@link SpeechMelFrontEnd.flush}), which is at most 70 ms after the
 * block's first frame. Each block equals the ONNX model run on exactly that block's samples; whole
 * clips differ from one ONNX call over the whole clip only in frames more than 80 dB below the clip's
 * loudest bin but not below their block's (digital silence next to speech).
 *
 * Streaming is exact: any split of the audio into chunks gives bit-identical frames to
 * {@link speechMelFrames} on the whole clip. Pure TypeScript, no Node or DOM globals.
 */
import { GruStreamError } from '../errors.js';
import { FrameQueue } from './frame-queue.js';
import { RealFft } from './fft.js';
import type { MelFilterbank } from './mel.js';
import { applyFilterbank } from './mel.js';
import { slaneyMelFilterbank } from './slaney-mel.js';

/** The constants of `melspectrogram.onnx` and of openWakeWord's use of it. */
export const SPEECH_MEL = {
  /** Sample rate in Hz. */
  sampleRate: 16000,
  /** Samples one frame spans (the width of the model's DFT kernels). */
  frameLength: 512,
  /** Samples between frame starts (10 ms). */
  hopLength: 160,
  /** Length of the periodic Hann window in samples (25 ms). */
  windowLength: 400,
  /** Offset of the window inside the frame: (512 − 400)/2. */
  windowOffset: 56,
  fftSize: 512,
  melBins: 32,
  /** Lower edge of the first mel filter in Hz. */
  fMin: 60,
  /** Upper edge of the last mel filter in Hz. */
  fMax: 3800,
  /** Float samples in [−1, 1] are multiplied by this to give the int16 scale the model was fed. */
  inputScale: 32768,
  /** Mel energies are clamped to at least this before the log. */
  powerFloor: 1e-10,
  /** Values more than this many dB below the loudest bin of a block are raised to that floor. */
  topDb: 80,
  /** Frames per `top_db` block (80 ms: one openWakeWord call). */
  blockFrames: 8,
  /** Block b starts at frame 8b − blockLead, so blocks end where 76-frame windows stepped by 8 end. */
  blockLead: 4,
  /** openWakeWord's transform after the model: dB·outputScale + outputOffset. */
  outputScale: 0.1,
  outputOffset: 2,
} as const;

/** A {@link SpeechMelFrontEnd}'s whole state, plain data (structured-clone and msgpack friendly). */
export interface SpeechMelState {
  /** Input samples (in [−1, 1]) received but not yet consumed by a frame; fewer than 512. */
  samples: Float32Array;
  /** dB values (before the block floor) of the current block's finished frames, frame-major. */
  block: Float32Array;
  /** Frames computed since the stream started (fixes the block phase). */
  frameIndex: number;
  /** Finished frames not yet pulled, frame-major, 32 values each. */
  pending: Float32Array;
}

/**
 * Streaming speech-embedding mel front end for one audio stream: push 16 kHz float samples in any
 * chunk sizes, pull 32-bin frames (already `dB/10 + 2`). See the module comment for the recipe.
 */
export class SpeechMelFrontEnd {
  /** Values per frame (32). */
  readonly melBins = SPEECH_MEL.melBins;
  private readonly fft = new RealFft(SPEECH_MEL.fftSize);
  private readonly filterbank: MelFilterbank = sharedFilterbank();
  private readonly window = hannWindow();
  /** The current frame's samples (raw input scale); `fill` of them are valid. */
  private readonly buffer = new Float32Array(SPEECH_MEL.frameLength);
  private fill = 0;
  private frameIndex = 0;
  private readonly fftIn = new Float64Array(SPEECH_MEL.fftSize);
  private readonly power = new Float64Array(SPEECH_MEL.fftSize / 2 + 1);
  private readonly mel = new Float64Array(SPEECH_MEL.melBins);
  /** dB values of the current block's frames; `blockCount` of them are valid. */
  private readonly block = new Float32Array(SPEECH_MEL.blockFrames * SPEECH_MEL.melBins);
  private blockCount = 0;
  private readonly queue = new FrameQueue(SPEECH_MEL.melBins);

  /** Frames that `sampleCount` samples give from a fresh stream: ⌊(n − 512)/160⌋ + 1, or 0. */
  static framesFor(sampleCount: number): number {
    const { frameLength, hopLength } = SPEECH_MEL;
    return sampleCount < frameLength ? 0 : Math.floor((sampleCount - frameLength) / hopLength) + 1;
  }

  /** Finished frames waiting to be pulled. */
  get pending(): number {
    return this.queue.pending;
  }

  /**
   * Appends 16 kHz samples in [−1, 1] (any length, including 0). Frames are released a block at a
   * time (see the module comment); the queue grows by doubling only when a push releases more than it
   * holds. Non-finite samples are not checked and poison the frames and block that overlap them.
   * @returns the number of frames now pending
   */
  push(samples: Float32Array): number {
    const frameLength = SPEECH_MEL.frameLength;
    const hop = SPEECH_MEL.hopLength;
    const buf = this.buffer;
    const n = samples.length;
    let i = 0;
    while (i < n) {
      const take = Math.min(frameLength - this.fill, n - i);
      buf.set(samples.subarray(i, i + take), this.fill);
      this.fill += take;
      i += take;
      if (this.fill === frameLength) {
        this.computeFrame();
        buf.copyWithin(0, hop, frameLength);
        this.fill = frameLength - hop;
      }
    }
    return this.queue.pending;
  }

  /**
   * Ends the stream: the frames of the unfinished block are floored over the frames it has and become
   * pending; buffered samples too few for a frame are dropped. The next push starts a new stream
   * (block phase from frame 0); pending frames stay to be pulled.
   * @returns the number of frames now pending
   */
  flush(): number {
    this.releaseBlock();
    this.fill = 0;
    this.frameIndex = 0;
    return this.queue.pending;
  }

  /**
   * Moves up to ⌊out.length / 32⌋ pending frames, oldest first, into `out` (frame t's bin m at
   * `t·32 + m`).
   * @returns the number of frames written
   */
  pull(out: Float32Array): number {
    return this.queue.pull(out);
  }

  /** Forgets buffered audio, the unfinished block and pending frames: the next push starts a new stream. */
  reset(): void {
    this.fill = 0;
    this.frameIndex = 0;
    this.blockCount = 0;
    this.queue.clear();
  }

  /** A copy of the whole state; {@link restore} on any instance continues the stream bit-exactly. */
  snapshot(): SpeechMelState {
    const bins = this.melBins;
    return {
      samples: this.buffer.slice(0, this.fill),
      block: this.block.slice(0, this.blockCount * bins),
      frameIndex: this.frameIndex,
      pending: this.queue.copyPending(),
    };
  }

  /**
   * Replaces the state with a {@link snapshot}'s (copied, so the snapshot can be reused).
   * @throws GruStreamError E_SNAPSHOT when a field has the wrong type or length, or the block does not
   *   match the frame index
   */
  restore(state: SpeechMelState): void {
    const bins = this.melBins;
    const { samples, block, frameIndex, pending } = state;
    const bad = (what: string): never => {
      throw new GruStreamError('E_SNAPSHOT', `SpeechMelState ${what}`);
    };
    if (!(samples instanceof Float32Array) || samples.length >= SPEECH_MEL.frameLength) {
      bad(
        `samples: expected a Float32Array shorter than ${SPEECH_MEL.frameLength}, got ${describe(samples)}`,
      );
    }
    if (!Number.isInteger(frameIndex) || frameIndex < 0) {
      bad(`frameIndex: expected an integer ≥ 0, got ${String(frameIndex)}`);
    }
    const blockFrames = openBlockFrames(frameIndex);
    if (!(block instanceof Float32Array) || block.length !== blockFrames * bins) {
      bad(
        `block: expected a Float32Array of ${blockFrames * bins} values at frame ${frameIndex}, got ${describe(block)}`,
      );
    }
    if (!(pending instanceof Float32Array) || pending.length % bins !== 0) {
      bad(`pending: expected a Float32Array of a multiple of ${bins} values, got ${describe(pending)}`);
    }
    this.reset();
    this.buffer.set(samples);
    this.fill = samples.length;
    this.frameIndex = frameIndex;
    this.block.set(block);
    this.blockCount = blockFrames;
    this.queue.tail(pending.length / bins).set(pending);
    this.queue.commit(pending.length / bins);
  }

  /** Turns the full buffer into one frame's dB values and closes the block when it is complete. */
  private computeFrame(): void {
    const { windowLength, windowOffset, inputScale, powerFloor } = SPEECH_MEL;
    const x = this.fftIn;
    const buf = this.buffer;
    const win = this.window;
    // x[400…512) stays 0 from construction: the zero padding.
    for (let k = 0; k < windowLength; k++) x[k] = buf[windowOffset + k]! * inputScale * win[k]!;
    this.fft.powerSpectrum(x, this.power);
    applyFilterbank(this.filterbank, this.power, this.mel);
    const bins = this.melBins;
    const base = this.blockCount * bins;
    for (let m = 0; m < bins; m++) {
      const e = this.mel[m]!;
      this.block[base + m] = 10 * Math.log10(e > powerFloor ? e : powerFloor);
    }
    this.blockCount++;
    const closes = blockPosition(this.frameIndex) === SPEECH_MEL.blockFrames - 1;
    this.frameIndex++;
    if (closes) this.releaseBlock();
  }

  /** Applies the block's top_db floor and openWakeWord's scaling; queues the block's frames. */
  private releaseBlock(): void {
    const values = this.blockCount * this.melBins;
    if (values === 0) return;
    const block = this.block;
    let max = -Infinity;
    for (let j = 0; j < values; j++) if (block[j]! > max) max = block[j]!;
    const floor = max - SPEECH_MEL.topDb;
    const q = this.queue.tail(this.blockCount);
    const { outputScale, outputOffset } = SPEECH_MEL;
    for (let j = 0; j < values; j++) {
      const db = block[j]! > floor ? block[j]! : floor;
      q[j] = db * outputScale + outputOffset;
    }
    this.queue.commit(this.blockCount);
    this.blockCount = 0;
  }
}

/**
 * Speech-embedding mel frames of a whole clip (T × 32, frame-major, already `dB/10 + 2`): a fresh
 * {@link SpeechMelFrontEnd} pushed the clip and flushed, so it equals any streamed split of the clip.
 * @param samples 16 kHz mono samples in [−1, 1]
 */
export function speechMelFrames(samples: Float32Array): Float32Array {
  const fe = new SpeechMelFrontEnd();
  fe.push(samples);
  const frames = fe.flush();
  const out = new Float32Array(frames * fe.melBins);
  fe.pull(out);
  return out;
}

/** Position of frame f inside its top_db block (0 … 7); block b is frames 8b − 4 … 8b + 3. */
function blockPosition(frame: number): number {
  return (frame + SPEECH_MEL.blockLead) % SPEECH_MEL.blockFrames;
}

/** Frames of the unfinished block after `frameIndex` frames (0 when the last one closed a block). */
function openBlockFrames(frameIndex: number): number {
  if (frameIndex === 0) return 0;
  const last = frameIndex - 1;
  if (blockPosition(last) === SPEECH_MEL.blockFrames - 1) return 0;
  const { blockFrames, blockLead } = SPEECH_MEL;
  const blockStart = Math.max(0, Math.floor((last + blockLead) / blockFrames) * blockFrames - blockLead);
  return frameIndex - blockStart;
}

/** Periodic Hann window of 400 samples (denominator N, as in the model's DFT kernels). */
function hannWindow(): Float64Array {
  const n = SPEECH_MEL.windowLength;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

let filterbank: MelFilterbank | undefined;

/** The one filterbank all instances share: it is read-only and identical for every stream. */
function sharedFilterbank(): MelFilterbank {
  filterbank ??= slaneyMelFilterbank({
    sampleRate: SPEECH_MEL.sampleRate,
    fftSize: SPEECH_MEL.fftSize,
    melBins: SPEECH_MEL.melBins,
    fMin: SPEECH_MEL.fMin,
    fMax: SPEECH_MEL.fMax,
  });
  return filterbank;
}

function describe(v: unknown): string {
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} of ${(v as Float32Array).length}`;
  return typeof v;
}
