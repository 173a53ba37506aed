/**
 * The widget's main-process behaviour with no Electron in it: it owns the global listening toggle,
 * keeps the open alarms, the broker and gateway state and the keyword engine's state that the
 * renderer reports, derives the tray's colour from the worst of them, and decides which events make a
 * desktop notification. Everything it does to the desktop goes through the injected {@link Shell},
 * so tests drive it with a fake one (`electron-shell.ts` is the real one).
 */
import { GruStreamError } from '../../../src/index.js';
import type { WidgetConfig, WidgetReport } from '../api.js';
import { parseSensor } from '../api.js';

/** Worst first: the tray shows the worst level present. */
export const TRAY_LEVELS = ['alarm', 'warn', 'ok'] as const;
export type TrayLevel = (typeof TRAY_LEVELS)[number];

/** What a notification's click does. */
export type NotificationAction = { kind: 'alarm'; sensor: string } | { kind: 'focus' };

export interface WidgetNotification {
  title: string;
  body: string;
  action: NotificationAction;
}

/** The desktop, as the widget's logic uses it. */
export interface Shell {
  /** Tray icon colour, tooltip and the listening menu item's check mark. */
  setTray(level: TrayLevel, tooltip: string, listening: boolean): void;
  notify(n: WidgetNotification): void;
  /** Tells the renderer the toggle's new value. */
  sendListening(on: boolean): void;
  /** Opens a URL in the user's browser (only URLs this module builds). */
  openExternal(url: string): void;
  showWindow(): void;
}

export interface WidgetAppOptions {
  brokerUrl: string;
  dashboardUrl: string;
  /** Listening at start. Default true. */
  listening?: boolean;
  /**
   * The gateway counts as stale when its last status is older than this, ms. Default 5000 (the
   * gateway publishes every 1000 ms by default).
   */
  staleAfterMs?: number;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
}

export interface OpenAlarm {
  sensor: string;
  since: number;
  peak: number;
  channel: string;
}

/** Everything the tray and tooltip are derived from. */
export interface WidgetState {
  listening: boolean;
  alarms: OpenAlarm[];
  broker: 'connecting' | 'connected' | 'lost';
  /** Last gateway status received: its timestamp and sensors (undefined before any). */
  gateway: { t: number; live: number; dormant: number; samplesPerSecond: number } | undefined;
  engine: { state: 'loading' | 'ready' | 'listening' | 'error'; message: string };
}

export class WidgetApp {
  private readonly state: WidgetState;
  /** `sensor@since` of every alarm episode notified, so a retained re-delivery does not notify again. */
  private readonly notified = new Set<string>();
  private readonly staleAfterMs: number;
  private readonly now: () => number;
  private shown: string | undefined;

  constructor(
    private readonly shell: Shell,
    private readonly options: WidgetAppOptions,
  ) {
    this.staleAfterMs = options.staleAfterMs ?? 5000;
    this.now = options.now ?? Date.now;
    this.state = {
      listening: options.listening ?? true,
      alarms: [],
      broker: 'connecting',
      gateway: undefined,
      engine: { state: 'loading', message: '' },
    };
    this.updateTray();
  }

  config(): WidgetConfig {
    return {
      brokerUrl: this.options.brokerUrl,
      dashboardUrl: this.options.dashboardUrl,
      listening: this.state.listening,
    };
  }

  /** A copy of the current state. */
  snapshot(): WidgetState {
    return structuredClone(this.state);
  }

  setListening(on: boolean): void {
    if (on === this.state.listening) return;
    this.state.listening = on;
    this.shell.sendListening(on);
    this.updateTray();
  }

  toggleListening(): void {
    this.setListening(!this.state.listening);
  }

  /** A report from the renderer, already validated (`parseReport`). */
  report(r: WidgetReport): void {
    switch (r.kind) {
      case 'detection':
        // One that was in flight when listening was turned off is not news any more.
        if (!this.state.listening) return;
        this.shell.notify({
          title: `Heard “${r.label}”`,
          body: `score ${r.score.toFixed(2)} at ${(r.timeMs / 1000).toFixed(1)} s`,
          action: { kind: 'focus' },
        });
        return;
      case 'alarm':
        this.onAlarm(r.sensor, r.state, {
          sensor: r.sensor,
          since: r.since,
          peak: r.peak,
          channel: r.channel,
        });
        break;
      case 'broker':
        this.state.broker = r.state;
        break;
      case 'gateway':
        this.state.gateway = {
          t: r.t,
          live: r.live,
          dormant: r.dormant,
          samplesPerSecond: r.samplesPerSecond,
        };
        break;
      case 'engine':
        this.state.engine = { state: r.state, message: r.message };
        break;
    }
    this.updateTray();
  }

  /** Re-evaluates what depends on time (the gateway's staleness); the shell calls it every second or so. */
  tick(): void {
    this.updateTray();
  }

  /**
   * Opens the dashboard for a sensor with an open alarm (`<dashboard>#sensor=<id>`).
   * @throws GruStreamError E_ARGUMENT for a malformed id or a sensor without an open alarm
   */
  openAlarm(sensor: string): void {
    const id = parseSensor(sensor);
    if (!this.state.alarms.some((a) => a.sensor === id)) {
      throw new GruStreamError('E_ARGUMENT', `widget openAlarm: sensor '${id}' has no open alarm`);
    }
    this.shell.openExternal(this.alarmUrl(id));
  }

  notificationClicked(action: NotificationAction): void {
    if (action.kind === 'alarm') {
      // The alarm may have closed since; the dashboard still shows its history.
      this.shell.openExternal(this.alarmUrl(action.sensor));
    } else {
      this.shell.showWindow();
    }
  }

  /** The tray's level and tooltip for the current state and time. */
  level(): { level: TrayLevel; tooltip: string } {
    const s = this.state;
    const lines: string[] = [];
    let level: TrayLevel = 'ok';
    if (s.alarms.length > 0) {
      level = 'alarm';
      lines.push(
        `${s.alarms.length} open alarm${s.alarms.length > 1 ? 's' : ''}: ${s.alarms.map((a) => a.sensor).join(', ')}`,
      );
    }
    const warn = (line: string): void => {
      if (level === 'ok') level = 'warn';
      lines.push(line);
    };
    if (s.broker !== 'connected')
      warn(s.broker === 'lost' ? 'broker connection lost' : 'connecting to the broker');
    else if (s.gateway === undefined) warn('no gateway status yet');
    else if (this.now() - s.gateway.t > this.staleAfterMs) {
      warn(`gateway silent for ${((this.now() - s.gateway.t) / 1000).toFixed(0)} s`);
    }
    if (s.engine.state === 'error') warn(`keywords: ${s.engine.message}`);
    if (level === 'ok') lines.push('all well');
    lines.push(s.listening ? 'listening for keywords' : 'not listening');
    return { level, tooltip: lines.join('\n') };
  }

  private onAlarm(sensor: string, state: 'open' | 'closed', alarm: OpenAlarm): void {
    const others = this.state.alarms.filter((a) => a.sensor !== sensor);
    this.state.alarms = state === 'open' ? [...others, alarm].sort((a, b) => a.since - b.since) : others;
    const key = `${sensor}@${alarm.since}`;
    if (state === 'open' && !this.notified.has(key)) {
      this.notified.add(key);
      this.shell.notify({
        title: `Alarm: ${sensor}`,
        body: `${alarm.channel}, peak score ${alarm.peak.toFixed(1)}`,
        action: { kind: 'alarm', sensor },
      });
    }
  }

  private alarmUrl(sensor: string): string {
    const url = new URL(this.options.dashboardUrl);
    url.hash = `sensor=${encodeURIComponent(sensor)}`;
    return url.href;
  }

  /** Calls the shell only when something it shows changed. */
  private updateTray(): void {
    const { level, tooltip } = this.level();
    const key = `${level}|${tooltip}|${this.state.listening}`;
    if (key === this.shown) return;
    this.shown = key;
    this.shell.setTray(level, tooltip, this.state.listening);
  }
}
