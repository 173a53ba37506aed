/**
 * Warm spare workers of a pool: engines started ahead of need, models loaded, idle until a
 * supervised worker fails. A recovery then takes a spare instead of paying a cold start (starting a
 * thread, compiling the WASM runtime, loading the models: ≈ 75 % of a recovery's time when measured
 * without spares), and a new spare is started in the background for the next failure.
 */
import type { WorkerEngineClient } from './engine-client.js';

/** An engine for a replacement worker. */
export interface Replacement {
  client: WorkerEngineClient;
  /** True when it was a spare, started before the failure. */
  warm: boolean;
  /** Why the spare taken could not be used (the replacement then started cold). */
  spareError?: unknown;
}

/** A started engine, or why it could not be started. */
type Started = { client: WorkerEngineClient } | { error: unknown };

export class SpareWorkers {
  private readonly ready: Promise<Started>[] = [];
  private disposed = false;

  /**
   * @param start starts one engine (the pool's own start function, same models and options)
   * @param count spares kept ready (0: every replacement starts cold)
   * @param fill start them now (default true); else at {@link fill}
   */
  constructor(
    private readonly start: () => Promise<WorkerEngineClient>,
    private readonly count: number,
    fill = true,
  ) {
    if (fill) this.fill();
  }

  /** Starts spares until `count` are held (started or starting). */
  fill(): void {
    while (!this.disposed && this.ready.length < this.count) this.refill();
  }

  /** Spares held (started or starting). */
  get size(): number {
    return this.ready.length;
  }

  /**
   * An engine for a replacement: a spare when one is held (`warm: true`; it may still be starting,
   * then this waits for it), else a cold start. A spare that failed to start is dropped for a cold
   * start, so a broken spare never costs more than the start it replaces.
   */
  async take(): Promise<Replacement> {
    const spare = this.ready.shift();
    if (spare === undefined || this.disposed) return { client: await this.start(), warm: false };
    this.refill();
    const got = await spare;
    if ('client' in got) return { client: got.client, warm: true };
    return { client: await this.start(), warm: false, spareError: got.error };
  }

  /** Resolves, once every spare held now has started or failed to, with the number started. */
  async whenReady(): Promise<number> {
    const got = await Promise.all(this.ready);
    return got.filter((g) => 'client' in g).length;
  }

  /** Disposes every spare (started or still starting). */
  async dispose(): Promise<void> {
    this.disposed = true;
    const held = this.ready.splice(0);
    await Promise.all(
      held.map(async (p) => {
        const got = await p;
        if ('client' in got) await got.client.dispose();
      }),
    );
  }

  private refill(): void {
    if (this.disposed || this.ready.length >= this.count) return;
    // Kept as a settled value: a spare's start failure is reported when it is taken (in the
    // recovery event, `spareError`), not as an unhandled rejection while it sits unused.
    this.ready.push(
      this.start().then(
        (client) => {
          if (this.disposed) {
            void client.dispose();
            return { error: new Error('pool disposed') };
          }
          return { client };
        },
        (error: unknown) => ({ error }),
      ),
    );
  }
}
