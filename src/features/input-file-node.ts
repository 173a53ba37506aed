/**
 * Reading the file a CLI command was given, with the reason in words a user acts on (no such file,
 * a directory) instead of a bare errno.
 */
import { readFileSync } from 'node:fs';
import { GruStreamError } from '../errors.js';

/**
 * The bytes of `path`.
 * @throws GruStreamError E_ARGUMENT `cannot read <path>: <why>`
 */
export function readInputFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new GruStreamError('E_ARGUMENT', `cannot read ${path}: ${why}`);
  }
}
