/**
 * The end-to-end benchmark's results: the JSON document (`--json FILE`, format in the README), the
 * summary and targets computed from it, and the tables printed (Markdown, ready for the README).
 */
import type { PeerResult } from './peers/peer-bench.js';
import type { ColdStartResult } from './cold-start.js';
import type { EchoResult } from './echo.js';
import type { LatencyResult } from './latency.js';
import type { MemoryResult } from './memory.js';
import type { RawInvokeResult } from './raw-invoke.js';
import type { ThroughputResult } from './throughput.js';

export type WithHidden<T> = T & { hidden: number };

/** Everything measured on one platform; Chromium has no peers. */
export interface PlatformResults {
  throughput: WithHidden<ThroughputResult>[];
  latency: WithHidden<LatencyResult>[];
  memory: WithHidden<MemoryResult>[];
  coldStart: WithHidden<ColdStartResult>[];
  rawInvoke: RawInvokeResult[];
  peers: PeerResult[];
  /** The platform's floor under the single-stream latency: a bare echo to an idle worker at 100/s. */
  echo?: EchoResult;
}

/** A platform's results before anything was measured. */
export function emptyResults(): PlatformResults {
  return { throughput: [], latency: [], memory: [], coldStart: [], rawInvoke: [], peers: [] };
}

/** Per hidden size: the end-to-end cost at 1,000 streams × 1 frame against the floor and the peers. */
export interface Comparison {
  hidden: number;
  /** End-to-end µs per stream-step, 1,000 streams × 1 frame per chunk. */
  e2eUsPerStep: number;
  rawUsPerStreamB64: number;
  /** e2e / raw: what the operator, batcher, worker hop and engine add (≤ 1.5 wanted). */
  ratioVsRawInvoke: number;
  /**
   * The same in CPU time (Node): all threads' CPU per end-to-end step / CPU per raw invoked step. The
   * work added, whatever else runs on the machine.
   */
  cpuRatioVsRawInvoke?: number;
  /** Peer µs per stream (B=64) / e2e µs per step: our per-stream throughput over theirs. */
  ratioVsOnnxruntimeNode?: number;
  ratioVsOnnxruntimeWeb?: number;
  /** Naive predict() µs per step / e2e µs per step. */
  ratioVsNaivePredict?: number;
}

export interface Target {
  id: string;
  platform: 'node' | 'chromium';
  target: string;
  /** Whether `measured` must be at least or at most `limit`. */
  kind: 'min' | 'max';
  limit: number;
  measured: number;
  unit: string;
  met: boolean;
}

export interface Summary {
  /** Node, H=64, 1,000 streams × 1 frame per chunk. */
  throughput_steps_per_s: number;
  /** Node, H=64, one stream at 100 chunks/s, window 0. */
  latency_p99_ms_single_stream: number;
  /** Node, H=64: the larger of the 10,000- and 100,000-stream figures. */
  bytes_per_idle_stream: number;
  /** Node, H=64, prebuilt worker, fresh process: createEngine() → first prediction. */
  cold_start_ms: number;
  ratio_vs_onnxruntime_node: number;
  ratio_vs_onnxruntime_web: number;
  ratio_vs_naive_predict: number;
  ratio_vs_raw_invoke: number;
  /** The same ratio in CPU time of all threads (Node): the work added, robust to a busy machine. */
  cpu_ratio_vs_raw_invoke: number;
  /** Node, H=64: a 2-worker pool, 1,000 streams × 1 frame per chunk (see pool-bench.ts). */
  pool_throughput_steps_per_s?: number;
  /** That pool's steps/s over onnxruntime-node's batch-64 steps/s (default threads), same run. */
  ratio_pool_vs_onnxruntime_node?: number;
  /** The same ratio at H=128. */
  ratio_pool_vs_onnxruntime_node_h128?: number;
  /** H=64, 10,000 streams open: worker killed → replacement (the pool's warm spare) restored and caught up (ms). */
  recovery_ms?: number;
  /** Chunks in flight or sent during that recovery that were not answered with outputs. */
  lost_chunks_on_crash?: number;
  /** Chunks predicted per second at 2× the offered capacity, over the capacity (overload-run.ts). */
  overload_goodput_ratio?: number;
  chromium?: {
    throughput_steps_per_s: number;
    latency_p99_ms_single_stream: number;
    ratio_vs_raw_invoke: number;
    cold_start_ms: number;
  };
}

export interface BenchDocument {
  bench: 'e2e';
  schema: 1;
  date: string;
  quick: boolean;
  environment: Record<string, unknown>;
  model: Record<string, unknown>;
  summary: Summary;
  targets: Target[];
  comparison: { node: Comparison[]; chromium: Comparison[] };
  node: PlatformResults;
  chromium?: PlatformResults;
  /** Pool throughput rows and the recovery run (pool-bench.ts). */
  pool?: unknown;
}

/** Hidden size of the summary and the targets. */
export const SUMMARY_H = 64;

export function compare(r: PlatformResults): Comparison[] {
  const out: Comparison[] = [];
  for (const raw of r.rawInvoke) {
    const H = raw.hidden;
    const e2e = r.throughput.find((t) => t.hidden === H && t.streams === 1_000 && t.framesPerChunk === 1);
    if (e2e === undefined) continue;
    const peer = (name: PeerResult['peer']): PeerResult | undefined =>
      r.peers.find((p) => p.hidden === H && p.peer === name);
    const c: Comparison = {
      hidden: H,
      e2eUsPerStep: e2e.usPerStep,
      rawUsPerStreamB64: raw.usPerStreamB64,
      ratioVsRawInvoke: e2e.usPerStep / raw.usPerStreamB64,
    };
    if (e2e.cpuUsPerStep !== undefined && raw.cpuUsPerStreamB64 !== undefined) {
      c.cpuRatioVsRawInvoke = e2e.cpuUsPerStep / raw.cpuUsPerStreamB64;
    }
    const ortNode = peer('onnxruntime-node');
    const ortWeb = peer('onnxruntime-web');
    const naive = peer('tfjs-tflite predict()');
    if (ortNode) c.ratioVsOnnxruntimeNode = ortNode.usPerStreamB64 / e2e.usPerStep;
    if (ortWeb) c.ratioVsOnnxruntimeWeb = ortWeb.usPerStreamB64 / e2e.usPerStep;
    if (naive) c.ratioVsNaivePredict = naive.usPerStreamB64 / e2e.usPerStep;
    out.push(c);
  }
  return out;
}

const at = <T extends { hidden: number }>(rows: T[], H: number, f: (r: T) => boolean): T | undefined =>
  rows.find((r) => r.hidden === H && f(r));

export function summarize(node: PlatformResults, chromium: PlatformResults | undefined): Summary {
  const H = SUMMARY_H;
  const c = compare(node).find((x) => x.hidden === H);
  const kws = at(node.latency, H, (l) => l.name === 'kws' && l.windowMs === 0);
  const mem = node.memory.filter((m) => m.hidden === H).map((m) => m.bytesPerStream ?? NaN);
  const cold = at(node.coldStart, H, (s) => s.how.startsWith('prebuilt'));
  const tp = at(node.throughput, H, (t) => t.streams === 1_000 && t.framesPerChunk === 1);
  const summary: Summary = {
    throughput_steps_per_s: tp?.stepsPerSecond ?? NaN,
    latency_p99_ms_single_stream: kws?.p99Ms ?? NaN,
    bytes_per_idle_stream: mem.length > 0 ? Math.max(...mem) : NaN,
    cold_start_ms: cold?.totalMs ?? NaN,
    ratio_vs_onnxruntime_node: c?.ratioVsOnnxruntimeNode ?? NaN,
    ratio_vs_onnxruntime_web: c?.ratioVsOnnxruntimeWeb ?? NaN,
    ratio_vs_naive_predict: c?.ratioVsNaivePredict ?? NaN,
    ratio_vs_raw_invoke: c?.ratioVsRawInvoke ?? NaN,
    cpu_ratio_vs_raw_invoke: c?.cpuRatioVsRawInvoke ?? NaN,
  };
  if (chromium) {
    const cc = compare(chromium).find((x) => x.hidden === H);
    summary.chromium = {
      throughput_steps_per_s:
        at(chromium.throughput, H, (t) => t.streams === 1_000 && t.framesPerChunk === 1)?.stepsPerSecond ??
        NaN,
      latency_p99_ms_single_stream:
        at(chromium.latency, H, (l) => l.name === 'kws' && l.windowMs === 0)?.p99Ms ?? NaN,
      ratio_vs_raw_invoke: cc?.ratioVsRawInvoke ?? NaN,
      cold_start_ms: at(chromium.coldStart, H, () => true)?.totalMs ?? NaN,
    };
  }
  return summary;
}

export function evaluateTargets(node: PlatformResults, chromium: PlatformResults | undefined): Target[] {
  const H = SUMMARY_H;
  const s = summarize(node, chromium);
  const targets: Target[] = [];
  const add = (t: Omit<Target, 'met'>): void => {
    const met = t.kind === 'min' ? t.measured >= t.limit : t.measured <= t.limit;
    targets.push({ ...t, met });
  };
  const steps = (p: PlatformResults, platform: Target['platform']): void => {
    for (const streams of [1_000, 10_000]) {
      const t = at(p.throughput, H, (x) => x.streams === streams && x.framesPerChunk === 1);
      if (t === undefined) continue;
      add({
        id: `throughput_${streams}`,
        platform,
        target: `E2E throughput, ${streams.toLocaleString('en')} streams × 1 frame, ≥ 500,000 steps/s`,
        kind: 'min',
        limit: 500_000,
        measured: t.stepsPerSecond,
        unit: 'steps/s',
      });
    }
  };
  steps(node, 'node');
  add({
    id: 'ratio_vs_raw_invoke',
    platform: 'node',
    target: 'E2E cost ≤ 1.5× the raw batched invoke (1,000 streams)',
    kind: 'max',
    limit: 1.5,
    measured: s.ratio_vs_raw_invoke,
    unit: '×',
  });
  add({
    id: 'ratio_vs_onnxruntime_node',
    platform: 'node',
    target: 'per-stream throughput ≥ onnxruntime-node (B=64)',
    kind: 'min',
    limit: 1,
    measured: s.ratio_vs_onnxruntime_node,
    unit: '×',
  });
  add({
    id: 'ratio_vs_onnxruntime_web',
    platform: 'node',
    target: 'per-stream throughput ≥ 1.5× onnxruntime-web (B=64)',
    kind: 'min',
    limit: 1.5,
    measured: s.ratio_vs_onnxruntime_web,
    unit: '×',
  });
  add({
    id: 'ratio_vs_naive_predict',
    platform: 'node',
    target: 'per-stream throughput ≥ 20× naive predict()',
    kind: 'min',
    limit: 20,
    measured: s.ratio_vs_naive_predict,
    unit: '×',
  });
  add({
    id: 'latency_p99_single_stream',
    platform: 'node',
    target: 'one stream at 100 chunks/s: p99 ≤ 1 ms',
    kind: 'max',
    limit: 1,
    measured: s.latency_p99_ms_single_stream,
    unit: 'ms',
  });
  add({
    id: 'bytes_per_idle_stream',
    platform: 'node',
    target: 'worker memory per idle stream ≤ 1 KB (10,000 and 100,000 streams)',
    kind: 'max',
    limit: 1024,
    measured: s.bytes_per_idle_stream,
    unit: 'B',
  });
  add({
    id: 'cold_start',
    platform: 'node',
    target: 'cold start (spawn → model loaded → first prediction) ≤ 300 ms',
    kind: 'max',
    limit: 300,
    measured: s.cold_start_ms,
    unit: 'ms',
  });
  if (chromium && s.chromium) {
    steps(chromium, 'chromium');
    add({
      id: 'ratio_vs_raw_invoke',
      platform: 'chromium',
      target: 'E2E cost ≤ 1.5× the raw batched invoke (1,000 streams)',
      kind: 'max',
      limit: 1.5,
      measured: s.chromium.ratio_vs_raw_invoke,
      unit: '×',
    });
    add({
      id: 'latency_p99_single_stream',
      platform: 'chromium',
      target: 'one stream at 100 chunks/s: p99 ≤ 2 ms',
      kind: 'max',
      limit: 2,
      measured: s.chromium.latency_p99_ms_single_stream,
      unit: 'ms',
    });
  }
  return targets;
}

/** Prints a Markdown table with aligned columns (as Prettier formats them). */
export function printMarkdownTable(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(3, ...cells.map((r) => [...(r[c] ?? '')].length)));
  const line = (r: string[]): string =>
    `| ${r.map((v, c) => v + ' '.repeat(widths[c]! - [...v].length)).join(' | ')} |`;
  console.log(line(header));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of cells.slice(1)) console.log(line(r));
  console.log();
}

const int = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : '–');
const fix = (x: number | undefined, d: number): string =>
  x !== undefined && Number.isFinite(x) ? x.toFixed(d) : '–';

export function printThroughput(title: string, rows: WithHidden<ThroughputResult>[]): void {
  console.log(`### ${title}\n`);
  const hs = [...new Set(rows.map((r) => r.hidden))];
  const cpu = rows.some((r) => r.cpuUsPerStep !== undefined);
  const cases = [...new Map(rows.map((r) => [`${r.streams}x${r.framesPerChunk}`, r])).values()];
  const header = hs.flatMap((H) => [
    `H=${H} steps/s`,
    `H=${H} µs/step`,
    ...(cpu ? [`H=${H} CPU µs/step`] : []),
  ]);
  printMarkdownTable(
    ['streams', 'frames/chunk', ...header, 'chunks/call'],
    cases.map((c) => {
      const cols = hs.flatMap((H) => {
        const r = rows.find(
          (x) => x.hidden === H && x.streams === c.streams && x.framesPerChunk === c.framesPerChunk,
        );
        const cells = r ? [int(r.stepsPerSecond), fix(r.usPerStep, 2)] : ['–', '–'];
        return cpu ? [...cells, fix(r?.cpuUsPerStep, 2)] : cells;
      });
      return [c.streams.toLocaleString('en'), c.framesPerChunk, ...cols, int(c.chunksPerCall)];
    }),
  );
}

export function printLatency(title: string, rows: WithHidden<LatencyResult>[], echo?: EchoResult): void {
  console.log(`### ${title}\n`);
  if (echo) {
    console.log(
      `Floor: a bare message to an idle worker and back, ${echo.rate}/s, no library: ` +
        `p50 ${fix(echo.p50Ms, 2)} ms, p99 ${fix(echo.p99Ms, 2)} ms.\n`,
    );
  }
  printMarkdownTable(
    [
      'case',
      'streams × rate',
      'window ms',
      'p50 ms',
      'p99 ms',
      'max ms',
      'worker call p50 / p99 ms',
      'worker calls/s',
      'chunks/call',
      'CPU %',
    ],
    rows.map((r) => [
      r.name,
      `${r.streams.toLocaleString('en')} × ${r.chunksPerSecond}/s`,
      r.windowMs,
      fix(r.p50Ms, 2),
      fix(r.p99Ms, 2),
      fix(r.maxMs, 1),
      `${fix(r.callP50Ms, 2)} / ${fix(r.callP99Ms, 2)}`,
      int(r.callsPerSecond),
      fix(r.chunksPerCall, 1),
      r.cpuPercent === undefined ? '–' : fix(r.cpuPercent, 0),
    ]),
  );
}

export function printMemory(title: string, rows: WithHidden<MemoryResult>[]): void {
  console.log(`### ${title}\n`);
  printMarkdownTable(
    ['H', 'open streams', 'bytes/stream (heap + external)', 'of which V8 heap', 'engine state table'],
    rows.map((r) => [
      r.hidden,
      r.streams.toLocaleString('en'),
      r.bytesPerStream === undefined ? 'not measurable' : int(r.bytesPerStream),
      r.heapBytesPerStream === undefined ? '–' : int(r.heapBytesPerStream),
      int(r.stateBytesPerStream),
    ]),
  );
}

export function printColdStart(title: string, rows: WithHidden<ColdStartResult>[]): void {
  console.log(`### ${title}\n`);
  printMarkdownTable(
    ['H', 'worker', 'spawn → ready ms', 'ready → 1st prediction ms', 'total ms', 'runs'],
    rows.map((r) => [
      r.hidden,
      r.how,
      int(r.readyMs),
      fix(r.firstPredictionMs, 1),
      int(r.totalMs),
      r.samples.length,
    ]),
  );
}

export function printComparison(title: string, r: PlatformResults): void {
  console.log(`### ${title}\n`);
  const rows: (string | number)[][] = [];
  for (const c of compare(r)) {
    const H = c.hidden;
    const raw = r.rawInvoke.find((x) => x.hidden === H)!;
    const e2e = r.throughput.find((t) => t.hidden === H && t.streams === 1_000 && t.framesPerChunk === 1);
    rows.push([
      H,
      '**gru-stream end to end** (1,000 streams × 1 frame)',
      '–',
      fix(c.e2eUsPerStep, 3),
      fix(e2e?.cpuUsPerStep, 3),
      '1.00',
    ]);
    rows.push([
      H,
      'raw batched invoke (floor)',
      fix(raw.usPerCallB1, 2),
      fix(raw.usPerStreamB64, 3),
      fix(raw.cpuUsPerStreamB64, 3),
      fix(1 / c.ratioVsRawInvoke, 2),
    ]);
    for (const p of r.peers.filter((x) => x.hidden === H)) {
      rows.push([
        H,
        p.batched ? p.peer : `${p.peer} (per stream per step, B=1)`,
        fix(p.usPerCallB1, 2),
        fix(p.usPerStreamB64, 3),
        '–',
        fix(p.usPerStreamB64 / c.e2eUsPerStep, 2),
      ]);
    }
  }
  printMarkdownTable(
    ['H', 'path', 'µs/call B=1', 'µs/stream-step (B=64)', 'CPU µs/stream-step', 'our throughput ÷ theirs'],
    rows,
  );
}

export function printTargets(targets: Target[]): void {
  console.log('### Targets\n');
  printMarkdownTable(
    ['platform', 'target', 'measured', 'met'],
    targets.map((t) => [
      t.platform,
      t.target,
      `${t.unit === 'steps/s' ? int(t.measured) : fix(t.measured, t.unit === '×' ? 2 : t.unit === 'B' ? 0 : 2)} ${t.unit}`,
      t.met ? 'yes' : '**NO**',
    ]),
  );
}
