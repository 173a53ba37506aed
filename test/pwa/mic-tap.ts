/**
 * What the keyword apps' microphone worklet posted, for comparing with the library in Node.
 *
 * {@link tapMicrophone} runs in the page before the app (Playwright `addInitScript`): it wraps
 * `AudioWorkletNode` so that every Float32Array the worklet posts (the model's front-end frames) is
 * also copied into `globalThis.__micFrames`. The app is not changed; it keeps its own `port.onmessage`.
 */
import type { Page } from 'playwright-core';

interface Tapped {
  __micFrames?: Float32Array[];
  /** Worklet nodes created in this page: the frames start at the first one's first frame. */
  __micNodes?: number;
}

/** The init script: self-contained (Playwright sends its source text to the page). */
export function tapMicrophone(): void {
  const chunks: Float32Array[] = [];
  const tapped = globalThis as Tapped;
  tapped.__micFrames = chunks;
  tapped.__micNodes = 0;
  const Native = globalThis.AudioWorkletNode;
  if (Native === undefined) return;
  globalThis.AudioWorkletNode = class extends Native {
    constructor(...args: ConstructorParameters<typeof AudioWorkletNode>) {
      super(...args);
      tapped.__micNodes = (tapped.__micNodes ?? 0) + 1;
      // A second listener on the port: the app's onmessage (which starts the port) gets the same events.
      this.port.addEventListener('message', (e: MessageEvent<unknown>) => {
        if (e.data instanceof Float32Array) chunks.push(e.data.slice());
      });
    }
  };
}

/**
 * The front-end frames the page's microphone worklets have posted so far, concatenated in order, and
 * how many worklet nodes posted them: with one, they are one listening session's frames.
 */
export async function tappedFrames(page: Page): Promise<{ values: Float32Array; nodes: number }> {
  const { values, nodes } = await page.evaluate(() => {
    const { __micFrames: chunks, __micNodes: nodes } = globalThis as Tapped;
    if (chunks === undefined) throw new Error('the microphone tap is not installed in this page');
    const all: number[] = [];
    for (const c of chunks) for (const v of c) all.push(v);
    return { values: all, nodes: nodes ?? 0 };
  });
  return { values: Float32Array.from(values), nodes };
}
