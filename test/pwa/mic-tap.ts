/**
 * What the PWA heard, for comparing its detections with the library's in Node on the same audio.
 *
 * {@link tapMicrophone} runs in the page before the app (Playwright `addInitScript`): it wraps
 * `AudioWorkletNode` so that every 16 kHz block the microphone worklet posts is also copied into
 * `globalThis.__micBlocks`. The app is not changed; it keeps its own `port.onmessage`.
 */
import type { Page } from 'playwright-core';

interface Tapped {
  __micBlocks?: Float32Array[];
  /** Worklet nodes created in this page: the blocks start at the first one's first sample. */
  __micNodes?: number;
}

/** The init script: self-contained (Playwright sends its source text to the page). */
export function tapMicrophone(): void {
  const blocks: Float32Array[] = [];
  const tapped = globalThis as Tapped;
  tapped.__micBlocks = blocks;
  tapped.__micNodes = 0;
  const Native = globalThis.AudioWorkletNode;
  if (Native === undefined) return;
  globalThis.AudioWorkletNode = class extends Native {
    constructor(...args: ConstructorParameters<typeof AudioWorkletNode>) {
      super(...args);
      tapped.__micNodes = (tapped.__micNodes ?? 0) + 1;
      // A second listener on the port: the app's onmessage (which starts the port) gets the same events.
      this.port.addEventListener('message', (e: MessageEvent<unknown>) => {
        if (e.data instanceof Float32Array) blocks.push(e.data.slice());
      });
    }
  };
}

/**
 * The audio the page's microphone worklets have posted so far (16 kHz mono), in order, and how many
 * worklet nodes posted it: with one, sample 0 is the first sample of the app's listening session.
 */
export async function tappedAudio(page: Page): Promise<{ samples: Float32Array; nodes: number }> {
  const { samples, nodes } = await page.evaluate(() => {
    const { __micBlocks: blocks, __micNodes: nodes } = globalThis as Tapped;
    if (blocks === undefined) throw new Error('the microphone tap is not installed in this page');
    const all: number[] = [];
    for (const b of blocks) for (const v of b) all.push(v);
    return { samples: all, nodes: nodes ?? 0 };
  });
  return { samples: Float32Array.from(samples), nodes };
}
