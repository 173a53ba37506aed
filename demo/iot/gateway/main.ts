/**
 * The gateway as a process of its own: `npx tsx demo/iot/gateway/main.ts --broker mqtt://127.0.0.1:1883`.
 * Prints `gateway ready` on stdout once subscribed; SIGINT/SIGTERM write a snapshot and exit 0.
 *
 * Options: `--broker URL` (required), `--state DIR` (default `.iot-state`), `--client-id ID`,
 * `--model FILE`, `--snapshot-every-ms N`, `--snapshot-every-samples N`, `--ttl-ms N`,
 * `--status-every-ms N` (see `GatewayOptions` for the defaults).
 */
import { parseArgs } from 'node:util';
import { startGateway } from './gateway.js';
import type { GatewayOptions } from './gateway.js';
import { intOption, runUntilSignalled } from './process.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      broker: { type: 'string' },
      state: { type: 'string', default: '.iot-state' },
      'client-id': { type: 'string' },
      model: { type: 'string' },
      'snapshot-every-ms': { type: 'string' },
      'snapshot-every-samples': { type: 'string' },
      'ttl-ms': { type: 'string' },
      'status-every-ms': { type: 'string' },
    },
  });
  if (values.broker === undefined) throw new Error('--broker mqtt://host:port is required');
  const o: GatewayOptions = { broker: values.broker, stateDir: values.state };
  if (values['client-id'] !== undefined) o.clientId = values['client-id'];
  if (values.model !== undefined) o.model = values.model;
  o.snapshotEveryMs = intOption('snapshot-every-ms', values['snapshot-every-ms']);
  o.snapshotEverySamples = intOption('snapshot-every-samples', values['snapshot-every-samples']);
  o.ttlMs = intOption('ttl-ms', values['ttl-ms']);
  o.statusEveryMs = intOption('status-every-ms', values['status-every-ms']);
  await runUntilSignalled(
    () => startGateway(o),
    () => 'gateway',
    'saving a snapshot and stopping',
  );
}

main().catch((e: unknown) => {
  console.error(`gateway: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
