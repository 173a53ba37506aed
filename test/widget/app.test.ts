/**
 * The widget's main-process logic (demo/widget/main/app.ts) with a fake shell: the listening toggle,
 * open alarms, the tray's colour as the worst state, which events notify, and where clicks go.
 */
import { describe, expect, it } from 'vitest';
import { WidgetApp } from '../../demo/widget/main/app.js';
import type { WidgetReport } from '../../demo/widget/api.js';
import { FakeShell } from './fake-shell.js';

const T0 = 1_800_000_000_000;
const DASHBOARD = 'http://127.0.0.1:8080/';

function setup(listening = true): { app: WidgetApp; shell: FakeShell; clock: { now: number } } {
  const shell = new FakeShell();
  const clock = { now: T0 };
  const app = new WidgetApp(shell, {
    brokerUrl: 'ws://127.0.0.1:8080/',
    dashboardUrl: DASHBOARD,
    listening,
    staleAfterMs: 5000,
    now: () => clock.now,
  });
  return { app, shell, clock };
}

const alarm = (sensor: string, state: 'open' | 'closed', since = T0): WidgetReport => ({
  kind: 'alarm',
  sensor,
  state,
  since,
  peak: 42.5,
  channel: 'temperature',
});
const gateway = (t: number): WidgetReport => ({
  kind: 'gateway',
  t,
  live: 3,
  dormant: 0,
  samplesPerSecond: 3,
});

/** Broker connected, a fresh gateway status, engine ready: everything well. */
function healthy(app: WidgetApp, t = T0): void {
  app.report({ kind: 'broker', state: 'connected' });
  app.report(gateway(t));
  app.report({ kind: 'engine', state: 'listening', message: '' });
}

describe('tray colour follows the worst state', () => {
  it('starts amber (no broker yet), turns green when healthy, red on an alarm, back when it closes', () => {
    const { app, shell } = setup();
    expect(shell.tray.level).toBe('warn');
    expect(shell.tray.tooltip).toContain('connecting to the broker');
    healthy(app);
    expect(shell.tray).toEqual({ level: 'ok', tooltip: 'all well\nlistening for keywords', listening: true });
    app.report(alarm('press-2', 'open'));
    expect(shell.tray.level).toBe('alarm');
    expect(shell.tray.tooltip).toContain('1 open alarm: press-2');
    app.report(alarm('press-1', 'open', T0 + 10));
    expect(shell.tray.tooltip).toContain('2 open alarms: press-2, press-1');
    app.report(alarm('press-2', 'closed'));
    app.report(alarm('press-1', 'closed', T0 + 10));
    expect(shell.tray.level).toBe('ok');
    expect(app.snapshot().alarms).toEqual([]);
  });

  it('an alarm outranks a warning, and the warning stays listed', () => {
    const { app, shell } = setup();
    app.report({ kind: 'broker', state: 'lost' });
    app.report(alarm('press-2', 'open'));
    expect(shell.tray.level).toBe('alarm');
    expect(shell.tray.tooltip).toContain('broker connection lost');
  });

  it('a gateway silent for longer than staleAfterMs is a warning, re-evaluated by tick()', () => {
    const { app, shell, clock } = setup();
    healthy(app);
    clock.now = T0 + 5000;
    app.tick();
    expect(shell.tray.level).toBe('ok');
    clock.now = T0 + 5001;
    app.tick();
    expect(shell.tray.level).toBe('warn');
    expect(shell.tray.tooltip).toContain('gateway silent for 5 s');
    app.report(gateway(clock.now));
    expect(shell.tray.level).toBe('ok');
  });

  it('no gateway status yet and a keyword engine error are warnings', () => {
    const { app, shell } = setup();
    app.report({ kind: 'broker', state: 'connected' });
    expect(shell.tray.tooltip).toContain('no gateway status yet');
    app.report(gateway(T0));
    app.report({ kind: 'engine', state: 'error', message: 'Microphone access was denied.' });
    expect(shell.tray).toMatchObject({
      level: 'warn',
      tooltip: expect.stringContaining('keywords: Microphone access was denied.'),
    });
  });

  it('calls the shell only when what it shows changes', () => {
    const { app, shell } = setup();
    healthy(app);
    const calls = shell.trays.length;
    app.report(gateway(T0 + 1000));
    app.tick();
    expect(shell.trays.length).toBe(calls);
  });
});

describe('notifications', () => {
  it('one per new alarm episode: not again for its retained re-delivery, again for a new episode', () => {
    const { app, shell } = setup();
    healthy(app);
    app.report(alarm('press-2', 'open'));
    app.report(alarm('press-2', 'open')); // retained copy after a reconnect
    expect(shell.notifications).toEqual([
      {
        title: 'Alarm: press-2',
        body: 'temperature, peak score 42.5',
        action: { kind: 'alarm', sensor: 'press-2' },
      },
    ]);
    app.report(alarm('press-2', 'closed'));
    expect(shell.notifications).toHaveLength(1);
    app.report(alarm('press-2', 'open', T0 + 60_000));
    expect(shell.actions()).toEqual([
      { kind: 'alarm', sensor: 'press-2' },
      { kind: 'alarm', sensor: 'press-2' },
    ]);
  });

  it('a closed alarm never notifies', () => {
    const { app, shell } = setup();
    app.report(alarm('press-3', 'closed'));
    expect(shell.notifications).toEqual([]);
  });

  it('one per keyword detection while listening; none once listening is off', () => {
    const { app, shell } = setup();
    app.report({ kind: 'detection', label: 'yes', score: 0.91, timeMs: 2345 });
    expect(shell.notifications).toEqual([
      { title: 'Heard “yes”', body: 'score 0.91 at 2.3 s', action: { kind: 'focus' } },
    ]);
    app.setListening(false);
    app.report({ kind: 'detection', label: 'no', score: 0.8, timeMs: 3000 });
    expect(shell.notifications).toHaveLength(1);
  });
});

describe('listening toggle', () => {
  it('toggles, tells the renderer and the tray once per change', () => {
    const { app, shell } = setup(true);
    expect(app.config().listening).toBe(true);
    app.toggleListening();
    app.setListening(false); // no change: nothing sent
    expect(shell.listening).toEqual([false]);
    expect(shell.tray).toMatchObject({ listening: false, tooltip: expect.stringContaining('not listening') });
    app.toggleListening();
    expect(shell.listening).toEqual([false, true]);
    expect(app.config()).toEqual({
      brokerUrl: 'ws://127.0.0.1:8080/',
      dashboardUrl: DASHBOARD,
      listening: true,
    });
  });
});

describe('clicks', () => {
  it('an open alarm opens the dashboard at its sensor; a closed or unknown one is refused', () => {
    const { app, shell } = setup();
    app.report(alarm('press-2', 'open'));
    app.openAlarm('press-2');
    expect(shell.opened).toEqual([`${DASHBOARD}#sensor=press-2`]);
    expect(() => app.openAlarm('press-9')).toThrow(
      expect.objectContaining({
        code: 'E_ARGUMENT',
        message: expect.stringContaining("'press-9' has no open alarm"),
      }),
    );
    expect(() => app.openAlarm('../../etc')).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
    expect(shell.opened).toHaveLength(1);
  });

  it("a notification's click opens the alarm's dashboard or shows the window", () => {
    const { app, shell } = setup();
    app.notificationClicked({ kind: 'alarm', sensor: 'press-1' });
    app.notificationClicked({ kind: 'focus' });
    expect(shell.opened).toEqual([`${DASHBOARD}#sensor=press-1`]);
    expect(shell.shown).toBe(1);
  });
});
