/**
 * The "naive" tfjs-tflite path a user would write from the package's README: `loadTFLiteModel()` then,
 * per stream and per step, `model.predict({ x: tf.tensor(…), h: tf.tensor(…) })`, `dataSync()` the
 * outputs and dispose every tensor. A benchmark peer showing what our direct runner saves (the tfjs
 * tensor wrapping costs about 25 µs of a 27 µs call at B=1); one stream at a time, so B=1 models only.
 */
import { createRequire } from 'node:module';
import type * as Tf from '@tensorflow/tfjs-core';
import { GruStreamError } from '../../../src/errors.js';
import type { TfliteModule } from '../../../src/runtime/tflite-runner.js';

/** The part of tfjs-tflite's `TFLiteModel` used here (typed in its `dist/tflite_model.d.ts`). */
interface TfliteModelLike {
  readonly inputs: Tf.ModelTensorInfo[];
  readonly outputs: Tf.ModelTensorInfo[];
  predict(inputs: Tf.NamedTensorMap): Tf.Tensor | Tf.Tensor[] | Tf.NamedTensorMap;
}

export interface NaivePredictStepper {
  /**
   * One GRU step of one stream.
   * @param x input frame, I floats
   * @param h hidden state in, H floats
   * @returns the head output and the new state; both arrays are reused by the next `step()`
   */
  step(x: Float32Array, h: Float32Array): { y: Float32Array; hOut: Float32Array };
  dispose(): void;
}

/**
 * The tfjs-core instance tfjs-tflite itself uses, with the cpu backend registered and selected.
 *
 * In Node, tfjs-tflite is its CommonJS build and `require`s `@tensorflow/tfjs-core`; `predict()` makes
 * its output tensors with that instance, so the backend must be registered there. An ESM `import` of
 * tfjs-core (or of tfjs-backend-cpu, whose `module` build imports the ESM tfjs-core) could give a
 * second instance without a backend. So tfjs-core is required from tfjs-tflite's own location, the
 * backend with `require` too, and the registration is checked on the instance tfjs-tflite sees.
 */
async function tfjsCoreOfTflite(): Promise<typeof Tf> {
  const here = createRequire(import.meta.url);
  const fromTflite = createRequire(here.resolve('@tensorflow/tfjs-tflite'));
  const tf = fromTflite('@tensorflow/tfjs-core') as typeof Tf;
  // Registers itself into the tfjs-core its own `require` finds (the hoisted one); checked just below.
  here('@tensorflow/tfjs-backend-cpu');
  if (!tf.findBackendFactory('cpu')) {
    throw new GruStreamError(
      'E_RUNTIME',
      'tfjs-backend-cpu registered into another @tensorflow/tfjs-core instance than the one tfjs-tflite uses',
    );
  }
  if (!(await tf.setBackend('cpu')))
    throw new GruStreamError('E_RUNTIME', 'tfjs could not select the cpu backend');
  return tf;
}

/**
 * Loads a B=1 GRU-step `.tflite` for per-call `predict()`.
 * @param tflite the loaded `@tensorflow/tfjs-tflite` module (Node: `loadTfliteInNode()`)
 * @param bytes the model file (batch 1, tensors x, h → y, h_out)
 */
export async function createNaivePredictStepper(
  tflite: TfliteModule,
  bytes: Uint8Array,
): Promise<NaivePredictStepper> {
  const tf = await tfjsCoreOfTflite();
  const model = (await tflite.loadTFLiteModel(bytes.slice().buffer, { numThreads: 1 })) as TfliteModelLike;
  const shape = (list: Tf.ModelTensorInfo[], name: string): number[] => {
    const info = list.find((i) => i.name === name);
    if (!info?.shape) throw new GruStreamError('E_MODEL_UNSUPPORTED', `model has no tensor '${name}'`);
    return info.shape;
  };
  const [batch, I] = shape(model.inputs, 'x');
  const [, H] = shape(model.inputs, 'h');
  const [, C] = shape(model.outputs, 'y');
  if (batch !== 1 || I === undefined || H === undefined || C === undefined) {
    const got = shape(model.inputs, 'x').join(', ');
    throw new GruStreamError('E_MODEL_UNSUPPORTED', `naive predict needs a batch-1 model, got x [${got}]`);
  }
  const y = new Float32Array(C);
  const hOut = new Float32Array(H);
  let disposed = false;
  return {
    step(x, h) {
      if (disposed) throw new GruStreamError('E_DISPOSED', 'step() on a disposed naive predict stepper');
      const xt = tf.tensor2d(x, [1, I]);
      const ht = tf.tensor2d(h, [1, H]);
      const out = model.predict({ x: xt, h: ht }) as Tf.NamedTensorMap;
      const yt = out.y;
      const hOutT = out.h_out;
      if (!yt || !hOutT)
        throw new GruStreamError('E_MODEL_UNSUPPORTED', 'predict() did not return y and h_out');
      // predict()'s outputs are views of the interpreter's memory that the next call overwrites: copy.
      y.set(yt.dataSync() as Float32Array);
      hOut.set(hOutT.dataSync() as Float32Array);
      xt.dispose();
      ht.dispose();
      yt.dispose();
      hOutT.dispose();
      return { y, hOut };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      // TFLiteModel has no dispose(); its runner's cleanUp() frees the interpreter (as TfliteRunner does).
      (model as unknown as { modelRunner?: { cleanUp(): void } }).modelRunner?.cleanUp();
    },
  };
}
