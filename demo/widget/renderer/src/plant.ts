/**
 * The plant's side of the widget: subscribes over MQTT-over-WebSocket to the gateway's alarm and
 * status topics (demo/iot/contract.ts) and hands every message, checked by the widget's contract
 * (`parseReport`), to `onReport` (the page's view and the main process both follow it).
 */
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { ALARM_FILTER, STATUS_TOPIC, parseTopic } from '../../../iot/contract.js';
import type { AlarmMessage, GatewayStatus } from '../../../iot/contract.js';
import { parseReport } from '../../api.js';
import type { WidgetReport } from '../../api.js';

export type PlantReport = Extract<WidgetReport, { kind: 'alarm' | 'broker' | 'gateway' }>;

/**
 * Connects to `brokerUrl` and reconnects on loss (every 2 s). Messages that do not follow the
 * contract are reported to `onBadMessage` and otherwise ignored.
 */
export function watchPlant(
  brokerUrl: string,
  onReport: (r: PlantReport) => void,
  onBadMessage: (topic: string, reason: string) => void,
): MqttClient {
  const client = mqtt.connect(brokerUrl, {
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 2000,
    // Native timers: mqtt.js's default may start a worker from a blob: URL, which the CSP forbids.
    timerVariant: 'native',
  });
  onReport({ kind: 'broker', state: 'connecting' });
  client.on('connect', () => {
    onReport({ kind: 'broker', state: 'connected' });
    // Retained: the open alarms and the last status arrive at once.
    client.subscribe([ALARM_FILTER, STATUS_TOPIC], { qos: 1 });
  });
  client.on('offline', () => onReport({ kind: 'broker', state: 'lost' }));
  client.on('message', (topic, payload) => {
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(payload));
    } catch (e) {
      onBadMessage(topic, `not JSON (${e instanceof Error ? e.message : String(e)})`);
      return;
    }
    if (typeof body !== 'object' || body === null) {
      onBadMessage(topic, 'not a JSON object');
      return;
    }
    let raw: unknown;
    if (topic === STATUS_TOPIC) {
      const s = body as Partial<GatewayStatus>;
      raw = {
        kind: 'gateway',
        t: s.t,
        live: s.sensors?.live,
        dormant: s.sensors?.dormant,
        samplesPerSecond: s.samplesPerSecond,
      };
    } else {
      const p = parseTopic(topic);
      if (p?.kind !== 'alarm') return;
      const a = body as Partial<AlarmMessage>;
      raw = {
        kind: 'alarm',
        sensor: p.sensor,
        state: a.state,
        since: a.since,
        peak: a.peak,
        channel: a.channel,
      };
    }
    let report: WidgetReport;
    try {
      report = parseReport(raw);
    } catch (e) {
      onBadMessage(topic, e instanceof Error ? e.message : String(e));
      return;
    }
    onReport(report as PlantReport);
  });
  return client;
}
