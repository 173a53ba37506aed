/**
 * `npm run bench:pwa`: what the keyword-spotting PWA (demo/kws) costs a phone user, measured in
 * headless Chromium on this machine (not a phone: a phone's cores are slower, so read the CPU figure
 * as a ratio to compare models and versions, not as a phone's load).
 *
 * 1. First visit: every byte the app's server sends while a fresh browser profile opens the page,
 *    loads the engine and the model(s), and its service worker precaches the app for offline use
 *    (until the page says "Works offline"). Counted on the server's sockets (headers included), and
 *    per file (bodies). The page and the service worker fetch the large files once each.
 * 2. CPU per second of audio: the page listens to Chromium's fake microphone (the held-out keyword
 *    recording, looped, in real time, 48 kHz graph) — the whole path: worklet (resampler + mel),
 *    engine worker (embedding + GRU), detector, drawing. CPU of the whole Chromium process tree
 *    (utime + stime from /proc) over WINDOWS windows of WINDOW_S s while listening, and the same
 *    while the page is open but not listening; the difference is the listening cost.
 * 3. Detection latency, word end → shown = the model's own delay (detection audio time − the word's
 *    end, from the library in Node on the same recording, exact) + the page's processing latency
 *    (each detection's `data-latency-ms`: the audio it needed arrived → it is in the page, measured
 *    live here).
 *
 * Prints tables and writes JSON (default `bench-results/pwa-kws.json`, `--json FILE`). `KWS_MODEL=`
 * picks another model, as for the build.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { buildKwsDemo } from '../../demo/kws/build.js';
import { chooseModel } from '../../demo/kws/model.js';
import { createStaticServer, listen } from '../../demo/kws/serve.js';
import { CHROMIUM, fakeMicArgs, requireChromium } from '../helpers/chromium.js';
import { readHeldoutTruth } from '../helpers/kws-sample.js';
import { heardAt16k, micRecording, writeMicRecording } from '../pwa/mic-audio.js';
import { SPEECH_EMBEDDING_DIR } from '../../src/cli/default-models.js';
import { createEngine } from '../../src/client/node.js';
import { loadKwsModel } from '../../src/kws/files-node.js';
import { detectKeywords } from '../../src/kws/pipeline.js';
import type { KwsDetectionLine } from '../../src/kws/pipeline.js';
import { median, percentile, printTable } from './bench-util.js';
import { chromiumRoot, cpuSeconds, tree } from './proc-cpu.js';

const ROOT = join(import.meta.dirname, '..', '..');
const WINDOW_S = 10;
const WINDOWS = 3;
const WARMUP_MS = 3000;

const { values: args } = parseArgs({
  options: { json: { type: 'string', default: join(ROOT, 'bench-results', 'pwa-kws.json') } },
});

/** What a served file is, for the download table. */
function kind(path: string): string {
  if (path.endsWith('.wasm')) return 'tfjs-tflite WASM';
  if (/embedding_model.*\.tflite$/.test(path)) return 'speech embedding model';
  if (path.endsWith('.tflite')) return 'keyword model (GRU)';
  if (path.includes('browser-worker') || path.includes('tflite_web_api')) return 'engine worker JS';
  if (path.endsWith('.js')) return 'app JS (page, worklet, service worker)';
  return 'other (HTML, CSS, icons, manifests)';
}

/** CPU seconds used by the tree, per Chromium process type (`--type=`, 'browser' for the root). */
function cpuByType(root: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [pid, s] of cpuSeconds(tree(root))) {
    let type = 'browser';
    try {
      type = /--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 'browser';
      const sub = /--utility-sub-type=([\w.]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1];
      // e.g. audio.mojom.AudioService → utility (audio)
      if (sub !== undefined) type = `${type} (${sub.split('.')[0]})`;
    } catch {
      // ended
    }
    out.set(type, (out.get(type) ?? 0) + s);
  }
  return out;
}

/** CPU seconds per process type over `seconds` of wall time, and the wall time. */
async function cpuWindow(
  root: number,
  seconds: number,
): Promise<{ byType: Map<string, number>; wall: number }> {
  const before = cpuByType(root);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = cpuByType(root);
  const byType = new Map<string, number>();
  for (const [t, s] of after) byType.set(t, s - (before.get(t) ?? 0));
  return { byType, wall: (performance.now() - t0) / 1000 };
}

/** The library's detections (the CLI's path) for `model` on 16 kHz `samples`. */
async function cliDetections(model: string, samples: Float32Array): Promise<KwsDetectionLine[]> {
  const file = loadKwsModel(model, { searchDirs: [SPEECH_EMBEDDING_DIR] });
  const engine = await createEngine({
    models: [file],
    ...(file.frontEnd !== undefined && { frontEnd: file.frontEnd }),
  });
  try {
    return (await detectKeywords(engine, file, samples)).detections;
  } finally {
    await engine.dispose();
  }
}

const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

requireChromium('The PWA benchmark');
const dir = await mkdtemp(join(tmpdir(), 'pwa-bench-'));
const machine = { cpus: cpus().length, model: cpus()[0]?.model, loadavgAtStart: loadavg() };
try {
  const model = chooseModel(ROOT);
  console.log(`model: ${model.file} (${model.reason}); building the app…`);
  const built = await buildKwsDemo({ outDir: join(dir, 'app'), model: model.file, logLevel: 'warn' });
  const mic = await writeMicRecording(dir);

  // The server, counting what it sends.
  const server = createStaticServer(built.outDir);
  const sockets = new Set<Socket>();
  let closedBytes = 0;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => {
      closedBytes += s.bytesWritten;
      sockets.delete(s);
    });
  });
  const files: { path: string; bytes: number }[] = [];
  server.on('request', (req, res) => {
    res.on('finish', () =>
      files.push({
        path: (req.url ?? '').split('?')[0]!,
        bytes: Number(res.getHeader('content-length') ?? 0),
      }),
    );
  });
  const wireBytes = (): number => closedBytes + [...sockets].reduce((n, s) => n + s.bytesWritten, 0);
  const origin = (await listen(server, 0, '127.0.0.1')).replace(/\/$/, '');

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: fakeMicArgs(mic.wav),
  });
  let result: Record<string, unknown>;
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const loadStart = performance.now();
    await page.goto(`${origin}/`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 120_000 });
    const readyMs = performance.now() - loadStart;
    await page.waitForSelector('html[data-offline-ready="true"]', { state: 'attached', timeout: 120_000 });
    // Let the service worker finish its precache requests (it claims the page before the last ones end).
    await new Promise((r) => setTimeout(r, 2000));
    const firstVisit = { wireBytes: wireBytes(), requests: files.length, readyMs };
    const byKind = new Map<string, { bytes: number; requests: number }>();
    for (const f of files) {
      const k = byKind.get(kind(f.path)) ?? { bytes: 0, requests: 0 };
      k.bytes += f.bytes;
      k.requests++;
      byKind.set(kind(f.path), k);
    }
    // Each file once: the app's size; the page and the service worker each fetch the large ones.
    const unique = new Map(files.map((f) => [f.path, f.bytes]));
    const uniqueBytes = [...unique.values()].reduce((a, b) => a + b, 0);
    console.log(
      `\nfirst visit: ${firstVisit.requests} requests, ${firstVisit.wireBytes} bytes on the wire; ` +
        `${unique.size} distinct files, ${uniqueBytes} bytes`,
    );
    printTable(
      ['what', 'requests', 'bytes (bodies)'],
      [...byKind].sort((a, b) => b[1].bytes - a[1].bytes).map(([k, v]) => [k, v.requests, v.bytes]),
    );

    // CPU: open but not listening, then listening.
    const root = chromiumRoot();
    const idle: { byType: Map<string, number>; wall: number }[] = [];
    for (let w = 0; w < WINDOWS; w++) {
      idle.push(await cpuWindow(root, WINDOW_S));
      process.stdout.write(
        `  not listening: window ${w + 1}/${WINDOWS} ${((100 * total(idle.at(-1)!.byType)) / idle.at(-1)!.wall).toFixed(1)} % of a core\n`,
      );
    }
    await page.click('#start');
    await page.waitForSelector('body[data-state="listening"]', { timeout: 60_000 });
    const inputRate = Number(await page.getAttribute('body', 'data-input-rate'));
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const listening: { byType: Map<string, number>; wall: number }[] = [];
    for (let w = 0; w < WINDOWS; w++) {
      listening.push(await cpuWindow(root, WINDOW_S));
      process.stdout.write(
        `  listening: window ${w + 1}/${WINDOWS} ${((100 * total(listening.at(-1)!.byType)) / listening.at(-1)!.wall).toFixed(1)} % of a core\n`,
      );
    }
    const pct = (ws: typeof idle): number[] => ws.map((w) => (100 * total(w.byType)) / w.wall);
    const idlePct = median(pct(idle));
    const listenPct = median(pct(listening));
    const types = [...new Set(listening.flatMap((w) => [...w.byType.keys()]))];
    const typePct = (ws: typeof idle, t: string): number =>
      median(ws.map((w) => (100 * (w.byType.get(t) ?? 0)) / w.wall));
    console.log('\nCPU, % of one core (median of windows)');
    printTable(
      ['process', 'not listening', 'listening', 'listening − not'],
      [
        ...types.map((t) => [
          t,
          typePct(idle, t).toFixed(1),
          typePct(listening, t).toFixed(1),
          (typePct(listening, t) - typePct(idle, t)).toFixed(1),
        ]),
        ['all', idlePct.toFixed(1), listenPct.toFixed(1), (listenPct - idlePct).toFixed(1)],
      ],
    );
    // % of a core while listening in real time = CPU ms per second of audio / 10.
    const cpuMsPerAudioS = (listenPct - idlePct) * 10;
    console.log(
      `listening costs ${cpuMsPerAudioS.toFixed(0)} ms of CPU per second of audio (graph at ${inputRate} Hz)`,
    );

    // Latency: the page's part, live.
    const latencies = await page.$$eval('#detections [data-latency-ms]', (items) =>
      items.map((li) => Number((li as HTMLElement).dataset.latencyMs)),
    );
    await context.close();
    // The model's part: detection time − word end, exact, from the library (the CLI's path) on the
    // recording as the worklet resamples it.
    const recording = await micRecording();
    const inNode = await cliDetections(model.file, heardAt16k(recording.samples));
    const truth = readHeldoutTruth();
    const delays: number[] = [];
    for (const d of inNode) {
      const word = truth.events.find(
        (e) => e.label === d.label && d.timeMs >= e.startMs && d.timeMs <= e.endMs + 600,
      );
      if (word !== undefined) delays.push(d.timeMs - word.endMs);
    }
    const latency = {
      pageMsMedian: latencies.length ? median(latencies) : NaN,
      pageMsP90: latencies.length ? percentile(latencies, 90) : NaN,
      pageSamples: latencies.length,
      modelDelayMsMedian: delays.length ? median(delays) : NaN,
      modelDelaySamples: delays.length,
    };
    console.log('\ndetection latency (ms)');
    printTable(
      ['part', 'median', 'p90', 'n'],
      [
        [
          'model: word end → its detection step has heard the audio (exact, Node)',
          latency.modelDelayMsMedian.toFixed(0),
          '',
          latency.modelDelaySamples,
        ],
        [
          'page: that audio reached the page → detection in the page (live)',
          latency.pageMsMedian.toFixed(0),
          latency.pageMsP90.toFixed(0),
          latency.pageSamples,
        ],
        [
          'word end → shown (sum of medians)',
          (latency.modelDelayMsMedian + latency.pageMsMedian).toFixed(0),
          '',
          '',
        ],
      ],
    );
    result = {
      date: new Date().toISOString(),
      machine: { ...machine, loadavgAtEnd: loadavg() },
      model: model.file.replace(`${ROOT}/`, ''),
      firstVisit: { ...firstVisit, uniqueBytes, byKind: Object.fromEntries(byKind), files },
      cpu: {
        windowSeconds: WINDOW_S,
        windows: WINDOWS,
        inputRate,
        notListeningPercentOfCore: pct(idle),
        listeningPercentOfCore: pct(listening),
        cpuMsPerSecondOfAudio: cpuMsPerAudioS,
        byTypeListeningMinusNot: Object.fromEntries(
          types.map((t) => [t, typePct(listening, t) - typePct(idle, t)]),
        ),
      },
      latency,
    };
  } finally {
    await browser.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  mkdirSync(dirname(args.json), { recursive: true });
  writeFileSync(args.json, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${args.json}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
