/**
 * What the microphone worklet and the main thread say to each other. Model frames travel as bare
 * Float32Arrays (transferred, no wrapper object per chunk); everything else is a tagged object.
 */
import type { FeatureNorm, LogMelFeatureSpec } from 'gru-stream/features';

/** The name the worklet registers its processor under. */
export const MIC_PROCESSOR = 'mic-16k';

/** The rate the front ends run at: the worklet resamples the audio graph's rate to it. */
export const TARGET_RATE = 16_000;

/**
 * The front end the worklet runs (its `processorOptions`), from the model's manifest:
 * - `speech-mel`: the speech-embedding mel (`SpeechMelFrontEnd`, 32 bins every 10 ms, released 8
 *   frames = 80 ms at a time); the worker makes the embeddings;
 * - `log-mel`: the log-mel front end of the spec, normalised with `norm` when given.
 */
export type MicFrontEnd =
  | {
      kind: 'speech-mel';
      /**
       * The stream's frame count when this capture starts (a restored stream continues its count;
       * default 0). It sets the mel's 8-frame block phase, so that blocks keep ending where the
       * stream's embedding windows end, as in training. It is always a block boundary: a capture
       * sends whole blocks only.
       */
      startFrame?: number;
    }
  | { kind: 'log-mel'; features: LogMelFeatureSpec; norm?: FeatureNorm };

/** Sent once, when the processor starts: the rate the audio graph really runs at. */
export interface MicInfoMessage {
  type: 'info';
  /** The AudioContext's rate in Hz, whatever was asked for. */
  inputRate: number;
}

/**
 * Worklet → main thread: the model frames one render quantum completed (T × bins floats,
 * frame-major; posted only when T ≥ 1), or the info.
 */
export type MicMessage = Float32Array | MicInfoMessage;
