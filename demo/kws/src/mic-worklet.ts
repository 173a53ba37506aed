/**
 * The microphone's AudioWorklet processor: mixes the input to mono, resamples it to 16 kHz here in
 * the audio thread, and posts 10 ms blocks to the main thread. The rate is converted here rather than
 * by asking the AudioContext for 16 kHz, because browsers may ignore that request (or refuse it for a
 * microphone source); the context runs at whatever rate it runs at, and this reads it from the
 * worklet's global `sampleRate`.
 *
 * Built by Vite as its own small script (`?worker&url`): from the library it takes only the
 * `StreamingResampler` (tree-shaken out of `gru-stream/features`).
 */
import { BLOCK_SAMPLES, MIC_PROCESSOR, TARGET_RATE } from './mic-protocol.js';
import type { MicInfoMessage } from './mic-protocol.js';
import { StreamingResampler } from 'gru-stream/features';

/** The parts of AudioWorkletGlobalScope used here (TypeScript's DOM library does not describe it). */
interface WorkletScope {
  sampleRate: number;
  registerProcessor(name: string, processor: new () => WorkletProcessor): void;
  AudioWorkletProcessor: new () => { readonly port: MessagePort };
}
interface WorkletProcessor {
  process(inputs: Float32Array[][]): boolean;
}

const scope = globalThis as unknown as WorkletScope;

class MicProcessor extends scope.AudioWorkletProcessor implements WorkletProcessor {
  private readonly resampler = new StreamingResampler(scope.sampleRate, TARGET_RATE);
  /** Render quanta are 128 frames today; the buffers grow if a browser ever sends more. */
  private mono = new Float32Array(128);
  private resampled = new Float32Array(this.resampler.maxOutput(128));
  private block = new Float32Array(BLOCK_SAMPLES);
  private blockFill = 0;

  constructor() {
    super();
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
    for (let i = 0; i < produced; i++) {
      this.block[this.blockFill++] = this.resampled[i]!;
      if (this.blockFill === BLOCK_SAMPLES) {
        // Transferred, so a fresh block each time: 100 small arrays a second, no copy on the way.
        this.port.postMessage(this.block, [this.block.buffer]);
        this.block = new Float32Array(BLOCK_SAMPLES);
        this.blockFill = 0;
      }
    }
    return true;
  }
}

scope.registerProcessor(MIC_PROCESSOR, MicProcessor);
