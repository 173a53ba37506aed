import { GruStreamError } from '../../src/errors.js';

/** Runs `fn` and returns the GruStreamError it throws; fails when it throws something else or nothing. */
export function thrown(fn: () => unknown): GruStreamError {
  try {
    fn();
  } catch (e) {
    if (e instanceof GruStreamError) return e;
    throw e;
  }
  throw new Error('expected a GruStreamError, nothing was thrown');
}
