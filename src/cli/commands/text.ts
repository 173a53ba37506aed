/** `text`: not built yet (the trained model lands with the trained-models issue). */
import { UsageError } from '../usage.js';

export async function text(_args: string[]): Promise<void> {
  throw new UsageError("'text' needs the trained model, which is not in this build yet");
}
