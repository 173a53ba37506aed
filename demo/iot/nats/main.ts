/**
 * `npm run gateway -- --nats nats://host:port[,nats://…]`: one gateway process on a NATS JetStream
 * cluster (see `gateway.ts`). Prints JSON event lines on stdout (`owns`, `acquired`, `status`) and
 * `gateway ready` once it has joined; SIGINT/SIGTERM hand its partitions over and exit 0.
 *
 * Options: `--nats URLS` (required, comma-separated), `--partitions P` (default 12, must match the
 * servers' mapping), `--id ID`, `--replicas R`, `--lease-ms N`, `--heartbeat-ms N`, `--min-members N`,
 * `--snapshot-every-ms N`, `--status-every-ms N`, `--max-age-ms N`, `--startup-timeout-ms N` (how long
 * to wait for the cluster at start, retrying with backoff; default 60 000), `--model FILE`.
 */
import { parseArgs } from 'node:util';
import { GruStreamError } from '../../../src/node.js';
import { startNatsGateway } from './gateway.js';
import type { NatsGatewayOptions } from './gateway.js';
import { intOption, runUntilSignalled } from '../gateway/process.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nats: { type: 'string' },
      partitions: { type: 'string' },
      id: { type: 'string' },
      replicas: { type: 'string' },
      'lease-ms': { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      'min-members': { type: 'string' },
      'snapshot-every-ms': { type: 'string' },
      'status-every-ms': { type: 'string' },
      'max-age-ms': { type: 'string' },
      'startup-timeout-ms': { type: 'string' },
      model: { type: 'string' },
    },
  });
  if (values.nats === undefined) {
    throw new GruStreamError('E_ARGUMENT', '--nats nats://host:port[,nats://host:port…] is required');
  }
  const o: NatsGatewayOptions = {
    servers: values.nats.split(',').filter(Boolean),
    partitions: intOption('partitions', values.partitions, 1),
    replicas: intOption('replicas', values.replicas, 1),
    leaseMs: intOption('lease-ms', values['lease-ms'], 100),
    heartbeatMs: intOption('heartbeat-ms', values['heartbeat-ms'], 10),
    minMembers: intOption('min-members', values['min-members'], 1),
    snapshotEveryMs: intOption('snapshot-every-ms', values['snapshot-every-ms']),
    statusEveryMs: intOption('status-every-ms', values['status-every-ms']),
    maxAgeMs: intOption('max-age-ms', values['max-age-ms'], 1000),
    startupTimeoutMs: intOption('startup-timeout-ms', values['startup-timeout-ms']),
  };
  if (values.id !== undefined) o.id = values.id;
  if (values.model !== undefined) o.model = values.model;
  await runUntilSignalled(
    () => startNatsGateway(o),
    (g) => `gateway ${g.id}`,
    'handing partitions over and stopping',
  );
}

main().catch((e: unknown) => {
  const code = e instanceof GruStreamError ? `[${e.code}] ` : '';
  console.error(`gateway: ${code}${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
