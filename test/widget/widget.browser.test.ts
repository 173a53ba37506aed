/**
 * The widget's renderer page in headless Chromium, as Electron would run it but without Electron:
 * the built page is served with the widget's own file server and CSP (demo/widget/files.ts), the
 * preload's real API (demo/widget/preload-api.ts, bundled into the page) talks over Playwright
 * bindings to the real main-process side (registerIpc + WidgetApp) with a fake Shell in this
 * process. So one run checks page, preload contract, IPC validation and main logic together:
 *
 * - keywords: the held-out recording plays as the fake microphone; the page's detections must
 *   follow the recording's ground truth (test/helpers/kws-sample.ts's rule, as the PWA test), and
 *   main must have notified each of them;
 * - the listening toggle: the page's button → main → the page stops listening; tray unchecked;
 * - the plant: a real broker (aedes in this process, MQTT over WebSocket); a retained alarm on
 *   `gru/<sensor>/alarm` must show on the page, notify, turn the tray red, open the dashboard on
 *   click, and go when it closes; a malformed alarm is refused (logged) and changes nothing;
 * - security: every response carries its CSP, the page cannot eval, no CSP violation occurs.
 *
 * Needs Debian's Chromium (or CHROMIUM_PATH); without it this test FAILS. Every wait is for a DOM
 * state or a shell call, bounded by the test's timeout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  closeServer,
  createHttpWithMqtt,
  listenLoopback,
  startEmbeddedBroker,
} from '../../demo/iot/broker.js';
import type { EmbeddedBroker } from '../../demo/iot/broker.js';
import { CHANNELS as MQTT_CHANNELS, STATUS_TOPIC, alarmTopic } from '../../demo/iot/contract.js';
import type { AlarmMessage, GatewayStatus } from '../../demo/iot/contract.js';
import { CHANNELS } from '../../demo/widget/api.js';
import { buildWidget } from '../../demo/widget/build.js';
import { readWidgetFile } from '../../demo/widget/files.js';
import { WidgetApp } from '../../demo/widget/main/app.js';
import { registerIpc } from '../../demo/widget/main/ipc.js';
import { MATCH_AFTER_MS } from '../../models/kws/kws-lib.js';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from '../helpers/chromium.js';
import { expectSampleDetections, keywordsFoundAtEveryPhase } from '../helpers/kws-sample.js';
import type { TimedDetection } from '../helpers/kws-sample.js';
import { writeMicRecording } from '../pwa/mic-audio.js';
import type { MicRecording } from '../pwa/mic-audio.js';
import { FakeMainIpc } from './fake-ipc.js';
import { FakeShell } from './fake-shell.js';

/** The window the PWA test allows around each word (its file comment says why). */
const WINDOW = { earlyMs: 100, lateMs: MATCH_AFTER_MS };
const DASHBOARD = 'http://127.0.0.1:9/';

let dir: string;
let model: string;
let recording: MicRecording;
let broker: EmbeddedBroker;
let ws: Server;
let pages: Server;
let origin: string;
let brokerUrl: string;
let browser: Browser;
let page: Page;
let publisher: MqttClient;
let shell: PageShell;
let widget: WidgetApp;
const pageLog: string[] = [];
const csp = new Map<string, string>();

/** The fake shell, whose `sendListening` reaches the page as main's IPC message would. */
class PageShell extends FakeShell {
  override sendListening(on: boolean): void {
    super.sendListening(on);
    void page.evaluate(([channel, value]) => window.__widgetEmit(channel, value), [
      CHANNELS.listening,
      on,
    ] as const);
  }
}

declare global {
  interface Window {
    __widgetEmit(channel: string, value: unknown): void;
    __widgetInvoke(channel: string, args: unknown[]): Promise<unknown>;
    __widgetSend(channel: string, args: unknown[]): Promise<void>;
    __violations: string[];
  }
}

/** The preload's API over Playwright bindings instead of Electron's ipcRenderer, as one page script. */
async function preloadScript(): Promise<string> {
  const out = await build({
    stdin: {
      contents: `
        import { createWidgetApi } from './preload-api.ts';
        const listeners = new Map();
        window.__widgetEmit = (channel, value) => {
          for (const l of listeners.get(channel) ?? []) l({ sender: 'not for the page' }, value);
        };
        window.__violations = [];
        document.addEventListener('securitypolicyviolation', (e) =>
          window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
        window.widget = Object.freeze(createWidgetApi({
          invoke: (channel, ...args) => window.__widgetInvoke(channel, args),
          send: (channel, ...args) => void window.__widgetSend(channel, args),
          on: (channel, l) => listeners.set(channel, new Set([...(listeners.get(channel) ?? []), l])),
          removeListener: (channel, l) => listeners.get(channel)?.delete(l),
        }));`,
      resolveDir: join(import.meta.dirname, '../../demo/widget'),
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    write: false,
    logLevel: 'warning',
  });
  return out.outputFiles[0]!.text;
}

function servePages(rendererDir: string): Promise<Server> {
  const s = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    readWidgetFile(rendererDir, path, brokerUrl).then(
      (f) => {
        if (f.headers['content-security-policy'] !== undefined)
          csp.set(path, f.headers['content-security-policy']);
        res.writeHead(f.status, f.headers).end(f.body);
      },
      (e: unknown) => res.writeHead(500).end(String(e)),
    );
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

async function shownDetections(): Promise<TimedDetection[]> {
  const shown = await page.$$eval('#detections [data-label]', (items) =>
    items.map((li) => ({
      label: (li as HTMLElement).dataset.label ?? '',
      timeMs: Number((li as HTMLElement).dataset.timeMs),
    })),
  );
  return shown.sort((a, b) => a.timeMs - b.timeMs);
}

beforeAll(async () => {
  requireChromium('the widget test');
  dir = await mkdtemp(join(tmpdir(), 'widget-'));
  const [built, audio] = await Promise.all([buildWidget(join(dir, 'app')), writeMicRecording(dir)]);
  model = built.model;
  recording = audio;
  broker = await startEmbeddedBroker(0);
  ws = createHttpWithMqtt(broker.aedes, (_req, res) => res.writeHead(404).end());
  brokerUrl = `ws://127.0.0.1:${await listenLoopback(ws, 0, 'MQTT over WebSocket')}/`;
  pages = await servePages(built.rendererDir);
  origin = `http://127.0.0.1:${(pages.address() as { port: number }).port}`;
  publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'gateway-stand-in' });

  shell = new PageShell();
  widget = new WidgetApp(shell, { brokerUrl, dashboardUrl: DASHBOARD, listening: true });
  const ipc = new FakeMainIpc();
  registerIpc(ipc, widget, origin, (e) => pageLog.push(`[main refused] ${String(e)}`));

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      ...CHROMIUM_ARGS,
      '--autoplay-policy=no-user-gesture-required',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-audio-capture=${recording.wav}`,
    ],
  });
  page = await browser.newPage();
  page.on('console', (m) => pageLog.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => pageLog.push(`[pageerror] ${e.message}`));
  // As Electron gives the main process the sending frame's URL.
  await page.exposeBinding('__widgetInvoke', ({ frame }, channel: string, args: unknown[]) =>
    ipc.invoke(frame.url(), channel, ...args),
  );
  await page.exposeBinding('__widgetSend', ({ frame }, channel: string, args: unknown[]) =>
    ipc.send(frame.url(), channel, ...args),
  );
  await page.addInitScript(await preloadScript());
});

afterAll(async () => {
  await browser?.close();
  await publisher?.endAsync();
  if (ws) await closeServer(ws);
  if (pages) await closeServer(pages);
  await broker?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Waits for a page condition; on timeout fails with the page's log. */
async function waitFor(selector: string, timeout = 30_000): Promise<void> {
  try {
    await page.waitForSelector(selector, { state: 'attached', timeout });
  } catch (e) {
    throw new Error(
      `${String(e)}\nengine: ${await page.textContent('#engine')}\nlog:\n${pageLog.join('\n')}`,
    );
  }
}

it('spots the keywords of the fake microphone and notifies each, under its CSP', async () => {
  await page.goto(`${origin}/`);
  await waitFor('body[data-engine="listening"]');
  await waitFor('#listen[aria-pressed="true"]');
  const listenedMs = recording.durationMs + 500;
  await page.waitForFunction((ms) => Number(document.body.dataset.heardMs ?? 0) >= ms, listenedMs, {
    timeout: listenedMs + 20_000,
    polling: 100,
  });
  const shown = (await shownDetections()).filter((d) => d.timeMs <= listenedMs);
  const rate = Number(await page.getAttribute('body', 'data-input-rate'));
  expect(rate, 'the audio graph rate').toBeGreaterThan(0);
  const required = await keywordsFoundAtEveryPhase(rate, model);
  expect(required.size, 'keywords found at every framing phase').toBeGreaterThan(0);
  expectSampleDetections(shown, recording.events, WINDOW, 'widget', required);

  // Every detection reached main and made a notification (reports are sent before the DOM update
  // finishes, so by now they are in).
  await shell.until(() => shell.notifications.length >= shown.length);
  expect(shell.notifications.slice(0, shown.length).map((n) => n.title)).toEqual(
    shown.map((d) => `Heard “${d.label}”`),
  );
  expect(widget.snapshot().engine.state).toBe('listening');

  // Security: the page and the engine worker each got their own policy; the page cannot eval.
  expect(csp.get('/')).toMatch(/script-src 'self';/);
  expect(csp.get('/')).toContain(`connect-src 'self' ws://127.0.0.1:`);
  expect(csp.get('/engine/browser-worker.js')).toContain(
    "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'",
  );
  // An inline script (what an injected <script> would be) is refused by the page's policy.
  const refusedInline = page.waitForEvent('console', (m) => m.text().includes('inline script violates'));
  await page.addScriptTag({ content: 'window.__inline = true;' }).catch(() => undefined);
  await refusedInline;
  expect(await page.evaluate(() => (window as unknown as { __inline?: boolean }).__inline)).toBeUndefined();
  expect(await page.evaluate(() => window.__violations.splice(0))).toEqual([
    expect.stringMatching(/^script-src-elem inline/),
  ]);
  // That refusal is the one console error expected so far.
  pageLog.splice(0, pageLog.length, ...pageLog.filter((l) => !l.includes('inline script violates')));
  expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe(
    'undefined',
  );
});

it('the listening toggle goes through main and stops the microphone session', async () => {
  await page.click('#listen');
  await shell.until(() => shell.listening.at(-1) === false);
  await waitFor('#listen[aria-pressed="false"]');
  await waitFor('body[data-engine="ready"]');
  expect(shell.tray.listening).toBe(false);
  expect(widget.snapshot().listening).toBe(false);
});

it('shows a retained alarm from the broker, notifies, turns the tray red, opens the dashboard', async () => {
  await waitFor('#broker[data-state="connected"]');
  const t = Date.now();
  const status: GatewayStatus = {
    t,
    startedAt: t - 60_000,
    sensors: { live: 3, dormant: 1 },
    samplesPerSecond: 3,
    accepted: 180,
    refused: Object.fromEntries(
      [
        'bad-sensor-id',
        'too-large',
        'not-json',
        'not-object',
        'unknown-field',
        'bad-time',
        'missing-channel',
        'non-finite',
        'time-backwards',
        'duplicate',
        'engine',
      ].map((r) => [r, 0]),
    ) as GatewayStatus['refused'],
    lagMs: { p50: 1, p99: 2, max: 3 },
    backlog: 0,
    snapshot: null,
    replayed: 0,
    model: { id: 'm', threshold: 9, sigma: { current: 1, temperature: 1, vibration: 1, pressure: 1 } },
  };
  await publisher.publishAsync(STATUS_TOPIC, JSON.stringify(status), { qos: 1, retain: true });
  await waitFor('#gateway[data-state="ok"]');
  expect(await page.textContent('#gateway')).toContain('4 sensors (3 live), 3 samples/s');
  await shell.until(() => shell.tray.level === 'ok');

  const open: AlarmMessage = {
    state: 'open',
    since: t - 5000,
    until: t,
    peak: 31.4,
    channel: MQTT_CHANNELS[1],
  };
  await publisher.publishAsync(alarmTopic('press-2'), JSON.stringify(open), { qos: 1, retain: true });
  await waitFor('#alarms [data-sensor="press-2"][data-channel="temperature"]');
  await shell.until(() => shell.tray.level === 'alarm');
  expect(shell.notifications.at(-1)).toEqual({
    title: 'Alarm: press-2',
    body: 'temperature, peak score 31.4',
    action: { kind: 'alarm', sensor: 'press-2' },
  });
  expect(shell.tray.tooltip).toContain('1 open alarm: press-2');

  // A malformed alarm: refused in the page (logged), nothing shown, nothing reaches main.
  const refused = page.waitForEvent('console', (m) => m.text().startsWith('MQTT gru/press-9/alarm'));
  await publisher.publishAsync(alarmTopic('press-9'), JSON.stringify({ ...open, peak: 'high' }), { qos: 1 });
  await refused;
  expect(await page.locator('#alarms [data-sensor]').count()).toBe(1);

  await page.click('#alarms [data-sensor="press-2"] button');
  await shell.until(() => shell.opened.length === 1);
  expect(shell.opened).toEqual([`${DASHBOARD}#sensor=press-2`]);

  await publisher.publishAsync(alarmTopic('press-2'), JSON.stringify({ ...open, state: 'closed' }), {
    qos: 1,
    retain: true,
  });
  await page.waitForSelector('#alarms [data-sensor]', { state: 'detached' });
  await shell.until(() => shell.tray.level === 'ok');
  expect(widget.snapshot().alarms).toEqual([]);

  // The one message refused is the malformed alarm; no CSP violation, no other error.
  expect(await page.evaluate(() => window.__violations)).toEqual([]);
  const problems = pageLog.filter(
    // tfjs-tflite's own start-up line, printed through console.warn.
    (l) =>
      /^\[(error|warning|pageerror|main refused)\]/.test(l) &&
      !l.includes('Created TensorFlow Lite XNNPACK delegate'),
  );
  expect(problems).toEqual([
    expect.stringMatching(
      /^\[error\] MQTT gru\/press-9\/alarm: widget alarm\.peak: expected a finite number/,
    ),
  ]);
});
