/**
 * The preload's contract (demo/widget/preload-api.ts and main/ipc.ts): what `window.widget` exposes,
 * which channel each call uses, that bad arguments are refused before they leave the page, that
 * main's messages are checked before they reach it, that the IPC event never reaches page code, and
 * that the main side refuses other senders and malformed messages without changing any state.
 */
import { describe, expect, it } from 'vitest';
import { API_METHODS, CHANNELS, parseReport } from '../../demo/widget/api.js';
import { WidgetApp } from '../../demo/widget/main/app.js';
import { registerIpc } from '../../demo/widget/main/ipc.js';
import { createWidgetApi } from '../../demo/widget/preload-api.js';
import type { RendererIpc } from '../../demo/widget/preload-api.js';
import { FakeMainIpc } from './fake-ipc.js';
import { FakeShell } from './fake-shell.js';

type Listener = (event: unknown, ...args: unknown[]) => void;

/** A renderer IPC that records what is sent and lets the test play main's messages. */
class FakeRendererIpc implements RendererIpc {
  readonly calls: { how: 'invoke' | 'send'; channel: string; args: unknown[] }[] = [];
  readonly listeners = new Map<string, Set<Listener>>();
  answer: unknown = undefined;
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.calls.push({ how: 'invoke', channel, args });
    return Promise.resolve(this.answer);
  }
  send(channel: string, ...args: unknown[]): void {
    this.calls.push({ how: 'send', channel, args });
  }
  on(channel: string, listener: Listener): this {
    if (!this.listeners.has(channel)) this.listeners.set(channel, new Set());
    this.listeners.get(channel)!.add(listener);
    return this;
  }
  removeListener(channel: string, listener: Listener): this {
    this.listeners.get(channel)?.delete(listener);
    return this;
  }
  emit(channel: string, ...args: unknown[]): void {
    const event = { sender: 'the ipcRenderer itself', senderId: 0 };
    for (const l of this.listeners.get(channel) ?? []) l(event, ...args);
  }
}

const CONFIG = { brokerUrl: 'ws://127.0.0.1:8080/', dashboardUrl: 'http://127.0.0.1:8080/', listening: true };
const DETECTION = { kind: 'detection', label: 'yes', score: 0.9, timeMs: 1200 } as const;

describe('window.widget (preload)', () => {
  it('exposes exactly the five functions of the contract', () => {
    const api = createWidgetApi(new FakeRendererIpc());
    expect(Object.keys(api)).toEqual([...API_METHODS]);
    for (const m of API_METHODS) expect(typeof api[m]).toBe('function');
  });

  it('sends each call on its channel with the checked payload only', async () => {
    const ipc = new FakeRendererIpc();
    const api = createWidgetApi(ipc);
    ipc.answer = CONFIG;
    expect(await api.config()).toEqual(CONFIG);
    ipc.answer = undefined;
    await api.setListening(false);
    await api.openAlarm('press-2');
    api.report({ ...DETECTION, extra: 'dropped' } as never);
    expect(ipc.calls).toEqual([
      { how: 'invoke', channel: CHANNELS.config, args: [] },
      { how: 'invoke', channel: CHANNELS.setListening, args: [false] },
      { how: 'invoke', channel: CHANNELS.openAlarm, args: ['press-2'] },
      { how: 'send', channel: CHANNELS.report, args: [DETECTION] },
    ]);
  });

  it('refuses bad arguments in the page, sending nothing', async () => {
    const ipc = new FakeRendererIpc();
    const api = createWidgetApi(ipc);
    const code = expect.objectContaining({ code: 'E_ARGUMENT' });
    await expect(api.setListening('yes' as never)).rejects.toThrow(code);
    await expect(api.openAlarm('gru/#')).rejects.toThrow(code);
    expect(() => api.report({ kind: 'detection', label: 'yes', score: 1.5, timeMs: 0 })).toThrow(
      /detection\.score: expected a finite number in \[0, 1\], got 1\.5/,
    );
    expect(() => api.report({ kind: 'shell', cmd: 'rm' } as never)).toThrow(
      /report\.kind: expected detection \| alarm/,
    );
    expect(() =>
      api.report({ kind: 'alarm', sensor: 'a', state: 'open', since: 0, peak: NaN, channel: 'x' }),
    ).toThrow(/alarm\.peak/);
    expect(ipc.calls).toEqual([]);
  });

  it("checks main's config and listening messages; never passes the IPC event to the page", async () => {
    const ipc = new FakeRendererIpc();
    const api = createWidgetApi(ipc);
    ipc.answer = { ...CONFIG, brokerUrl: 'http://evil/' };
    await expect(api.config()).rejects.toThrow(/config\.brokerUrl: expected a ws: or wss: URL/);
    const heard: unknown[][] = [];
    const off = api.onListening((...args) => heard.push(args));
    ipc.emit(CHANNELS.listening, false);
    const errors: unknown[] = [];
    const error = console.error;
    console.error = (e: unknown) => errors.push(e);
    try {
      ipc.emit(CHANNELS.listening, 'off');
    } finally {
      console.error = error;
    }
    off();
    ipc.emit(CHANNELS.listening, true);
    expect(heard).toEqual([[false]]);
    expect(errors).toEqual([
      expect.objectContaining({ code: 'E_ARGUMENT', message: expect.stringContaining("got 'off'") }),
    ]);
    expect(ipc.listeners.get(CHANNELS.listening)?.size).toBe(0);
  });
});

describe('the main side (registerIpc)', () => {
  const PAGE = 'widget://app/index.html';

  function setup(): { ipc: FakeMainIpc; app: WidgetApp; shell: FakeShell; logged: unknown[] } {
    const shell = new FakeShell();
    const app = new WidgetApp(shell, { brokerUrl: CONFIG.brokerUrl, dashboardUrl: CONFIG.dashboardUrl });
    const ipc = new FakeMainIpc();
    const logged: unknown[] = [];
    registerIpc(ipc, app, 'widget://app', (e) => logged.push(e));
    return { ipc, app, shell, logged };
  }

  it('handles every channel of the contract from the widget page', () => {
    const { ipc, app, shell } = setup();
    expect([...ipc.handlers.keys(), ...ipc.listeners.keys()].sort()).toEqual(
      [CHANNELS.config, CHANNELS.setListening, CHANNELS.openAlarm, CHANNELS.report].sort(),
    );
    expect(ipc.invoke(PAGE, CHANNELS.config)).toEqual(CONFIG);
    ipc.invoke(PAGE, CHANNELS.setListening, false);
    expect(shell.listening).toEqual([false]);
    ipc.send(PAGE, CHANNELS.report, {
      kind: 'alarm',
      sensor: 'p1',
      state: 'open',
      since: 5,
      peak: 9,
      channel: 'current',
    });
    ipc.invoke(PAGE, CHANNELS.openAlarm, 'p1');
    expect(shell.opened).toEqual(['http://127.0.0.1:8080/#sensor=p1']);
    expect(app.snapshot().alarms.map((a) => a.sensor)).toEqual(['p1']);
  });

  it('refuses another sender and malformed messages, changing nothing', () => {
    const { ipc, app, shell, logged } = setup();
    const before = app.snapshot();
    expect(() => ipc.invoke('https://evil.example/', CHANNELS.setListening, false)).toThrow(
      /sender 'https:\/\/evil.example\/' is not the widget page/,
    );
    expect(() => ipc.invoke('widget://app.evil/', CHANNELS.config)).toThrow(/is not the widget page/);
    expect(() => ipc.invoke(PAGE, CHANNELS.setListening, 1)).toThrow(/listening: expected a boolean, got 1/);
    expect(() => ipc.invoke(PAGE, CHANNELS.openAlarm, 'p1')).toThrow(/'p1' has no open alarm/);
    ipc.send(PAGE, CHANNELS.report, {
      kind: 'alarm',
      sensor: '+',
      state: 'open',
      since: 5,
      peak: 9,
      channel: 'c',
    });
    ipc.send('file:///etc/passwd', CHANNELS.report, { kind: 'broker', state: 'connected' });
    expect(logged).toHaveLength(2);
    expect(logged).toEqual([
      expect.objectContaining({
        code: 'E_ARGUMENT',
        message: expect.stringContaining('widget sensor: expected a sensor id'),
      }),
      expect.objectContaining({
        code: 'E_ARGUMENT',
        message: expect.stringContaining("sender 'file:///etc/passwd'"),
      }),
    ]);
    expect(app.snapshot()).toEqual(before);
    expect(shell.listening).toEqual([]);
    expect(shell.opened).toEqual([]);
  });

  it('parseReport copies only the known fields of each kind', () => {
    expect(
      parseReport({ kind: 'gateway', t: 1, live: 2, dormant: 0, samplesPerSecond: 3, refused: {} }),
    ).toEqual({
      kind: 'gateway',
      t: 1,
      live: 2,
      dormant: 0,
      samplesPerSecond: 3,
    });
    expect(parseReport({ kind: 'engine', state: 'error', message: 'x'.repeat(500) })).toMatchObject({
      message: 'x'.repeat(200),
    });
  });
});
