/**
 * A microphone that does not depend on real time, for the Chromium tests of the keyword apps: an init
 * script (Playwright `addInitScript`) that makes every `new AudioContext()` of the page an
 * `OfflineAudioContext` playing a known recording into whatever the app connects to its "microphone".
 *
 * The app's whole path still runs — its AudioWorklet (resampler and front end in the audio rendering
 * thread), the main thread, the engine worker — but the audio graph renders as the page keeps up
 * instead of at the speed of a clock, so a busy machine delays the result without changing it: no
 * sample is dropped, the capture starts at the recording's first sample, and the page hears exactly
 * `samples`. Only `getUserMedia` is replaced (it returns an empty MediaStream, whose source node
 * becomes the recording).
 *
 * Paced by the page, not by time: rendering pauses every {@link PACE_S} s of audio until the page's
 * `<body data-heard-ms>` (the audio its model has heard) is within {@link LEAD_S} s of it. Unpaced, the
 * whole recording arrived at once and the engine's calls grew to hundreds of embeddings, which on
 * saturated cores missed the engine's 10 s call deadline. The apps set `data-heard-ms`; for a page
 * that does not, pacing waits forever (nothing else here needs it).
 *
 * Every capture (every new AudioContext) plays the recording from its start, once; it then renders no
 * more, as a microphone gone quiet.
 */

/** What the init script gets: the recording at the audio graph's rate. */
export interface OfflineMicArgs {
  /** Float32 little-endian samples, base64 (mono, at `sampleRate`). */
  samplesBase64: string;
  /** The rate of the audio graph, Hz (a phone's is usually 48 000). */
  sampleRate: number;
  /** Audio rendered between two pauses, s. */
  paceS: number;
  /** How far rendering may run ahead of what the page's model has heard, s. */
  leadS: number;
}

/** `OfflineMicArgs` for `samples`. */
export function offlineMicArgs(samples: Float32Array, sampleRate: number): OfflineMicArgs {
  const bytes = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  return { samplesBase64: bytes.toString('base64'), sampleRate, paceS: PACE_S, leadS: LEAD_S };
}

/** Audio rendered between two pauses, s. */
export const PACE_S = 0.5;
/** How far rendering may run ahead of what the page's model has heard, s. */
export const LEAD_S = 1;

/** The init script: self-contained (Playwright sends its source text to the page). */
export function offlineMicrophone(args: OfflineMicArgs): void {
  const { paceS, leadS } = args;
  const binary = atob(args.samplesBase64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const samples = new Float32Array(bytes.buffer);
  const rate = args.sampleRate;
  const page = globalThis as { __offlineCaptures?: number };
  page.__offlineCaptures = 0;
  class RecordingContext extends OfflineAudioContext {
    constructor() {
      super({ numberOfChannels: 1, length: samples.length, sampleRate: rate });
    }

    // The app resumes its context in the click; an offline context starts when the "microphone" is
    // connected (below), so nothing renders before the app's graph exists.
    override resume(): Promise<void> {
      return Promise.resolve();
    }

    close(): Promise<void> {
      return Promise.resolve();
    }

    createMediaStreamSource(): AudioBufferSourceNode {
      const buffer = this.createBuffer(1, samples.length, rate);
      buffer.copyToChannel(samples, 0);
      const source = this.createBufferSource();
      source.buffer = buffer;
      source.start(0);
      const heard = (): number => Number(document.body?.dataset.heardMs ?? 0);
      const base = heard();
      for (let t = paceS; t < samples.length / rate; t += paceS) {
        const at = t;
        this.suspend(at).then(
          () => {
            const check = (): void => {
              if (heard() >= base + (at - leadS) * 1000) void OfflineAudioContext.prototype.resume.call(this);
              else setTimeout(check, 10);
            };
            check();
          },
          (e: unknown) => console.error('offline microphone: cannot pause rendering', e),
        );
      }
      // The app connects source → worklet → destination right after this returns, in the same task.
      setTimeout(() => {
        page.__offlineCaptures = (page.__offlineCaptures ?? 0) + 1;
        this.startRendering().then(undefined, (e: unknown) => console.error('offline rendering failed', e));
      }, 0);
      return source;
    }
  }
  (globalThis as { AudioContext: unknown }).AudioContext = RecordingContext;
  navigator.mediaDevices.getUserMedia = () => Promise.resolve(new MediaStream());
}
