/**
 * The widget's renderer as Electron would run it, without Electron (for the browser test and the
 * idle benchmark): the built page served by the widget's own file server with its CSPs
 * (demo/widget/files.ts); the preload's real API (demo/widget/preload-api.ts, bundled into the page)
 * talking over Playwright bindings, which carry the sending frame's URL as Electron does, to the
 * real main-process side (registerIpc + WidgetApp) with a fake Shell in this process; a real MQTT
 * broker (aedes, TCP for publishers, WebSocket for the page); headless Chromium whose microphone
 * plays a WAV file.
 */
import { offlineMicrophone } from '../pwa/offline-mic.js';
import type { OfflineMicArgs } from '../pwa/offline-mic.js';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { build } from 'esbuild';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import {
  closeServer,
  createHttpWithMqtt,
  listenLoopback,
  startEmbeddedBroker,
} from '../../demo/iot/broker.js';
import { CHANNELS } from '../../demo/widget/api.js';
import { readWidgetFile } from '../../demo/widget/files.js';
import { WidgetApp } from '../../demo/widget/main/app.js';
import { registerIpc } from '../../demo/widget/main/ipc.js';
import { CHROMIUM, fakeMicArgs, requireChromium } from '../helpers/chromium.js';
import { FakeMainIpc } from './fake-ipc.js';
import { FakeShell } from './fake-shell.js';

declare global {
  interface Window {
    __widgetEmit(channel: string, value: unknown): void;
    __widgetInvoke(channel: string, args: unknown[]): Promise<unknown>;
    __widgetSend(channel: string, args: unknown[]): Promise<void>;
    /** `violatedDirective blockedURI` of every CSP violation in the page. */
    __violations: string[];
  }
}

/** The fake shell, whose `sendListening` reaches the page as main's IPC message would. */
export class PageShell extends FakeShell {
  page: Page | undefined;
  override sendListening(on: boolean): void {
    super.sendListening(on);
    void this.page?.evaluate(([channel, value]) => window.__widgetEmit(channel, value), [
      CHANNELS.listening,
      on,
    ] as const);
  }
}

export interface HarnessOptions {
  /** The built renderer folder (`buildWidget().rendererDir`). */
  rendererDir: string;
  /** What Chromium's fake microphone device plays (looped, in real time); or use `offlineMic`. */
  micWav?: string;
  /**
   * The page's AudioContexts become OfflineAudioContexts playing this recording once, as fast as the
   * machine allows (test/pwa/offline-mic.ts): no real time, every sample heard.
   */
  offlineMic?: OfflineMicArgs;
  listening: boolean;
  dashboardUrl: string;
  /** Chromium's flags besides the shared ones (default none). */
  extraArgs?: string[];
}

export interface WidgetHarness {
  browser: Browser;
  page: Page;
  shell: PageShell;
  widget: WidgetApp;
  /** An MQTT client on the broker (TCP), standing in for the gateway. */
  publisher: MqttClient;
  brokerUrl: string;
  /** The page's origin, `http://127.0.0.1:<port>`. */
  origin: string;
  /** Console messages (`[type] text`), page errors and messages main refused. */
  pageLog: string[];
  /** The CSP header sent with each path. */
  csp: Map<string, string>;
  close(): Promise<void>;
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

function servePages(rendererDir: string, brokerUrl: string, csp: Map<string, string>): Promise<Server> {
  const s = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    readWidgetFile(rendererDir, path, brokerUrl).then(
      (f) => {
        const policy = f.headers['content-security-policy'];
        if (policy !== undefined) csp.set(path, policy);
        res.writeHead(f.status, f.headers).end(f.body);
      },
      (e: unknown) => res.writeHead(500).end(String(e)),
    );
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

/** Starts broker, server, main side and Chromium; the page is created but not yet loaded. */
export async function startWidgetHarness(o: HarnessOptions): Promise<WidgetHarness> {
  requireChromium('the widget harness');
  const pageLog: string[] = [];
  const csp = new Map<string, string>();
  const broker = await startEmbeddedBroker(0);
  const ws = createHttpWithMqtt(broker.aedes, (_req, res) => res.writeHead(404).end());
  const brokerUrl = `ws://127.0.0.1:${await listenLoopback(ws, 0, 'MQTT over WebSocket')}/`;
  const pages = await servePages(o.rendererDir, brokerUrl, csp);
  const origin = `http://127.0.0.1:${(pages.address() as { port: number }).port}`;
  const publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'gateway-stand-in' });

  const shell = new PageShell();
  const widget = new WidgetApp(shell, { brokerUrl, dashboardUrl: o.dashboardUrl, listening: o.listening });
  const ipc = new FakeMainIpc();
  registerIpc(ipc, widget, origin, (e) => pageLog.push(`[main refused] ${String(e)}`));

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...fakeMicArgs(o.micWav), ...(o.extraArgs ?? [])],
  });
  const page = await browser.newPage();
  shell.page = page;
  page.on('console', (m) => pageLog.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => pageLog.push(`[pageerror] ${e.message}`));
  await page.exposeBinding('__widgetInvoke', ({ frame }, channel: string, args: unknown[]) =>
    ipc.invoke(frame.url(), channel, ...args),
  );
  await page.exposeBinding('__widgetSend', ({ frame }, channel: string, args: unknown[]) =>
    ipc.send(frame.url(), channel, ...args),
  );
  await page.addInitScript(await preloadScript());
  if (o.offlineMic !== undefined) await page.addInitScript(offlineMicrophone, o.offlineMic);
  return {
    browser,
    page,
    shell,
    widget,
    publisher,
    brokerUrl,
    origin,
    pageLog,
    csp,
    close: async () => {
      await browser.close();
      await publisher.endAsync();
      await closeServer(ws);
      await closeServer(pages);
      await broker.close();
    },
  };
}
