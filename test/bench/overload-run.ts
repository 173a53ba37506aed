/**
 * One overload run: chunks of many streams offered to `inferMany` at a fixed rate (a multiple of the
 * engine's measured capacity) for a fixed time, every chunk accounted for: predicted, or refused /
 * failed with its code. Used by `overload.ts` (60 s, prints and writes JSON) and by the short test.
 */
import { getHeapStatistics } from 'node:v8';
import { Subject } from 'rxjs';
import { inferMany, isChunkFailure } from '../../src/client/index.js';
import type { Chunk, EngineClient } from '../../src/client/index.js';
import { chunkFrames } from './bench-util.js';

export interface OverloadOptions {
  /** Chunks per second the engine steps at most (measured before, with no refusals). */
  capacity: number;
  /** Offered load as a multiple of `capacity` (e.g. 2). */
  factor: number;
  seconds: number;
  streams: number;
  /** Called about once a second with a progress line. */
  progress?: (line: string) => void;
  /** Called when the overload window opens and when it closes (e.g. to read CPU clocks). */
  onWindow?: (edge: 'open' | 'close') => void;
}

export interface OverloadResult {
  offered: number;
  predicted: number;
  /** Predicted while the load was offered (goodput is counted from these). */
  predictedInWindow: number;
  failed: Record<string, number>;
  /** Offered − predicted − failed after draining: must be 0. */
  unaccounted: number;
  goodputPerS: number;
  goodputRatio: number;
  heapStartMb: number;
  heapMaxMb: number;
  /** Longest gap between two driver ticks (ms): how long the main thread stalled. */
  maxTickGapMs: number;
}

export async function runOverload(engine: EngineClient, o: OverloadOptions): Promise<OverloadResult> {
  const I = engine.model.inputSize;
  const pool = Array.from({ length: 61 }, (_, k) => chunkFrames(I, k + 1));
  const ids = Array.from({ length: o.streams }, (_, s) => `ovl-${Date.now()}-${s}`);
  const rate = o.capacity * o.factor;
  const source = new Subject<Chunk>();
  let predicted = 0;
  let predictedInWindow = 0;
  let inWindow = true;
  const failed: Record<string, number> = {};
  let fatal: unknown;
  const subscription = source.pipe(inferMany(engine)).subscribe({
    next: (v) => {
      if (isChunkFailure(v)) failed[v.error.code] = (failed[v.error.code] ?? 0) + 1;
      else {
        predicted++;
        if (inWindow) predictedInWindow++;
      }
    },
    error: (e: unknown) => (fatal = e),
  });
  // getHeapStatistics, not process.memoryUsage(): the latter also reads the RSS, and at one call per
  // tick it showed up as 7 % of this thread in a profile of the run.
  const heapUsed = (): number => getHeapStatistics().used_heap_size;
  const heapStart = heapUsed();
  let heapMax = heapStart;
  let offered = 0;
  let maxGap = 0;
  o.onWindow?.('open');
  const t0 = performance.now();
  let last = t0;
  let nextReport = 1000;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      const elapsed = now - t0;
      const due = Math.floor((Math.min(elapsed, o.seconds * 1000) / 1000) * rate);
      for (; offered < due; offered++)
        source.next({ stream: ids[offered % ids.length]!, frames: pool[offered % 61]! });
      heapMax = Math.max(heapMax, heapUsed());
      if (elapsed >= nextReport) {
        nextReport += 1000;
        o.progress?.(
          `${(elapsed / 1000).toFixed(0)} s: offered ${offered}, predicted ${predicted}, refused ${failed.E_CAPACITY ?? 0}`,
        );
      }
      if (elapsed >= o.seconds * 1000 || fatal !== undefined) {
        inWindow = false;
        o.onWindow?.('close');
        resolve();
      } else setTimeout(tick, 5);
    };
    tick();
  });
  const windowS = (performance.now() - t0) / 1000;
  source.complete();
  // Drain: every accepted chunk is answered (bounded by the pending limit / capacity).
  await new Promise<void>((resolve) => {
    const poll = (): void => {
      const done = predicted + Object.values(failed).reduce((a, b) => a + b, 0);
      if (done >= offered || fatal !== undefined) resolve();
      else setTimeout(poll, 20);
    };
    poll();
  });
  subscription.unsubscribe();
  if (fatal !== undefined) throw fatal;
  const failedTotal = Object.values(failed).reduce((a, b) => a + b, 0);
  const goodputPerS = predictedInWindow / windowS;
  return {
    offered,
    predicted,
    predictedInWindow,
    failed,
    unaccounted: offered - predicted - failedTotal,
    goodputPerS,
    goodputRatio: goodputPerS / o.capacity,
    heapStartMb: heapStart / 2 ** 20,
    heapMaxMb: heapMax / 2 ** 20,
    maxTickGapMs: maxGap,
  };
}
