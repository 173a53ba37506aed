/** `inspect <file.tflite> [--json]`: describe any .tflite (tensors, shapes, types, quantization, operators). */
import { describeGraph } from '../../model/tflite/describe.js';
import { readTflite } from '../../model/tflite/reader.js';
import { readInputFile } from '../../features/input-file-node.js';
import { UsageError } from '../usage.js';

export async function inspect(args: string[]): Promise<void> {
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) throw new UsageError('inspect needs a file: npm run cli -- inspect <file.tflite>');
  const graph = readTflite(new Uint8Array(readInputFile(file)));
  if (args.includes('--json')) {
    // Constant data as its byte length: the bytes themselves are what the .tflite is for.
    const replacer = (k: string, v: unknown): unknown =>
      k === 'data' && v instanceof Uint8Array ? v.length : v;
    console.log(JSON.stringify(graph, replacer, 2));
  } else {
    console.log(describeGraph(graph));
  }
}
