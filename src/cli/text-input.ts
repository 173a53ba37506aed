/**
 * The `text` command's input: UTF-8 text only. A binary file (an image, a WAV given by mistake) is
 * refused with a coded error that says where and what the first offending byte is, without echoing
 * the file's bytes (control characters would garble or drive the terminal).
 */
import { GruStreamError } from '../errors.js';

/** Bytes that may appear in text: tab, line feed, carriage return, form feed; others below 0x20 and DEL may not. */
const ALLOWED_CONTROL = new Set([0x09, 0x0a, 0x0c, 0x0d]);

/**
 * Decodes `bytes` as UTF-8 text (a leading BOM is dropped).
 * @param path names the file in the error
 * @throws GruStreamError E_ARGUMENT for invalid UTF-8 or a control byte (NUL, ESC, …)
 */
export function decodeTextFile(bytes: Uint8Array, path: string): string {
  for (let k = 0; k < bytes.length; k++) {
    const b = bytes[k]!;
    if ((b < 0x20 && !ALLOWED_CONTROL.has(b)) || b === 0x7f) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `${path}: not a text file: control byte 0x${b.toString(16).padStart(2, '0')} at offset ${k}; expected UTF-8 text`,
      );
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new GruStreamError('E_ARGUMENT', `${path}: not a text file: invalid UTF-8; expected UTF-8 text`);
  }
}
