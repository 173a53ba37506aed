/**
 * `npm run bench:widget`: what the widget's renderer costs while it sits there, measured on the page
 * in headless Chromium through the widget test's harness (test/widget/harness.ts: the built page,
 * its CSPs, the preload API, a real aedes broker). Not Electron: the Electron binary is not
 * installable here, so this is the renderer's share (page, engine worker, audio) without Electron's
 * main and GPU processes.
 *
 * Scenarios: listening off (broker connected, retained gateway status, no audio); listening on with a
 * silent microphone (the engine steps 100 frames/s); listening on with speech (the held-out keyword
 * recording, looped). Per scenario, after warm-up: CPU of the whole Chromium process tree (utime +
 * stime from /proc) over WINDOWS windows of WINDOW_S seconds, as % of one core; then the page's JS
 * heap (CDP Performance.getMetrics, main thread only) and the tree's PSS (smaps_rollup).
 *
 * Prints a table and writes JSON (default `bench-results/widget-idle.json`, `--json FILE`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { STATUS_TOPIC } from '../../demo/iot/contract.js';
import { buildWidget } from '../../demo/widget/build.js';
import { writeWav } from '../../src/features/wav.js';
import { writeMicRecording } from '../pwa/mic-audio.js';
import { startWidgetHarness } from '../widget/harness.js';
import { median, printTable } from './bench-util.js';
import { chromiumRoot, cpuPercent, pssBytes, tree } from './proc-cpu.js';

const ROOT = join(import.meta.dirname, '..', '..');
const WINDOW_S = 10;
const WINDOWS = 3;
const WARMUP_MS = 3000;

const { values: args } = parseArgs({
  options: { json: { type: 'string', default: join(ROOT, 'bench-results', 'widget-idle.json') } },
});

interface Scenario {
  name: string;
  listening: boolean;
  wav: string;
}

interface Result {
  scenario: string;
  cpuPercentWindows: number[];
  cpuPercentMedian: number;
  jsHeapUsedMiB: number;
  treePssMiB: number;
  processes: number;
}

async function run(rendererDir: string, s: Scenario): Promise<Result> {
  const h = await startWidgetHarness({
    rendererDir,
    micWav: s.wav,
    listening: s.listening,
    dashboardUrl: 'http://127.0.0.1:9/',
  });
  try {
    await h.publisher.publishAsync(
      STATUS_TOPIC,
      JSON.stringify({ t: Date.now(), sensors: { live: 3, dormant: 0 }, samplesPerSecond: 3 }),
      { qos: 1, retain: true },
    );
    await h.page.goto(`${h.origin}/`);
    await h.page.waitForSelector('#broker[data-state="connected"]', { timeout: 30_000 });
    await h.page.waitForSelector(`body[data-engine="${s.listening ? 'listening' : 'ready'}"]`, {
      timeout: 30_000,
    });
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const root = chromiumRoot();
    const windows: number[] = [];
    for (let w = 0; w < WINDOWS; w++) {
      windows.push(await cpuPercent(root, WINDOW_S));
      process.stdout.write(`  ${s.name}: window ${w + 1}/${WINDOWS} ${windows.at(-1)!.toFixed(1)} %\n`);
    }
    const cdp = await h.page.context().newCDPSession(h.page);
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
    const pids = tree(root);
    return {
      scenario: s.name,
      cpuPercentWindows: windows,
      cpuPercentMedian: median(windows),
      jsHeapUsedMiB: heap / 2 ** 20,
      treePssMiB: pssBytes(pids) / 2 ** 20,
      processes: pids.length,
    };
  } finally {
    await h.close();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'widget-bench-'));
try {
  console.log('building the widget…');
  const built = await buildWidget(join(dir, 'app'));
  const silence = join(dir, 'silence.wav');
  await writeFile(silence, writeWav(new Float32Array(16_000 * 20), 16_000));
  const speech = (await writeMicRecording(dir)).wav;
  const scenarios: Scenario[] = [
    { name: 'not listening', listening: false, wav: silence },
    { name: 'listening, silent mic', listening: true, wav: silence },
    { name: 'listening, speech', listening: true, wav: speech },
  ];
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, loadavgAtStart: loadavg() };
  console.log(
    `machine: ${machine.cpus} cores (${machine.model}), load ${machine.loadavgAtStart.map((l) => l.toFixed(1)).join(' ')}`,
  );
  const results: Result[] = [];
  for (const s of scenarios) results.push(await run(built.rendererDir, s));
  printTable(
    [
      'scenario',
      `CPU % of a core (median of ${WINDOWS}×${WINDOW_S} s)`,
      'windows',
      'page JS heap MiB',
      'tree PSS MiB',
      'processes',
    ],
    results.map((r) => [
      r.scenario,
      r.cpuPercentMedian.toFixed(1),
      r.cpuPercentWindows.map((c) => c.toFixed(1)).join(' / '),
      r.jsHeapUsedMiB.toFixed(1),
      r.treePssMiB.toFixed(0),
      r.processes,
    ]),
  );
  mkdirSync(dirname(args.json), { recursive: true });
  writeFileSync(
    args.json,
    JSON.stringify({ date: new Date().toISOString(), machine, windowSeconds: WINDOW_S, results }, null, 2) +
      '\n',
  );
  console.log(`wrote ${args.json}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
