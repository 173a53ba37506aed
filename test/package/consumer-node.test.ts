/**
 * The package as a Node user gets it: `npm run build` + `npm pack`, the tarball installed into a
 * temporary plain-JavaScript project (pack.ts, shared with the browser consumer test), then
 *
 * - the tarball's contents: dist/, the workers and WASM, the shipped models, LICENSE, README, and no
 *   tests, training code, demo or TypeScript source;
 * - a plain `node` script (fixtures/node-check.mjs; no tsx installed) runs the package's text model
 *   through the default worker, and its outputs agree with the float reference GRU computed here
 *   from the repository's float weights, within the model's stated tolerance (models/text/README.md:
 *   top language on ≥ 98 % of frames, no probability off by more than 0.15; measured 99.7 % and
 *   0.047 in test/text/model.test.ts);
 * - the script's stderr is empty: no XNNPACK INFO line, no warning;
 * - the installed `gru-stream` bin runs `kws` on the package's held-out sample with its default
 *   keyword model (the speech-embedding head and its embedding, found from the installed package's
 *   root) and prints the same lines as the library does in this repository on the same audio;
 * - a TypeScript user's file (fixtures/ts-check.ts) type-checks against the installed `.d.ts` with
 *   `moduleResolution: nodenext` and `skipLibCheck: false`.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_KWS_MODEL, SPEECH_EMBEDDING_DIR } from '../../src/cli/default-models.js';
import { createEngine } from '../../src/client/node.js';
import { loadKwsModel, readAudioFile } from '../../src/kws/files-node.js';
import type { KwsDetectionLine } from '../../src/kws/pipeline.js';
import { atModelRate, detectKeywords } from '../../src/kws/pipeline.js';
import { jsonLines } from '../helpers/cli.js';
import { REPO, consumerOnce } from './pack.js';
import type { Consumer } from './pack.js';
import { compareWithFloatReference } from './text-reference.js';

const run = promisify(execFile);
let consumer: Consumer;

beforeAll(async () => {
  consumer = await consumerOnce();
}, 480_000);

describe('npm pack', () => {
  it('holds dist/, the workers and one WASM variant, the shipped models, LICENSE and README only', () => {
    const paths = consumer.packed.files.map((f) => f.path);
    const top = new Set(paths.map((p) => p.split('/')[0]));
    expect([...top].sort()).toEqual(['LICENSE', 'README.md', 'dist', 'models', 'package.json']);
    for (const f of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/node.js',
      'dist/src/cli/main.js',
    ]) {
      expect(paths).toContain(f);
    }
    expect(paths.filter((p) => p.startsWith('dist/workers/')).sort()).toEqual([
      'dist/workers/browser-worker.js',
      'dist/workers/node-worker.js',
      'dist/workers/tflite_web_api_cc_simd.js',
      'dist/workers/tflite_web_api_cc_simd.wasm',
    ]);
    for (const name of ['kws', 'sensors', 'text']) {
      for (const b of [1, 8, 64]) {
        expect(paths).toContain(`models/${name}/${name}-int8-weights-b${b}.tflite`);
        expect(paths).toContain(`models/${name}/${name}-int8-weights-b${b}.json`);
      }
      expect(paths).toContain(`models/${name}/README.md`);
    }
    // The speech embedding keyword heads run on, with its licence; its ONNX twins are test references only.
    for (const f of ['embedding_model.tflite', 'manifest.json', 'LICENSE', 'README.md']) {
      expect(paths).toContain(`models/speech-embedding/${f}`);
    }
    // The default keyword model: the head on that embedding.
    for (const b of [1, 8, 64]) {
      expect(paths).toContain(`models/kws-embed/kws-embed-int8-weights-b${b}.tflite`);
      expect(paths).toContain(`models/kws-embed/kws-embed-int8-weights-b${b}.json`);
    }
    expect(paths.filter((p) => p.endsWith('.onnx'))).toEqual([]);
    // No TypeScript source, tests, training code, demo, source maps or test models.
    const stray = paths.filter(
      (p) =>
        (p.endsWith('.ts') && !p.endsWith('.d.ts')) ||
        p.endsWith('.map') ||
        /^(src|test|demo|scripts|workers)\//.test(p) ||
        /^models\/(test|train)\//.test(p) ||
        /(^|\/)(train|evaluate|generator|data)[^/]*\.(ts|js)$/.test(p),
    );
    expect(stray).toEqual([]);
  });
});

describe('installed into a plain JavaScript project', () => {
  it('runs the text model from the package through the prebuilt worker, matching the float reference', async () => {
    const { stdout, stderr } = await run(process.execPath, ['node-check.mjs'], {
      cwd: consumer.dir,
      timeout: 120_000,
      maxBuffer: 64 << 20,
    });
    // Nothing on stderr: in particular not tfjs-tflite's XNNPACK INFO line.
    expect(stderr).toBe('');
    const out = JSON.parse(stdout) as { readModelFile: string; lines: string[]; outputs: number[][][] };
    // Under Node, `gru-stream` is the Node entry.
    expect(out.readModelFile).toBe('function');

    expect(out.lines).toHaveLength(28);
    const r = compareWithFloatReference(out.lines, out.outputs);
    expect(r.badLengths).toEqual([]);
    expect(r.frames).toBeGreaterThan(1000);
    expect(r.agree).toBeGreaterThanOrEqual(0.98);
    expect(r.maxDiff).toBeLessThanOrEqual(0.15);
  }, 180_000);

  it('runs the installed `gru-stream kws` bin with its default keyword model, as the library does here', async () => {
    const installed = join(consumer.dir, 'node_modules', 'gru-stream');
    const sample = join(installed, 'models', 'kws', 'samples', 'keywords-heldout.wav');
    const { stdout, stderr } = await run(
      join(consumer.dir, 'node_modules', '.bin', 'gru-stream'),
      ['kws', sample, '--json'],
      { cwd: consumer.dir, timeout: 120_000 },
    );
    expect(stderr).toBe('');
    const got = jsonLines<KwsDetectionLine>(stdout);

    // The same pipeline in this repository, on the repository's copy of the sample and models.
    const model = loadKwsModel(DEFAULT_KWS_MODEL, { searchDirs: [SPEECH_EMBEDDING_DIR] });
    const engine = await createEngine({ models: [model], frontEnd: model.frontEnd! });
    try {
      const audio = readAudioFile(join(REPO, 'models/kws/samples/keywords-heldout.wav'));
      const { detections } = await detectKeywords(engine, model, atModelRate(audio, model.manifest).samples);
      expect(got).toEqual(detections.map((d) => ({ ...d, score: Math.round(d.score * 1e4) / 1e4 })));
    } finally {
      await engine.dispose();
    }
    // Measured: 3 of the sample's 5 keywords (test/kws/kws-cli.test.ts checks which and when).
    expect(got.length).toBeGreaterThanOrEqual(3);
  }, 180_000);

  it('type-checks a TypeScript user file against the installed declarations (nodenext)', async () => {
    await writeFile(
      join(consumer.dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(REPO, 'node_modules', '@types')],
        },
        files: ['ts-check.ts'],
      }),
    );
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: consumer.dir,
      timeout: 120_000,
    }).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }));
    expect(result.stdout).toBe('');
  }, 180_000);
});
