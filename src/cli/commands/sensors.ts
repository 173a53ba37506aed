/** `sensors`: not built yet (the trained model lands with the trained-models issue). */
import { UsageError } from '../usage.js';

export async function sensors(_args: string[]): Promise<void> {
  throw new UsageError("'sensors' needs the trained model, which is not in this build yet");
}
