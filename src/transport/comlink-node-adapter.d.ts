/**
 * Types for comlink's Node adapter: the package ships `dist/esm/node-adapter.mjs` with a `.d.ts` that
 * TypeScript does not pair with an `.mjs` import.
 */
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';

  /** What the adapter needs: Node's `MessagePort` / `Worker` event-emitter messaging. */
  export interface NodeEndpoint {
    postMessage(message: unknown, transfer?: readonly unknown[]): void;
    on(type: 'message', listener: (value: unknown) => void): unknown;
    off(type: 'message', listener: (value: unknown) => void): unknown;
    start?: () => void;
  }
  export default function nodeEndpoint(nep: NodeEndpoint): Endpoint;
}
