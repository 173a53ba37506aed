/**
 * The library in Node doing what the keyword PWA does, for comparing with the page: the speech mel of
 * each capture as the worklet makes it (continuing the stream's block phase, no flush at the end),
 * then one engine stream (embedding + GRU head) and the manifest's detector over all captures, state
 * carried from one capture to the next as the page's saved state carries it.
 */
import { from, lastValueFrom, toArray } from 'rxjs';
import { SPEECH_EMBEDDING_DIR } from '../../src/cli/default-models.js';
import { infer } from '../../src/client/infer.js';
import { createEngine } from '../../src/client/node.js';
import { SpeechMelFrontEnd } from '../../src/features/speech-mel.js';
import { loadKwsModel } from '../../src/kws/files-node.js';
import { KwsDetector } from '../../src/postprocess/kws-detector.js';
import { kwsDetectorOptionsFromManifest } from '../../src/postprocess/kws-manifest.js';

const BINS = 32;

/**
 * The deadline of one engine call of a reference run, ms. A call embeds up to 256 chunks of 8 frames;
 * with both cores saturated by other jobs one took over the default 10 s. This deadline only tells
 * a hung worker from a slow one: nothing here is timed.
 */
export const REFERENCE_CALL_TIMEOUT_MS = 120_000;

/** The worklet's mel frames of one capture of 16 kHz `samples` starting at stream frame `startFrame`. */
export function captureMel(samples: Float32Array, startFrame: number): Float32Array {
  const mel = new SpeechMelFrontEnd();
  const empty = new Float32Array(0);
  if (startFrame > 0) mel.restore({ samples: empty, block: empty, frameIndex: startFrame, pending: empty });
  mel.push(samples);
  const out = new Float32Array(mel.pending * BINS);
  mel.pull(out);
  return out;
}

export interface StepDetection {
  label: string;
  /** The detector's time: ms of the stream's audio (all captures), at the step's window end. */
  timeMs: number;
  score: number;
  /** The GRU step (from 0 at the stream's start) that fired. */
  step: number;
}

/** Detections of one stream fed `captures` (mel frames, in order) through `model` and its detector. */
export async function streamDetections(model: string, captures: Float32Array[]): Promise<StepDetection[]> {
  const file = loadKwsModel(model, { searchDirs: [SPEECH_EMBEDDING_DIR] });
  const engine = await createEngine({
    models: [file],
    ...(file.frontEnd !== undefined && { frontEnd: file.frontEnd }),
    callTimeoutMs: REFERENCE_CALL_TIMEOUT_MS,
  });
  try {
    // Chunks of one block (8 frames), as the worklet posts them.
    const chunks: Float32Array[] = [];
    for (const c of captures)
      for (let at = 0; at < c.length; at += 8 * BINS) chunks.push(c.slice(at, at + 8 * BINS));
    const predictions = await lastValueFrom(from(chunks).pipe(infer(engine, { stream: 'ref' }), toArray()));
    const detector = new KwsDetector(kwsDetectorOptionsFromManifest(file.manifest));
    const out: StepDetection[] = [];
    for (const p of predictions) {
      const d = detector.push(p.output);
      if (d !== undefined) out.push({ label: d.label, timeMs: d.timeMs, score: d.score, step: p.frame });
    }
    return out;
  } finally {
    await engine.dispose();
  }
}
