/** What the end-to-end benchmark runs, in full and in `--quick` mode (about a minute in all). */
import type { LatencyCase } from './latency.js';
import type { ThroughputCase, ThroughputOptions } from './throughput.js';

export interface Plan {
  /** Throughput cases per hidden size. */
  throughput: Record<number, ThroughputCase[]>;
  throughputOptions: ThroughputOptions;
  /** Latency cases (H = 64). */
  latency: LatencyCase[];
  /** Stream counts of the memory measurement, per hidden size. */
  memory: Record<number, number[]>;
  /** Fresh-process cold starts: with the prebuilt worker, and with the tsx dev boot. */
  coldStarts: { prebuilt: number; tsxBoot: number };
  rawInvoke: { rounds: number; calls: number };
  chromium: {
    throughput: Record<number, ThroughputCase[]>;
    latency: LatencyCase[];
    memory: number[];
    coldStarts: number;
  };
}

const ALL_CASES: ThroughputCase[] = [1, 10, 100, 1_000, 10_000].flatMap((streams) =>
  [1, 10].map((framesPerChunk) => ({ streams, framesPerChunk })),
);
const kws = (windowMs: number, durationMs: number): LatencyCase => ({
  name: 'kws',
  streams: 1,
  chunksPerSecond: 100,
  windowMs,
  durationMs,
});
const iot = (windowMs: number, durationMs: number): LatencyCase => ({
  name: 'iot',
  streams: 1_000,
  chunksPerSecond: 10,
  windowMs,
  durationMs,
});

export function benchPlan(quick: boolean): Plan {
  if (quick) {
    return {
      throughput: { 64: ALL_CASES, 128: [{ streams: 1_000, framesPerChunk: 1 }] },
      throughputOptions: { durationMs: 200, repeats: 3 },
      latency: [kws(0, 3_000), iot(0, 1_500), iot(2, 1_500), iot(5, 1_500)],
      memory: { 64: [10_000, 100_000] },
      coldStarts: { prebuilt: 3, tsxBoot: 1 },
      rawInvoke: { rounds: 5, calls: 1_000 },
      chromium: {
        throughput: {
          64: [
            { streams: 1, framesPerChunk: 1 },
            { streams: 1_000, framesPerChunk: 1 },
          ],
        },
        latency: [kws(0, 3_000)],
        memory: [10_000],
        coldStarts: 1,
      },
    };
  }
  return {
    throughput: { 64: ALL_CASES, 128: ALL_CASES },
    throughputOptions: { durationMs: 1_000, repeats: 5 },
    latency: [kws(0, 10_000), kws(5, 10_000), iot(0, 5_000), iot(2, 5_000), iot(5, 5_000), iot(10, 5_000)],
    memory: { 64: [10_000, 100_000], 128: [10_000, 100_000] },
    coldStarts: { prebuilt: 5, tsxBoot: 3 },
    rawInvoke: { rounds: 15, calls: 3_000 },
    chromium: {
      throughput: {
        64: ALL_CASES.filter((c) => c.framesPerChunk === 1 || c.streams === 1_000),
        128: [{ streams: 1_000, framesPerChunk: 1 }],
      },
      latency: [kws(0, 10_000), iot(0, 5_000), iot(5, 5_000)],
      memory: [10_000, 100_000],
      coldStarts: 3,
    },
  };
}
