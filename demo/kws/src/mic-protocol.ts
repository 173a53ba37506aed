/**
 * What the microphone worklet and the main thread say to each other. Audio travels as bare
 * Float32Arrays (transferred, no wrapper object per block); everything else is a tagged object.
 */

/** The name the worklet registers its processor under. */
export const MIC_PROCESSOR = 'mic-16k';

/** The rate of every block the worklet posts: the front end's rate. */
export const TARGET_RATE = 16_000;

/** Samples per posted block: 10 ms at 16 kHz, one front-end hop. */
export const BLOCK_SAMPLES = 160;

/** Sent once, when the processor starts: the rate the audio graph really runs at. */
export interface MicInfoMessage {
  type: 'info';
  /** The AudioContext's rate in Hz, whatever was asked for. */
  inputRate: number;
}

/** Worklet → main thread: a block of {@link BLOCK_SAMPLES} mono samples at 16 kHz, or the info. */
export type MicMessage = Float32Array | MicInfoMessage;
