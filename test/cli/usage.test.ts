import { describe, expect, it } from 'vitest';
import { UsageError, parseFileCommand } from '../../src/cli/usage.js';

const spec = {
  command: 'demo',
  fileKind: 'a WAV file',
  usage: 'usage: demo <file> [--json] [--model M]',
  flags: ['json'] as const,
  values: { model: 'default.tflite' },
};

const usageError = (args: string[]): string => {
  try {
    parseFileCommand(args, spec);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`expected a UsageError for ${JSON.stringify(args)}`);
};

describe('parseFileCommand', () => {
  it('takes one file, flags and options with values in any order; defaults the rest', () => {
    expect(parseFileCommand(['a.wav'], spec)).toEqual({
      file: 'a.wav',
      flags: { json: false },
      values: { model: 'default.tflite' },
    });
    expect(parseFileCommand(['--model', 'm.tflite', 'a.wav', '--json'], spec)).toEqual({
      file: 'a.wav',
      flags: { json: true },
      values: { model: 'm.tflite' },
    });
  });

  it('names what is wrong and prints the usage line', () => {
    expect(usageError([])).toBe('demo needs a WAV file\nusage: demo <file> [--json] [--model M]');
    expect(usageError(['a', 'b'])).toMatch(/^demo: one file at a time, got 'a' and 'b'\nusage:/);
    expect(usageError(['a', '--verbose'])).toMatch(/^demo: unknown option --verbose\nusage:/);
    expect(usageError(['a', '--model'])).toMatch(/^demo: --model needs a value\nusage:/);
    expect(usageError(['a', '--model', '--json'])).toMatch(/^demo: --model needs a value\nusage:/);
  });
});
