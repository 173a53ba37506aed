/**
 * A whole plant in this process, as `npm run iot` runs it: the MQTT broker (embedded aedes on
 * loopback, TCP + WebSocket, unless an external broker is given), the gateway, optionally the sensor
 * simulator, and the dashboard's HTTP server (which also carries MQTT over WebSocket for the embedded
 * broker).
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { closeServer, createHttpWithMqtt, listenLoopback, startEmbeddedBroker } from './broker.js';
import type { EmbeddedBroker } from './broker.js';
import { startGateway } from './gateway/gateway.js';
import type { Gateway, GatewayOptions } from './gateway/gateway.js';
import { dashboardHandler } from './serve.js';
import { startSimulator } from './simulator.js';
import type { Simulator, SimulatorOptions } from './simulator.js';

export interface PlantOptions {
  /** The built dashboard folder. */
  dashboardDir: string;
  /** Dashboard HTTP port on 127.0.0.1 (0: any free one). Default 8080. */
  port?: number;
  /** Embedded broker's TCP port on 127.0.0.1 (0: any free one). Default 1883. */
  mqttPort?: number;
  /** An existing broker (`mqtt://host:port`) instead of the embedded one. */
  broker?: string;
  /** That broker's WebSocket URL for the browser (`ws://host:port`); without it the dashboard cannot connect. */
  brokerWs?: string;
  /** Simulated sensors (0: none). Default 100. */
  sensors?: number;
  /** Samples per second per simulated sensor. Default 1. */
  rateHz?: number;
  /** The gateway's state directory. */
  stateDir: string;
  gateway?: Partial<GatewayOptions>;
  simulator?: Partial<SimulatorOptions>;
}

export interface Plant {
  dashboardUrl: string;
  /** The broker the gateway and simulator use. */
  mqttUrl: string;
  gateway: Gateway;
  simulator: Simulator | undefined;
  /** Stops the simulator, the gateway (writing its snapshot), the server and the broker. */
  stop(): Promise<void>;
}

export async function startPlant(o: PlantOptions): Promise<Plant> {
  let embedded: EmbeddedBroker | undefined;
  let http: Server;
  if (o.broker === undefined) {
    embedded = await startEmbeddedBroker(o.mqttPort ?? 1883);
    http = createHttpWithMqtt(embedded.aedes, dashboardHandler(o.dashboardDir, undefined));
  } else {
    http = createServer(dashboardHandler(o.dashboardDir, o.brokerWs));
  }
  const mqttUrl = embedded?.url ?? o.broker!;
  const port = await listenLoopback(http, o.port ?? 8080, 'dashboard');
  const gateway = await startGateway({ broker: mqttUrl, stateDir: o.stateDir, ...o.gateway });
  const sensors = o.sensors ?? 100;
  const simulator =
    sensors > 0
      ? await startSimulator({ broker: mqttUrl, sensors, rateHz: o.rateHz ?? 1, ...o.simulator })
      : undefined;
  return {
    dashboardUrl: `http://127.0.0.1:${port}/`,
    mqttUrl,
    gateway,
    simulator,
    stop: async () => {
      await simulator?.stop();
      await gateway.stop();
      await closeServer(http);
      await embedded?.close();
    },
  };
}
