/**
 * The layers of gru-stream (README "Architecture"): imports point one way, from the applications down
 * to the leaves. `npm run lint` and test/layers.test.ts run this; a rule names the layer pair it forbids.
 *
 *   leaves       src/errors.ts, src/protocol (worker contract, chunk packing; model types), src/transport
 *   model        ← features, errors          pure TS toolchain
 *   runtime      ← model                     ModelRunner, tfjs-tflite loader
 *   engine       ← runtime, protocol         state table, batched stepping
 *   worker       ← engine, transport         the worker body; workers/ holds only entry points
 *   client       ← protocol, transport       public API; knows the engine only through src/protocol
 *   postprocess, kws ← client, features      pipelines around an engine
 *   cli, entries ← anything in src/          applications and package entry points
 *   demo/        ← the package entry points only
 */
const layer = (name, path, forbidden) => ({
  name: `no-${name}-to-${forbidden.name}`,
  severity: 'error',
  comment: `${path} must not import ${forbidden.name} (${forbidden.why})`,
  from: { path },
  to: { path: forbidden.path },
});
const LOW = '^src/(errors\\.ts|protocol|transport)';
const upper = (...names) => `^src/(${names.join('|')})(/|\\.ts$)`;

module.exports = {
  forbidden: [
    {
      name: 'no-src-to-outside',
      severity: 'error',
      comment: 'library code loads models at run time and never imports workers/, demo/, test/ or models/',
      from: { path: '^src/' },
      to: { path: '^(workers|demo|test|models)/' },
    },
    layer('leaves', LOW, {
      name: 'layers',
      path: upper(
        'features',
        'runtime',
        'engine',
        'worker',
        'client',
        'postprocess',
        'kws',
        'cli',
        'index',
        'node',
      ),
      why: 'leaves import only errors, model types and each other',
    }),
    layer('features', '^src/features/', {
      name: 'upper-layers',
      path: upper('runtime', 'engine', 'worker', 'client', 'postprocess', 'kws', 'cli'),
      why: 'features are shared by training, engine and client',
    }),
    layer('model', '^src/model/', {
      name: 'upper-layers',
      path: upper('runtime', 'engine', 'worker', 'client', 'postprocess', 'kws', 'cli'),
      why: 'model ← runtime ← engine ← worker',
    }),
    layer('runtime', '^src/runtime/', {
      name: 'upper-layers',
      path: upper('engine', 'worker', 'client', 'postprocess', 'kws', 'cli'),
      why: 'model ← runtime ← engine ← worker',
    }),
    layer('engine', '^src/engine/', {
      name: 'upper-layers',
      path: upper('worker', 'client', 'postprocess', 'kws', 'cli'),
      why: 'model ← runtime ← engine ← worker',
    }),
    layer('worker', '^src/worker/', {
      name: 'upper-layers',
      path: upper('client', 'postprocess', 'kws', 'cli'),
      why: 'the worker body sits under the client, which only speaks src/protocol',
    }),
    layer('client', '^src/client/', {
      name: 'engine-side',
      path: upper('engine', 'worker', 'runtime', 'postprocess', 'kws', 'cli'),
      why: 'the client knows the engine only through src/protocol',
    }),
    layer('postprocess', '^src/postprocess/', {
      name: 'upper-layers',
      path: upper('engine', 'worker', 'runtime', 'client', 'kws', 'cli'),
      why: 'post-processing works on outputs, not on engines',
    }),
    layer('kws', '^src/kws/', {
      name: 'engine-side-or-cli',
      path: upper('engine', 'worker', 'cli'),
      why: 'the keyword pipeline uses the public client',
    }),
    {
      name: 'workers-are-entry-points',
      severity: 'error',
      comment: 'workers/ holds entry points only; the client and apps never import them',
      from: { pathNot: '^workers/' },
      to: { path: '^workers/' },
    },
    {
      name: 'demo-uses-public-entries',
      severity: 'error',
      comment: 'demo/ is built on the package entry points only (the files the exports map names)',
      from: { path: '^demo/' },
      to: {
        path: '^src/',
        pathNot: '^src/(index|node)\\.ts$|^src/(model|runtime|features|postprocess|kws|cli)/index\\.ts$',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)node_modules/' },
  },
};
