/**
 * What the MQTT and NATS gateway commands share as processes: integer flags, and running until
 * SIGINT/SIGTERM with a clean stop (the MQTT gateway saves a snapshot, the NATS one hands its
 * partitions over) before exiting.
 */
import { GruStreamError } from '../../../src/node.js';

/**
 * `--name` as an integer ≥ `min`, or undefined when not given.
 * @throws GruStreamError E_ARGUMENT naming the flag, the bound and the value
 */
export function intOption(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new GruStreamError('E_ARGUMENT', `--${name}: expected an integer ≥ ${min}, got '${value}'`);
  }
  return n;
}

/**
 * Starts a gateway, prints `gateway ready` (tests and scripts wait for that line) and stops it on the
 * first SIGINT or SIGTERM, exiting 0 when the stop completes and 1 when it fails. The handlers are
 * installed before the start, so a signal during start-up stops the gateway as soon as it is up.
 * @param name the gateway's name in log lines (`gateway`, `gateway gw-1`)
 * @param stopping what the stop does, for the log line (`saving a snapshot and stopping`)
 */
export async function runUntilSignalled<G extends { stop(): Promise<void> }>(
  start: () => Promise<G>,
  name: (g: G) => string,
  stopping: string,
): Promise<void> {
  // Set once the start completes; read by a signal that comes earlier or later.
  const up: { gateway?: G } = {};
  let signalled: string | undefined;
  const shutDown = (g: G, signal: string): void => {
    console.error(`${name(g)}: ${signal}: ${stopping}`);
    g.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(`${name(g)}: stop failed: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: string): void => {
    if (signalled !== undefined) return;
    signalled = signal;
    if (up.gateway !== undefined) shutDown(up.gateway, signal);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  up.gateway = await start();
  console.log('gateway ready');
  if (signalled !== undefined) shutDown(up.gateway, signalled);
}
