/**
 * The test page's script (bundled by the browser test): runs the public browser client in Chromium
 * against the built classic worker, and reports plain data back to the test.
 */
import { from, lastValueFrom, toArray } from 'rxjs';
import { createEngine, infer } from '../../src/client/index.js';
import { testHooksOf, withTestHooks } from '../../src/client/test-hooks.js';
import type { EngineInfo } from '../../src/protocol/engine.js';
import { isGruStreamError } from '../../src/errors.js';

export interface StreamRun {
  model: EngineInfo;
  predictions: { seq: number; frame: number; label?: string; score?: number; output: number[] }[];
  framesStepped: number;
}

const codeOf = (e: unknown): string => (isGruStreamError(e) ? e.code : `not a library error: ${String(e)}`);

const api = {
  /** Streams `chunks` (arrays of T × I numbers) through `infer` and returns every prediction. */
  async runStream(workerUrl: string, models: string[], chunks: number[][]): Promise<StreamRun> {
    const engine = await createEngine({ workerUrl, models });
    try {
      const source = from(chunks.map((c) => Float32Array.from(c)));
      const ps = await lastValueFrom(source.pipe(infer(engine, { stream: 'browser' }), toArray()));
      return {
        model: engine.model,
        predictions: ps.map(({ seq, frame, label, score, output }) => ({
          seq,
          frame,
          label,
          score,
          output: [...output],
        })),
        framesStepped: (await engine.stats()).framesStepped,
      };
    } finally {
      await engine.dispose();
    }
  },

  /**
   * Ends the worker from inside (`close()`, which Chromium does not report to the page) and returns
   * what each call then saw: the crash call itself, the next call, and one after that.
   */
  async crash(workerUrl: string, models: string[]): Promise<{ crash: string; next: string; later: string }> {
    const engine = await createEngine(withTestHooks({ workerUrl, models, callTimeoutMs: 1000 }));
    try {
      const crash = await testHooksOf(engine)
        .crash()
        .then(() => 'resolved', codeOf);
      const next = await engine.stats().then(() => 'resolved', codeOf);
      const later = await engine.stats().then(() => 'resolved', codeOf);
      return { crash, next, later };
    } finally {
      await engine.dispose();
    }
  },
};

export type PageApi = typeof api;
(globalThis as unknown as { gruTest: PageApi }).gruTest = api;
