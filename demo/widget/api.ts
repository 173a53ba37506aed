/**
 * The one contract between the widget's renderer and its main process: the IPC channels, what the
 * preload exposes as `window.widget` ({@link WidgetApi}), and the validation of every message that
 * crosses (the renderer is untrusted to the main process, and the main process's messages are checked
 * once more in the preload). Browser-safe: no Node or Electron imports.
 */
import { GruStreamError } from '../../src/index.js';
import { SENSOR_ID } from '../iot/contract.js';

/** IPC channel names (`invoke`/`handle` for requests, `send`/`on` for the rest). */
export const CHANNELS = {
  /** renderer → main (invoke): {@link WidgetConfig}. */
  config: 'widget:config',
  /** renderer → main (invoke): set the global listening toggle; main answers with `listening`. */
  setListening: 'widget:set-listening',
  /** renderer → main (send): a {@link WidgetReport}. */
  report: 'widget:report',
  /** renderer → main (invoke): open the dashboard at an open alarm's sensor. */
  openAlarm: 'widget:open-alarm',
  /** main → renderer (send): the listening toggle's new value (boolean). */
  listening: 'widget:listening',
} as const;

/** What the renderer needs to start. */
export interface WidgetConfig {
  /** The broker's MQTT-over-WebSocket URL (`ws://host:port/`). */
  brokerUrl: string;
  /** The plant dashboard's URL; alarms open it. */
  dashboardUrl: string;
  /** Whether listening starts on (the main process owns the toggle). */
  listening: boolean;
}

/** An alarm episode as the widget keeps it (from `gru/<sensor>/alarm`, see demo/iot/contract.ts). */
export interface AlarmReport {
  kind: 'alarm';
  sensor: string;
  state: 'open' | 'closed';
  /** Episode start, epoch ms. */
  since: number;
  /** Highest score so far. */
  peak: number;
  channel: string;
}

/** Renderer → main: what the page saw. */
export type WidgetReport =
  | {
      kind: 'detection';
      label: string;
      /** Detector score, 0…1. */
      score: number;
      /** When the audio that fired it ended, ms since listening started. */
      timeMs: number;
    }
  | AlarmReport
  | { kind: 'broker'; state: 'connecting' | 'connected' | 'lost' }
  | {
      kind: 'gateway';
      /** The status's own timestamp, epoch ms. */
      t: number;
      live: number;
      dormant: number;
      samplesPerSecond: number;
    }
  | { kind: 'engine'; state: 'loading' | 'ready' | 'listening' | 'error'; message: string };

/** `window.widget`: everything the page may ask of the main process, nothing more. */
export interface WidgetApi {
  config(): Promise<WidgetConfig>;
  /** Asks the main process to turn listening on or off; the answer arrives through {@link onListening}. */
  setListening(on: boolean): Promise<void>;
  report(report: WidgetReport): void;
  /** Opens the dashboard for `sensor`, which must have an open alarm. */
  openAlarm(sensor: string): Promise<void>;
  /** Calls `listener` with each new value of the listening toggle; returns the unsubscribe. */
  onListening(listener: (on: boolean) => void): () => void;
}

/** The names `window.widget` has, in order (the preload's contract). */
export const API_METHODS = ['config', 'setListening', 'report', 'openAlarm', 'onListening'] as const;

const MAX_TEXT = 200;

function fail(what: string, expected: string, actual: unknown): never {
  const shown =
    typeof actual === 'string' ? `'${actual.slice(0, 60)}'` : (JSON.stringify(actual) ?? String(actual));
  throw new GruStreamError('E_ARGUMENT', `widget ${what}: expected ${expected}, got ${shown}`);
}

function record(what: string, x: unknown): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) fail(what, 'an object', x);
  return x as Record<string, unknown>;
}

function finite(what: string, x: unknown, min = -Infinity, max = Infinity): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max) {
    fail(what, `a finite number in [${min}, ${max}]`, x);
  }
  return x;
}

function text(what: string, x: unknown): string {
  if (typeof x !== 'string' || x.length === 0 || x.length > MAX_TEXT)
    fail(what, `a string of 1…${MAX_TEXT}`, x);
  return x;
}

function oneOf<T extends string>(what: string, x: unknown, values: readonly T[]): T {
  if (!values.includes(x as T)) fail(what, values.join(' | '), x);
  return x as T;
}

/** A sensor id by the topic contract's rule. @throws GruStreamError E_ARGUMENT */
export function parseSensor(x: unknown): string {
  if (typeof x !== 'string' || !SENSOR_ID.test(x)) fail('sensor', 'a sensor id ([A-Za-z0-9._-]{1,64})', x);
  return x;
}

/** @throws GruStreamError E_ARGUMENT when `x` is not a boolean */
export function parseListening(x: unknown): boolean {
  if (typeof x !== 'boolean') fail('listening', 'a boolean', x);
  return x;
}

/**
 * Checks a report from the renderer and copies exactly its known fields (extra fields are dropped).
 * @throws GruStreamError E_ARGUMENT naming the field, the expected and the actual value
 */
export function parseReport(x: unknown): WidgetReport {
  const r = record('report', x);
  const kind = oneOf('report.kind', r.kind, ['detection', 'alarm', 'broker', 'gateway', 'engine']);
  switch (kind) {
    case 'detection':
      return {
        kind,
        label: text('detection.label', r.label),
        score: finite('detection.score', r.score, 0, 1),
        timeMs: finite('detection.timeMs', r.timeMs, 0),
      };
    case 'alarm':
      return {
        kind,
        sensor: parseSensor(r.sensor),
        state: oneOf('alarm.state', r.state, ['open', 'closed']),
        since: finite('alarm.since', r.since, 0),
        peak: finite('alarm.peak', r.peak),
        channel: text('alarm.channel', r.channel),
      };
    case 'broker':
      return { kind, state: oneOf('broker.state', r.state, ['connecting', 'connected', 'lost']) };
    case 'gateway':
      return {
        kind,
        t: finite('gateway.t', r.t, 0),
        live: finite('gateway.live', r.live, 0),
        dormant: finite('gateway.dormant', r.dormant, 0),
        samplesPerSecond: finite('gateway.samplesPerSecond', r.samplesPerSecond, 0),
      };
    case 'engine':
      return {
        kind,
        state: oneOf('engine.state', r.state, ['loading', 'ready', 'listening', 'error']),
        message:
          typeof r.message === 'string'
            ? r.message.slice(0, MAX_TEXT)
            : fail('engine.message', 'a string', r.message),
      };
  }
}

/** @throws GruStreamError E_ARGUMENT when `x` is not a {@link WidgetConfig} */
export function parseConfig(x: unknown): WidgetConfig {
  const c = record('config', x);
  const url = (what: string, v: unknown, schemes: string[]): string => {
    const s = text(what, v);
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      fail(what, 'a URL', s);
    }
    if (!schemes.includes(u.protocol)) fail(what, `a ${schemes.join(' or ')} URL`, s);
    return s;
  };
  return {
    brokerUrl: url('config.brokerUrl', c.brokerUrl, ['ws:', 'wss:']),
    dashboardUrl: url('config.dashboardUrl', c.dashboardUrl, ['http:', 'https:']),
    listening: parseListening(c.listening),
  };
}
