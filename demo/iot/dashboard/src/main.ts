/**
 * The plant dashboard: subscribes over MQTT-over-WebSocket to the gateway's scores, alarms and status
 * (topic contract: ../../contract.ts) and shows them; the selected sensor's telemetry is subscribed
 * while it is selected. The broker's WebSocket URL comes from `config.json` beside the page (the
 * server writes it), or is this page's own host.
 */
import mqtt from 'mqtt';
import './style.css';
import { ALARM_FILTER, SCORE_FILTER, STATUS_TOPIC, parseTopic, telemetryTopic } from '../../contract.js';
import type { AlarmMessage, GatewayStatus, ScoreMessage, Telemetry } from '../../contract.js';
import { AlarmList } from './alarms.js';
import { SensorDetail } from './detail.js';
import type { Episode } from './detail.js';
import { SensorGrid } from './grid.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

async function brokerUrl(): Promise<string> {
  const res = await fetch('./config.json').catch(() => undefined);
  if (res?.ok) {
    const c = (await res.json()) as { mqttUrl?: string };
    if (c.mqttUrl) return c.mqttUrl;
  }
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
}

const episodes = new Map<string, Map<number, Episode>>();
const episodesOf = (sensor: string): Episode[] => [...(episodes.get(sensor)?.values() ?? [])];

const detail = new SensorDetail($('detail'), $('detail-title'), $('charts'), episodesOf);
const grid = new SensorGrid($('sensors'), $<HTMLCanvasElement>('sparklines'), (id) => select(id));
const alarms = new AlarmList($<HTMLOListElement>('alarms'), $('no-alarms'), (id) => select(id));
const connection = $('connection');
const client = mqtt.connect(await brokerUrl(), {
  protocolVersion: 4,
  clean: true,
  reconnectPeriod: 2000,
  // Native timers: the default may start a worker from a blob: URL, which the page's CSP forbids.
  timerVariant: 'native',
});

function select(sensor: string): void {
  const old = detail.selected;
  if (old === sensor) return;
  if (old !== undefined) client.unsubscribe(telemetryTopic(old));
  grid.select(sensor);
  detail.show(sensor);
  client.subscribe(telemetryTopic(sensor), { qos: 0 });
}

function showStatus(s: GatewayStatus): void {
  $('g-sensors').textContent = `${s.sensors.live + s.sensors.dormant} (${s.sensors.live} live)`;
  $('g-rate').textContent = s.samplesPerSecond.toFixed(0);
  $('g-lag').textContent = `${s.lagMs.p99.toFixed(0)} ms`;
  const refused = Object.entries(s.refused).filter(([, n]) => n > 0);
  const total = refused.reduce((a, [, n]) => a + n, 0);
  const el = $('g-refused');
  el.textContent = String(total);
  el.title = refused.map(([r, n]) => `${r}: ${n}`).join('\n') || 'none';
  grid.threshold = s.model.threshold;
  detail.sigma = s.model.sigma;
}

client.on('connect', () => {
  connection.textContent = 'Connected';
  connection.dataset.state = 'connected';
  client.subscribe([SCORE_FILTER, ALARM_FILTER, STATUS_TOPIC], { qos: 1 });
  if (detail.selected !== undefined) client.subscribe(telemetryTopic(detail.selected), { qos: 0 });
});
client.on('offline', () => {
  connection.textContent = 'Connection lost; retrying…';
  connection.dataset.state = 'lost';
});
client.on('message', (topic, payload) => {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return; // not from the gateway: the contract's topics carry JSON only
  }
  if (topic === STATUS_TOPIC) return showStatus(body as GatewayStatus);
  const p = parseTopic(topic);
  if (p === undefined) return;
  if (p.kind === 'score') {
    const m = body as ScoreMessage;
    grid.score(p.sensor, m.score);
    if (p.sensor === detail.selected) detail.forecast(m.forecast);
  } else if (p.kind === 'alarm') {
    const a = body as AlarmMessage;
    grid.alarm(p.sensor, a.state === 'open');
    alarms.update(p.sensor, a);
    const mine = episodes.get(p.sensor) ?? new Map<number, Episode>();
    episodes.set(p.sensor, mine);
    mine.set(a.since, { since: a.since, until: a.until });
    if (p.sensor === detail.selected) detail.redraw();
  } else if (p.kind === 'telemetry' && p.sensor === detail.selected) {
    detail.telemetry(body as Telemetry);
  }
});
