/**
 * The text front end: one frame per typed character, one-hot over a fixed alphabet. The same code
 * encodes training data and live keystrokes, so a model sees exactly what it was trained on.
 */
import { GruStreamError } from '../errors.js';

/**
 * Lower-case letters of the Latin-script languages the text model knows, plus space and apostrophe.
 * Index 0 is reserved for "anything else" (digits, punctuation, other scripts).
 */
export const DEFAULT_ALPHABET = " 'abcdefghijklmnopqrstuvwxyzßàáâãäåæçèéêëìíîïñòóôõöøùúûüÿœ";

export class CharEncoder {
  private readonly index = new Map<string, number>();

  /**
   * @param alphabet the characters with a frame index of their own (index = position + 1); every
   *   other character maps to index 0. Default {@link DEFAULT_ALPHABET}.
   */
  constructor(readonly alphabet: string = DEFAULT_ALPHABET) {
    const chars = [...alphabet];
    if (new Set(chars).size !== chars.length) {
      throw new GruStreamError('E_ARGUMENT', `alphabet has repeated characters: '${alphabet}'`);
    }
    chars.forEach((c, i) => this.index.set(c, i + 1));
  }

  /** Floats per frame: one per alphabet character plus the "other" slot. */
  get frameSize(): number {
    return this.index.size + 1;
  }

  /** Frame index of one character (case-folded; 0 when outside the alphabet). */
  indexOf(char: string): number {
    return this.index.get(char.toLowerCase()) ?? 0;
  }

  /**
   * One-hot frames for `text`, one per character (code point), `length × frameSize` floats.
   * @param out optional buffer to fill (must hold the frames); a new one otherwise
   */
  encode(text: string, out?: Float32Array): Float32Array {
    const chars = [...text];
    const n = this.frameSize;
    const frames = out ?? new Float32Array(chars.length * n);
    if (frames.length < chars.length * n) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `encode: buffer holds ${frames.length} floats, expected ≥ ${chars.length * n} for ${chars.length} characters`,
      );
    }
    frames.fill(0, 0, chars.length * n);
    chars.forEach((c, t) => {
      frames[t * n + this.indexOf(c)] = 1;
    });
    return frames;
  }
}
