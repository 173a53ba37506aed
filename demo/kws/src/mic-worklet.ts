/**
 * The microphone's AudioWorklet processor: mixes the input to mono, resamples it to 16 kHz and runs
 * the model's audio front end, all here in the audio thread, and posts the finished frames to the main
 * thread. For the speech-embedding model that is the 32-bin speech mel (80 ms of frames at a time);
 * the embedding model and the GRU run in the engine worker. The rate is converted here rather than by
 * asking the AudioContext for 16 kHz, because browsers may ignore that request (or refuse it for a
 * microphone source); the context runs at whatever rate it runs at, read from the worklet's global
 * `sampleRate`.
 *
 * Built by Vite as its own small script (`?worker&url`): from the library it takes only the front
 * ends and the `StreamingResampler` (`gru-stream/features`, tree-shaken).
 */
import { MIC_PROCESSOR, TARGET_RATE } from './mic-protocol.js';
import type { MicFrontEnd, MicInfoMessage } from './mic-protocol.js';
import { LogMelFrontEnd, SpeechMelFrontEnd, StreamingResampler, createNormalizer } from 'gru-stream/features';

/** The parts of AudioWorkletGlobalScope used here (TypeScript's DOM library does not describe it). */
interface WorkletScope {
  sampleRate: number;
  registerProcessor(name: string, processor: new (options?: ProcessorOptions) => WorkletProcessor): void;
  AudioWorkletProcessor: new (options?: ProcessorOptions) => { readonly port: MessagePort };
}
interface ProcessorOptions {
  processorOptions?: MicFrontEnd;
}
interface WorkletProcessor {
  process(inputs: Float32Array[][]): boolean;
}

/** One front end behind one interface: push 16 kHz samples, take the finished frames. */
interface FrameMaker {
  readonly bins: number;
  push(samples: Float32Array): number;
  pull(out: Float32Array): void;
}

function frameMaker(spec: MicFrontEnd | undefined): FrameMaker {
  if (spec === undefined) throw new Error(`${MIC_PROCESSOR}: processorOptions must name the front end`);
  if (spec.kind === 'speech-mel') {
    const mel = new SpeechMelFrontEnd();
    // Continue the stream's block phase (nothing buffered: a capture starts on a block boundary).
    const empty = new Float32Array(0);
    const frameIndex = spec.startFrame ?? 0;
    if (frameIndex > 0) mel.restore({ samples: empty, block: empty, frameIndex, pending: empty });
    return { bins: mel.melBins, push: (s) => mel.push(s), pull: (out) => void mel.pull(out) };
  }
  const logMel = LogMelFrontEnd.fromFeatureSpec(spec.features);
  const normalize = spec.norm === undefined ? undefined : createNormalizer(spec.norm);
  return {
    bins: logMel.melBins,
    push: (s) => logMel.push(s),
    pull: (out) => {
      logMel.pull(out);
      normalize?.(out);
    },
  };
}

const scope = globalThis as unknown as WorkletScope;

class MicProcessor extends scope.AudioWorkletProcessor implements WorkletProcessor {
  private readonly resampler = new StreamingResampler(scope.sampleRate, TARGET_RATE);
  private readonly frames: FrameMaker;
  /** Render quanta are 128 frames today; the buffers grow if a browser ever sends more. */
  private mono = new Float32Array(128);
  private resampled = new Float32Array(this.resampler.maxOutput(128));

  constructor(options?: ProcessorOptions) {
    super(options);
    this.frames = frameMaker(options?.processorOptions);
    const info: MicInfoMessage = { type: 'info', inputRate: scope.sampleRate };
    this.port.postMessage(info);
  }

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0];
    // No input yet (source not connected) or it ended: nothing to do, but stay alive.
    if (channels === undefined || channels.length === 0) return true;
    const n = channels[0]!.length;
    if (n > this.mono.length) {
      this.mono = new Float32Array(n);
      this.resampled = new Float32Array(this.resampler.maxOutput(n));
    }
    const mono = this.mono.subarray(0, n);
    mono.set(channels[0]!);
    for (let c = 1; c < channels.length; c++) {
      const ch = channels[c]!;
      for (let i = 0; i < n; i++) mono[i]! += ch[i]!;
    }
    if (channels.length > 1) for (let i = 0; i < n; i++) mono[i]! /= channels.length;
    const produced = this.resampler.process(mono, this.resampled);
    const count = this.frames.push(this.resampled.subarray(0, produced));
    if (count > 0) {
      // A fresh array, transferred: the engine's batcher keeps it until its next flush.
      const out = new Float32Array(count * this.frames.bins);
      this.frames.pull(out);
      this.port.postMessage(out, [out.buffer]);
    }
    return true;
  }
}

scope.registerProcessor(MIC_PROCESSOR, MicProcessor);
