/** `kws`: not built yet (the trained model lands with the trained-models issue). */
import { UsageError } from '../usage.js';

export async function kws(_args: string[]): Promise<void> {
  throw new UsageError("'kws' needs the trained model, which is not in this build yet");
}
