/**
 * Memory per idle stream: open N streams (one 1-frame chunk each, sent as packed step requests), then
 * read the worker's memory after full GCs; bytes per stream = growth / N. The growth includes what the
 * engine keeps for its largest request (index arrays, the rollback copy of 4,096 states: about 1 MB at
 * H = 64), which weighs at 10,000 streams and fades at 100,000. The engine's own account (its state
 * table's typed arrays) is reported beside it, and is all a browser worker can report: Chromium
 * exposes no heap figure inside a worker.
 *
 * The Node numbers need `gc()` in the worker: the bench sets `--expose-gc` before any worker starts.
 */
import type { WorkerEngineClient, WorkerMemoryReport } from '../../src/client/index.js';

export interface MemoryResult {
  /** Streams open when measured. */
  streams: number;
  /** Growth of the worker's V8 heap + external memory per open stream (bytes); undefined where not measurable. */
  bytesPerStream?: number;
  /** Of which V8 heap (id → slot map, id strings). */
  heapBytesPerStream?: number;
  /** The engine's state table (hidden rows, activity times, free list) per open stream, allocated rows included. */
  stateBytesPerStream: number;
  /** Whether a full GC ran before each reading. */
  collected: boolean;
}

/** Streams opened per step request. */
const OPEN_BATCH = 4096;

/**
 * Opens streams up to each count of `counts` (ascending) in a fresh engine and measures after each.
 * @param engine a fresh engine with maxStreams ≥ the last count
 */
export async function measureMemory(
  engine: WorkerEngineClient,
  counts: readonly number[],
  options: { heap: boolean },
): Promise<MemoryResult[]> {
  const I = engine.model.inputSize;
  const read = async (): Promise<{ bytes?: number; heap?: number; state: number; collected: boolean }> => {
    const { stateBytes } = await engine.stats();
    if (!options.heap) return { state: stateBytes, collected: false };
    // ArrayBuffers freed by one full GC are accounted only after the next: collect until it settles.
    let report = await engine.memory(true);
    for (let k = 0; k < 4 && report.collected; k++) {
      const again = await engine.memory(true);
      const settled = Math.abs(externalOf(again) - externalOf(report)) < 64 * 1024;
      report = again;
      if (settled) break;
    }
    const { memory, collected } = report;
    if (memory === undefined) return { state: stateBytes, collected };
    return { bytes: memory.heapUsed + memory.external, heap: memory.heapUsed, state: stateBytes, collected };
  };
  const base = await read();
  const results: MemoryResult[] = [];
  let open = 0;
  for (const count of counts) {
    while (open < count) {
      const n = Math.min(OPEN_BATCH, count - open);
      const streams = Array.from({ length: n }, (_, k) => `idle-${open + k}`);
      const result = await engine.step({
        streams,
        frameCounts: new Int32Array(n).fill(1),
        frames: new Float32Array(n * I),
      });
      if (result.errors.length > 0) {
        throw new Error(`opening streams failed: ${result.errors[0]!.error.message}`);
      }
      open += n;
    }
    const now = await read();
    const r: MemoryResult = {
      streams: count,
      stateBytesPerStream: (now.state - base.state) / count,
      collected: now.collected,
    };
    if (now.bytes !== undefined && base.bytes !== undefined)
      r.bytesPerStream = (now.bytes - base.bytes) / count;
    if (now.heap !== undefined && base.heap !== undefined)
      r.heapBytesPerStream = (now.heap - base.heap) / count;
    results.push(r);
  }
  return results;
}

const externalOf = (r: WorkerMemoryReport): number => r.memory?.external ?? 0;
