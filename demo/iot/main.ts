/**
 * `npm run iot`: a working plant on this machine with nothing to install. Builds the dashboard, starts
 * the embedded MQTT broker (aedes on 127.0.0.1: TCP on --mqtt-port, WebSocket on the dashboard's
 * --port), the gateway (state in `.iot-state/`), a simulator of --sensors sensors at --rate Hz with
 * random anomalies, and prints the dashboard's URL. Ctrl-C (SIGINT) or SIGTERM stops it all, saving
 * the gateway's snapshot.
 *
 * Options: --port N (dashboard, default 8080), --mqtt-port N (default 1883), --sensors N (default
 * 100; 0: no simulator), --rate HZ (default 1), --broker mqtt://host:port (use that broker instead of
 * the embedded one) with --broker-ws ws://host:port (its WebSocket listener, for the browser),
 * --state DIR (default .iot-state).
 */
import { parseArgs } from 'node:util';
import { CHANNELS } from './contract.js';
import { buildDashboard, DASHBOARD_DIR } from './dashboard/build.js';
import { startPlant } from './plant.js';

function number(name: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name}: expected ${integer ? 'an integer' : 'a number'} ≥ 0, got '${value}'`);
  }
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      'mqtt-port': { type: 'string', default: '1883' },
      sensors: { type: 'string', default: '100' },
      rate: { type: 'string', default: '1' },
      broker: { type: 'string' },
      'broker-ws': { type: 'string' },
      state: { type: 'string', default: '.iot-state' },
    },
  });
  const rate = number('rate', values.rate, false);
  if (rate === 0) throw new Error("--rate: expected a number > 0, got '0'");
  if (values.broker !== undefined && !/^(mqtts?|wss?):\/\//.test(values.broker)) {
    throw new Error(`--broker: expected mqtt://host:port, got '${values.broker}'`);
  }
  console.log('building the dashboard…');
  await buildDashboard(DASHBOARD_DIR);
  const plant = await startPlant({
    dashboardDir: DASHBOARD_DIR,
    port: number('port', values.port, true),
    mqttPort: number('mqtt-port', values['mqtt-port'], true),
    broker: values.broker,
    brokerWs: values['broker-ws'],
    sensors: number('sensors', values.sensors, true),
    rateHz: rate,
    stateDir: values.state,
    simulator: {
      onAnomaly: (id, e) =>
        console.log(`simulator: ${id} ${e.kind} on ${CHANNELS[e.channel]} for ${e.end - e.start} samples`),
    },
  });
  console.log(`MQTT broker: ${plant.mqttUrl}${values.broker ? '' : ' (embedded)'}`);
  if (values.broker !== undefined && values['broker-ws'] === undefined) {
    console.log('note: without --broker-ws ws://host:port the dashboard cannot reach that broker');
  }
  console.log(`dashboard: ${plant.dashboardUrl}`);
  console.log('Ctrl-C stops (the gateway saves its state).');
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping…`);
    plant.stop().then(
      () => {
        console.log('stopped; gateway state saved');
        process.exit(0);
      },
      (e: unknown) => {
        console.error(`stop failed: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  console.error(`iot: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
