/**
 * How the client starts an engine worker on one platform. Node and browsers differ only here
 * (`platform-node.ts`, `platform-browser.ts`); the client itself has no platform branches.
 */
import type { Endpoint } from 'comlink';
import type { WasmFiles } from '../protocol/worker.js';

/** A running worker, seen by the client. */
export interface WorkerHandle {
  /** comlink endpoint of the worker. */
  readonly endpoint: Endpoint;
  /**
   * Registers the listener called (at most once) when the worker exits or fails, with a reason for
   * error messages. A worker that ends without any event (Chromium on `close()`) is caught by the
   * client's call deadline instead.
   */
  onDeath(listener: (reason: string) => void): void;
  /** Stops the worker. Resolves once it is gone where the platform can tell (Node), at once otherwise. */
  terminate(): Promise<void>;
}

/** Starts engine workers and resolves model references for them. */
export interface Platform {
  /** 'node' or 'browser', for messages. */
  readonly name: string;
  spawn(): WorkerHandle;
  /**
   * Turns a model reference given to `createEngine` into what the worker loads: an absolute path
   * (Node) or an absolute URL (browser), since the worker may resolve relative ones differently.
   */
  resolveModelRef(ref: string | URL): string;
  /** Browser: where the worker loads tfjs-tflite's WASM glue and binary from (sent with init). */
  readonly wasmFiles?: WasmFiles;
}
