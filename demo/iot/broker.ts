/**
 * The embedded MQTT broker of `npm run iot`: aedes (MQTT 3.1.1) in this process, on loopback, over
 * TCP and — through aedes-server-factory — over WebSocket on an HTTP server that can serve pages too.
 */
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Server as TcpServer } from 'node:net';
import type { Server as HttpServer, RequestListener } from 'node:http';
import { Aedes } from 'aedes';
import { createServer } from 'aedes-server-factory';

export interface EmbeddedBroker {
  aedes: Aedes;
  /** `mqtt://127.0.0.1:<port>` */
  url: string;
  /** Stops listening and closes the broker. */
  close(): Promise<void>;
}

/** Listens on 127.0.0.1; resolves with the port actually bound. */
export function listenLoopback(server: TcpServer | HttpServer, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new Error(`${what}: port ${port} on 127.0.0.1 is already in use; pick another one`)
          : e,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

const closeServer = (s: TcpServer | HttpServer): Promise<void> =>
  new Promise((resolve) => {
    (s as HttpServer).closeAllConnections?.();
    s.close(() => resolve());
  });

/**
 * Starts aedes with a TCP listener.
 * @param port TCP port on 127.0.0.1 (0: any free one)
 */
export async function startEmbeddedBroker(port: number): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
  const tcp = createTcpServer(aedes.handle);
  const bound = await listenLoopback(tcp, port, 'MQTT broker');
  return {
    aedes,
    url: `mqtt://127.0.0.1:${bound}`,
    close: async () => {
      await closeServer(tcp);
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}

/**
 * An HTTP server whose WebSocket upgrades go to `aedes` (MQTT over WebSocket, any path) and whose
 * plain requests go to `onRequest`.
 */
export function createHttpWithMqtt(aedes: Aedes, onRequest: RequestListener): HttpServer {
  const server = createServer(aedes, { ws: true }) as HttpServer;
  server.on('request', onRequest);
  return server;
}

export { closeServer };
