/**
 * The keyword-spotting PWA (`demo/kws`) end to end in real headless Chromium: the built app is served,
 * a recording with known words at known times plays as the microphone, and the test reads the
 * detections off the page (`#detections [data-label][data-time-ms]`). Then the page is hidden (its
 * stream's state saved), the network and the server go away, and the reloaded app — served by its
 * service worker alone — restores the state and detects again.
 *
 * The model: the one the app ships (`demo/kws/model.ts`: the speech-embedding head, models/kws-embed),
 * with the speech mel made in the page's AudioWorklet and the embedding + GRU in its engine worker.
 *
 * No real time: the microphone is an OfflineAudioContext playing the recording at 48 kHz
 * (./offline-mic.ts), so the page hears every sample of it from its first, however busy the machine.
 * Checks, each against a reference that is not the page:
 * - the worklet's mel frames against the library's `SpeechMelFrontEnd` in Node on the same audio
 *   (the recording through the library's `StreamingResampler`, which the worklet runs);
 * - the page's detections (labels and times exactly, scores to 0.002) against the library in Node:
 *   `detectKeywords` (the CLI's path) on that audio, and one engine stream fed every capture's frames
 *   (./kws-reference.ts) — also after a hide, a restore and an offline reload, where the stream's
 *   state (GRU, embedding window, detector, frame count) crosses captures and page loads;
 * - the page against the recording's ground truth, by the rule of test/helpers/kws-sample.ts
 *   (`{ atLeast: 3 }` for the shipped head, which misses down and go on this voice);
 * - after the offline reload from the saved state: the keywords found fresh in the first seconds.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (or CHROMIUM_PATH); without it this test FAILS.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKwsDemo } from '../../demo/kws/build.js';
import { MATCH_AFTER_MS } from '../../models/kws/kws-lib.js';
import { KWS_MODEL } from '../../demo/kws/model.js';
import { createStaticServer, listen } from '../../demo/kws/serve.js';
import { SPEECH_EMBEDDING_DIR } from '../../src/cli/default-models.js';
import { SPEECH_EMBEDDING } from '../../src/features/embedding-window.js';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from '../helpers/chromium.js';
import { MODELS_DIR } from '../helpers/models.js';
import { GRAPH_RATE, heardAt16k, micRecording } from './mic-audio.js';
import type { MicRecording } from './mic-audio.js';
import { offlineMicArgs, offlineMicrophone } from './offline-mic.js';
import { detectKeywords } from '../../src/kws/pipeline.js';
import { loadKwsModel } from '../../src/kws/files-node.js';
import { createEngine } from '../../src/client/node.js';
import { expectSampleDetections } from '../helpers/kws-sample.js';
import type { TimedDetection } from '../helpers/kws-sample.js';
import { tapMicrophone, tappedFrames } from './mic-tap.js';
import { REFERENCE_CALL_TIMEOUT_MS, captureMel, streamDetections } from './kws-reference.js';
import type { StepDetection } from './kws-reference.js';

const TRAINED_MODEL = join(MODELS_DIR, '..', KWS_MODEL);

/**
 * How far after a word's end its detection may come: what the model's own evaluation allows
 * (600 ms). EARLY_MS + LATE_MS stays below the 900 ms between the recording's words, so a detection
 * fits one word at most.
 */
const LATE_MS = MATCH_AFTER_MS;
/** How far before a word's start a detection may come. */
const EARLY_MS = 100;
const WINDOW = { earlyMs: EARLY_MS, lateMs: LATE_MS };
/** Audio the offline pass checks against the recording: the first three words. */
const OFFLINE_LISTEN_MS = 4500;
/**
 * Mel values: the worklet and Node run the same TypeScript (V8 both), float64 inside, float32 out;
 * measured max |Δ| 0 (Chromium 1xx vs Node 20).
 */
const MEL_TOLERANCE = 1e-4;
/** Scores: the page shows 3 decimals; the WASM builds differ (SIMD in the page). */
const SCORE_TOLERANCE = 0.002;

let dir: string;
let appDir: string;
let recording: MicRecording;
/** What the page hears: the recording through the worklet's resampler, in Node. */
let heard: Float32Array;
let browser: Browser;
const pageLog: string[] = [];

interface ShownDetection extends TimedDetection {
  score: number;
}

/** Detections of the library's own path in Node (the CLI's `detectKeywords`) on 16 kHz `samples`. */
async function nodeDetections(samples: Float32Array): Promise<ShownDetection[]> {
  const model = loadKwsModel(TRAINED_MODEL, { searchDirs: [SPEECH_EMBEDDING_DIR] });
  const engine = await createEngine({
    models: [model],
    ...(model.frontEnd !== undefined && { frontEnd: model.frontEnd }),
    callTimeoutMs: REFERENCE_CALL_TIMEOUT_MS,
  });
  try {
    const { detections } = await detectKeywords(engine, model, samples);
    return detections.map((d) => ({ label: d.label, timeMs: d.timeMs, score: d.score }));
  } finally {
    await engine.dispose();
  }
}

/** One capture of the recording as the page makes it, starting at stream frame `startFrame`. */
interface Capture {
  /** Its mel frames (the library in Node). */
  mel: Float32Array;
  /** Audio the page has heard in this capture once every step it completes is answered, ms. */
  doneMs: number;
}

/** The last mel frame (from the stream's start) that GRU step `k` needs. */
function lastFrameOfStep(k: number): number {
  return k * SPEECH_EMBEDDING.stepFrames + SPEECH_EMBEDDING.windowFrames - 1;
}

function frameCount(captures: Float32Array[]): number {
  return captures.reduce((n, c) => n + c.length / SPEECH_EMBEDDING.melBins, 0);
}

function capture(startFrame: number): Capture {
  const mel = captureMel(heard, startFrame);
  const end = startFrame + mel.length / SPEECH_EMBEDDING.melBins;
  const { stepFrames, windowFrames } = SPEECH_EMBEDDING;
  const lastStep = Math.floor((end - windowFrames) / stepFrames);
  return { mel, doneMs: (lastFrameOfStep(lastStep) - startFrame + 1) * 10 };
}

/**
 * Waits until the page has heard all of capture `c` (heard-ms past `clockMs`) and its worklet has
 * posted every frame of it (`tappedBefore` frames tapped in this page before it).
 */
async function captureDone(
  page: Page,
  c: Capture,
  clockMs: number,
  tappedBefore = clockMs / 10,
): Promise<void> {
  await listenFor(page, c.doneMs, clockMs);
  await page.waitForFunction(
    (values) =>
      ((globalThis as { __micFrames?: Float32Array[] }).__micFrames ?? []).reduce(
        (n, f) => n + f.length,
        0,
      ) >= values,
    tappedBefore * SPEECH_EMBEDDING.melBins + c.mel.length,
    { timeout: 120_000, polling: 100 },
  );
}

/** The page's detections equal the library's (labels, times less `shiftMs`, scores to tolerance). */
function expectSameDetections(
  shown: ShownDetection[],
  inNode: StepDetection[],
  shiftMs: number,
  what: string,
): void {
  const key = (ds: TimedDetection[], shift: number): string[] =>
    ds.map((d) => `${d.label}@${d.timeMs - shift} ms`);
  expect(key(shown, 0), `${what}: the page vs the library in Node`).toEqual(key(inNode, shiftMs));
  shown.forEach((d, i) =>
    expect(Math.abs(d.score - inNode[i]!.score), `${what}: score of ${d.label}`).toBeLessThanOrEqual(
      SCORE_TOLERANCE,
    ),
  );
}

/** A server of the built app on its own port (so its own origin: service worker and storage). */
interface Served {
  origin: string;
  /** The path of every request the server answered, without its query (the precache adds one). */
  paths: string[];
  close(): Promise<void>;
}

async function serveApp(): Promise<Served> {
  const server: Server = createStaticServer(appDir);
  const paths: string[] = [];
  server.on('request', (req: { url?: string }) => paths.push((req.url ?? '').replace(/\?.*$/, '')));
  const origin = (await listen(server, 0, '127.0.0.1')).replace(/\/$/, '');
  return {
    origin,
    paths,
    close: async () => {
      if (!server.listening) return;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The shared headless flags, audio that may start without a gesture, and a fake microphone device. */
const PWA_CHROMIUM_ARGS = [
  ...CHROMIUM_ARGS,
  '--autoplay-policy=no-user-gesture-required',
  '--use-fake-device-for-media-stream',
];

/** A context whose pages hear the recording (./offline-mic.ts) and tap the worklet's frames. */
async function recordingContext(): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.addInitScript(offlineMicrophone, offlineMicArgs(recording.samples, GRAPH_RATE));
  await context.addInitScript(tapMicrophone);
  return context;
}

/** Responses the app's pages and workers received, and whether the service worker answered them. */
const fromServiceWorker: { path: string; cached: boolean }[] = [];

/** The WASM, the engine worker and the models: the app's large files. */
const LARGE_FILE = /\.(wasm|tflite)$|browser-worker\.js$/;

async function openApp(context: BrowserContext, origin: string): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (m) => pageLog.push(`[${m.type()}] ${m.text()}`));
  // The page's and its workers' responses; the service worker's own precache requests are not "from" it.
  context.on('response', (r) =>
    fromServiceWorker.push({ path: new URL(r.url()).pathname, cached: r.fromServiceWorker() }),
  );
  page.on('pageerror', (e) => pageLog.push(`[pageerror] ${e.message}`));
  await page.goto(`${origin}/`);
  return page;
}

/** Waits for a page condition, and on timeout fails with the page's status, error and console. */
async function waitFor(page: Page, selector: string, timeoutMs = 60_000): Promise<void> {
  try {
    await page.waitForSelector(selector, { timeout: timeoutMs, state: 'attached' });
  } catch (e) {
    const status = await page.textContent('#status').catch(() => '?');
    const error = await page.textContent('#error').catch(() => '?');
    throw new Error(`${String(e)}\nstatus: ${status}\nerror: ${error}\npage log:\n${pageLog.join('\n')}`);
  }
}

/**
 * Waits until the model has heard `ms` of audio past `fromMs`. Bounded, not timed: the offline
 * microphone renders as fast as the machine allows, so this only waits for the work to be done.
 */
async function listenFor(page: Page, ms: number, fromMs = 0): Promise<void> {
  await page.waitForFunction((until) => Number(document.body.dataset.heardMs ?? 0) >= until, fromMs + ms, {
    timeout: 120_000,
    polling: 100,
  });
}

/** Shows or hides the page as far as the app can tell (headless pages are always visible). */
async function setVisibility(page: Page, state: DocumentVisibilityState): Promise<void> {
  await page.evaluate((visibility) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
    document.dispatchEvent(new Event('visibilitychange'));
  }, state);
}

async function detections(page: Page): Promise<ShownDetection[]> {
  const shown = await page.$$eval('#detections [data-label]', (items) =>
    items.map((li) => ({
      label: (li as HTMLElement).dataset.label ?? '',
      timeMs: Number((li as HTMLElement).dataset.timeMs),
      score: Number((li as HTMLElement).dataset.score),
    })),
  );
  return shown.sort((a, b) => a.timeMs - b.timeMs);
}

beforeAll(async () => {
  requireChromium('The PWA test');
  dir = await mkdtemp(join(tmpdir(), 'kws-pwa-'));
  const [built, audio] = await Promise.all([
    buildKwsDemo({ outDir: join(dir, 'app'), model: TRAINED_MODEL, logLevel: 'warn' }),
    micRecording(),
  ]);
  recording = audio;
  heard = heardAt16k(recording.samples);
  appDir = built.outDir;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: PWA_CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('keyword-spotting PWA in Chromium', () => {
  let served: Served;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    served = await serveApp();
  });

  afterAll(async () => {
    await context?.close();
    await served?.close();
  });

  /** The keywords the first test's page found from a fresh state (`label@word`). */
  let foundFresh: string[] = [];
  /** The mel frames of each capture so far, as the library makes them in Node. */
  const captures: Float32Array[] = [];

  it('detects the words of the recording played as the microphone, as the library does in Node on the same audio', async () => {
    context = await recordingContext();
    page = await openApp(context, served.origin);
    await waitFor(page, 'body[data-state="ready"]');
    // A first visit loads the app only once the service worker has precached it, so the page and its
    // engine worker got the large files from the precache and the server sent each of them once.
    const large = served.paths.filter((p) => LARGE_FILE.test(p));
    expect(new Set(large).size, `large files the server sent: ${large.join(' ')}`).toBe(4);
    expect(large, 'large files sent twice').toHaveLength(4);
    const loaded = fromServiceWorker.filter((r) => LARGE_FILE.test(r.path) && r.cached).map((r) => r.path);
    expect(new Set(loaded), 'large files the app got from the precache').toEqual(new Set(large));
    // The words to say are on the page, from the manifest.
    expect(await page.$$eval('#keywords li', (lis) => lis.map((li) => li.textContent))).toEqual([
      'yes',
      'no',
      'up',
      'down',
      'left',
      'right',
      'on',
      'off',
      'stop',
      'go',
    ]);
    await page.click('#start');
    await waitFor(page, 'body[data-state="listening"]');
    expect(await page.getAttribute('body', 'data-input-rate')).toBe(String(GRAPH_RATE));
    const first = capture(0);
    captures.push(first.mel);
    await captureDone(page, first, 0);
    const shown = await detections(page);
    expect(await page.isVisible('#error')).toBe(false);

    // The worklet's mel frames against the library's, on the same audio.
    const { values, nodes } = await tappedFrames(page);
    expect(nodes, 'microphone worklet nodes since the page loaded').toBe(1);
    expect(values.length, 'mel values the worklet posted').toBe(first.mel.length);
    let maxDiff = 0;
    for (let i = 0; i < values.length; i++) maxDiff = Math.max(maxDiff, Math.abs(values[i]! - first.mel[i]!));
    expect(maxDiff, 'max |worklet mel − library mel|').toBeLessThanOrEqual(MEL_TOLERANCE);

    // The page against the library in Node: the CLI's path on the audio the page heard (up to the
    // recording's end and half a second: detectKeywords also flushes the audio's last block) …
    const listenedMs = recording.durationMs + 500;
    const upTo = (ds: TimedDetection[]): string[] =>
      ds.filter((d) => d.timeMs <= listenedMs).map((d) => `${d.label}@${d.timeMs} ms`);
    const inNode = await nodeDetections(heard);
    expect(upTo(shown), 'the page vs the CLI path in Node on the audio the page heard').toEqual(upTo(inNode));
    // … and the whole capture, frame for frame.
    expectSameDetections(shown, await streamDetections(TRAINED_MODEL, captures), 0, 'first capture');

    // The page against the recording.
    expectSampleDetections(shown, recording.events, WINDOW, 'PWA', { atLeast: 3 });
    foundFresh = recording.events
      .filter((e) => e.label !== 'unknown')
      .filter((e) =>
        shown.some((d) => d.label === e.label && d.timeMs >= e.startMs && d.timeMs <= e.endMs + LATE_MS),
      )
      .map((e) => `${e.label}@${e.text}`);
    expect(await page.textContent('#top-label')).toMatch(/\w/);
    // Every detection says how long it took to be shown once its audio had arrived.
    const latencies = await page.$$eval('#detections [data-latency-ms]', (items) =>
      items.map((li) => Number((li as HTMLElement).dataset.latencyMs)),
    );
    expect(latencies).toHaveLength(shown.length);
    expect(latencies.every((ms) => Number.isFinite(ms) && ms >= 0)).toBe(true);
  });

  it('after the page was hidden, resumes; then reloads with the network off and continues from the saved state', async () => {
    // The service worker controls the page once it has precached everything (the embedding model too).
    await waitFor(page, 'html[data-offline-ready="true"]');
    // Hide the page as switching apps does: the app stops the microphone and saves the stream.
    await setVisibility(page, 'hidden');
    await waitFor(page, 'body[data-snapshot="saved"][data-state="paused"]');
    // Back to the app: it restores the saved state and listens again by itself, to a new capture
    // (the recording again from its start), continuing the stream's frame count.
    await setVisibility(page, 'visible');
    await waitFor(page, 'body[data-state="listening"][data-restored="saved"]');
    const framesBefore = frameCount(captures);
    const second = capture(framesBefore);
    captures.push(second.mel);
    await captureDone(page, second, framesBefore * 10);
    // Both captures as one stream: the page shows detector time, which continues across them.
    expectSameDetections(
      await detections(page),
      await streamDetections(TRAINED_MODEL, captures),
      0,
      'two captures, the second restored',
    );
    await setVisibility(page, 'hidden');
    await waitFor(page, 'body[data-snapshot="saved"][data-state="paused"]');

    // Offline for real: the browser's network and the server both gone.
    await context.setOffline(true);
    await served.close();
    await page.reload();
    await waitFor(page, 'body[data-state="ready"]');
    await page.click('#start');
    await waitFor(page, 'body[data-state="listening"][data-restored="saved"]');
    const framesSaved = frameCount(captures);
    const third = capture(framesSaved);
    captures.push(third.mel);
    // A reloaded page counts its clock and its tapped frames from 0.
    await captureDone(page, third, 0, 0);
    const shown = await detections(page);
    // The library continuing the same stream through all three captures; the page's clock starts at
    // the reload, so its times are the stream's less the two captures before.
    const all = await streamDetections(TRAINED_MODEL, captures);
    const lastSteps = all.filter((d) => lastFrameOfStep(d.step) >= framesSaved);
    expectSameDetections(shown, lastSteps, framesSaved * 10, 'third capture, after an offline reload');

    // The words whose whole detection window was listened to in the first seconds.
    const words = recording.events.filter((e) => e.endMs + LATE_MS < OFFLINE_LISTEN_MS);
    expect(words.length).toBeGreaterThanOrEqual(2);
    const later = recording.events.slice(words.length);
    expect(later.every((e) => e.startMs - EARLY_MS > OFFLINE_LISTEN_MS)).toBe(true);
    // This pass starts from the saved state, after the recording's noise floor, which is as close to
    // fresh as it gets: the keywords found fresh among those words must be found again.
    const required = new Set(foundFresh.filter((k) => words.some((e) => `${e.label}@${e.text}` === k)));
    expect(
      required.size,
      `keywords found fresh among ${words.map((e) => e.text).join(', ')}`,
    ).toBeGreaterThan(0);
    expectSampleDetections(
      shown.filter((d) => d.timeMs < OFFLINE_LISTEN_MS),
      words,
      WINDOW,
      'PWA offline',
      required,
    );
    expect(await page.isVisible('#error')).toBe(false);
  });
});

describe('PWA error messages', () => {
  let served: Served;
  /** Without the fake permission UI, which would grant the microphone whatever the setting. */
  let plainBrowser: Browser;

  beforeAll(async () => {
    served = await serveApp();
    plainBrowser = await chromium.launch({ executablePath: CHROMIUM, args: PWA_CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await plainBrowser?.close();
    await served?.close();
  });

  it('says clearly that the microphone was denied', async () => {
    const context = await plainBrowser.newContext();
    try {
      const page = await openApp(context, served.origin);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Browser.setPermission', {
        permission: { name: 'microphone' },
        setting: 'denied',
        origin: served.origin,
      });
      await waitFor(page, 'body[data-state="ready"]');
      await page.click('#start');
      await waitFor(page, '#error[data-kind="denied"]');
      expect(await page.textContent('#error')).toMatch(/Microphone access was denied/);
      expect(await page.getAttribute('body', 'data-state')).toBe('ready');
    } finally {
      await context.close();
    }
  });

  it('says clearly what an unsupported browser lacks', async () => {
    const context = await plainBrowser.newContext();
    try {
      await context.addInitScript(() => {
        delete (globalThis as { AudioWorkletNode?: unknown }).AudioWorkletNode;
      });
      const page = await openApp(context, served.origin);
      await waitFor(page, '#error[data-kind="unsupported"]');
      expect(await page.textContent('#error')).toMatch(
        /This browser cannot run the app: it lacks AudioWorklet/,
      );
      expect(await page.isDisabled('#start')).toBe(true);
    } finally {
      await context.close();
    }
  });
});
