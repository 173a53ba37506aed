/**
 * The microphone as an Observable of model frames (the model's audio front end run on 16 kHz mono by
 * the `mic-16k` AudioWorklet: see mic-worklet.ts). Subscribing opens the microphone; unsubscribing releases it (tracks stopped,
 * AudioContext closed), so the browser's recording indicator goes off.
 */
import { Observable } from 'rxjs';
import { MIC_PROCESSOR } from './mic-protocol.js';
import type { MicFrontEnd, MicMessage } from './mic-protocol.js';

export type MicFailure = 'denied' | 'no-device' | 'busy' | 'blocked' | 'ended';

/** Why the microphone could not be used, with a message meant for the user. */
export class MicError extends Error {
  override readonly name = 'MicError';
  constructor(
    readonly kind: MicFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface MicOptions {
  /**
   * A fresh AudioContext, created (and resumed) synchronously in a user gesture: that is what lets
   * audio start on mobile browsers. The subscription owns it and closes it when it ends.
   */
  context: AudioContext;
  /** URL of the built `mic-worklet` script. */
  workletUrl: string;
  /** The front end the worklet runs (from the model's manifest). */
  frontEnd: MicFrontEnd;
  /** Called once audio flows, with the rate the audio graph really runs at (Hz). */
  onStart?: (inputRate: number) => void;
  /** How long `AudioContext.resume()` may take before we say the browser blocked audio (default 3000 ms). */
  resumeTimeoutMs?: number;
}

/**
 * Opens the microphone on subscribe; subscribe once (the context is closed when it ends). Errors are
 * {@link MicError}s with a user-facing message.
 */
export function microphone(options: MicOptions): Observable<Float32Array> {
  return new Observable<Float32Array>((subscriber) => {
    let closed = false;
    let media: MediaStream | undefined;
    let node: AudioWorkletNode | undefined;
    let source: MediaStreamAudioSourceNode | undefined;
    const { context } = options;

    const open = async (): Promise<void> => {
      // The worklet first, the microphone last: the first samples we get are then close to the moment
      // capture starts.
      await context.audioWorklet.addModule(options.workletUrl);
      media = await getMicrophone();
      if (closed) return;
      await resume(context, options.resumeTimeoutMs ?? 3000);
      node = new AudioWorkletNode(context, MIC_PROCESSOR, {
        numberOfOutputs: 1,
        outputChannelCount: [1],
        processorOptions: options.frontEnd,
      });
      node.port.onmessage = (e: MessageEvent<MicMessage>) => {
        if (e.data instanceof Float32Array) subscriber.next(e.data);
        else options.onStart?.(e.data.inputRate);
      };
      for (const track of media.getAudioTracks()) {
        track.addEventListener('ended', () =>
          subscriber.error(
            new MicError('ended', 'The microphone stopped (unplugged, or access was revoked).'),
          ),
        );
      }
      source = context.createMediaStreamSource(media);
      source.connect(node);
      // The processor writes nothing, so this plays silence; being connected to the destination is
      // what makes every browser run it.
      node.connect(context.destination);
    };

    open().then(undefined, (e: unknown) => subscriber.error(e instanceof MicError ? e : micError(e)));

    return () => {
      closed = true;
      for (const track of media?.getTracks() ?? []) track.stop();
      source?.disconnect();
      if (node !== undefined) {
        node.port.onmessage = null;
        node.port.close();
        node.disconnect();
      }
      closeContext(context);
    };
  });
}

/** Closes a context that is not closed yet (releasing the audio device). */
export function closeContext(context: AudioContext): void {
  if (context.state === 'closed') return;
  context.close().then(undefined, (e: unknown) => console.error('closing the AudioContext failed', e));
}

function getMicrophone(): Promise<MediaStream> {
  // The model was trained on unprocessed audio: phone-call processing would change its features.
  return navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
}

/** Starts the context, or fails clearly when the browser keeps it suspended (no user gesture). */
async function resume(context: AudioContext, timeoutMs: number): Promise<void> {
  if (context.state === 'running') return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new MicError('blocked', 'The browser did not let audio start. Press Start again.')),
      timeoutMs,
    );
  });
  try {
    await Promise.race([context.resume(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Turns a getUserMedia / Web Audio failure into a message a user can act on. */
function micError(e: unknown): MicError {
  const name = e instanceof DOMException ? e.name : '';
  const detail = e instanceof Error ? e.message : String(e);
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new MicError(
        'denied',
        'Microphone access was denied. Allow the microphone for this site (site settings, next to the ' +
          'address bar) and press Start again.',
        { cause: e },
      );
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new MicError('no-device', 'No microphone was found on this device.', { cause: e });
    case 'NotReadableError':
    case 'AbortError':
      return new MicError(
        'busy',
        `The microphone could not be opened; another app may be using it (${detail}).`,
        { cause: e },
      );
    default:
      return new MicError('busy', `The microphone could not be started: ${detail}`, { cause: e });
  }
}
