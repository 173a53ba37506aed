/**
 * Command-line entry: `npm run cli -- <command> [args]`.
 *
 *   inspect <file.tflite> [--json]   describe any .tflite: tensors, shapes, types, quantization, ops
 */
import { readFileSync } from 'node:fs';
import { isGruStreamError } from '../errors.js';
import { describeGraph } from '../model/tflite/describe.js';
import { readTflite } from '../model/tflite/reader.js';

const USAGE = `usage: npm run cli -- <command>

commands:
  inspect <file.tflite> [--json]   print the graph of a .tflite file (tensors, quantization, operators)`;

function inspect(args: string[]): void {
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) throw new UsageError('inspect needs a file: npm run cli -- inspect <file.tflite>');
  const graph = readTflite(new Uint8Array(readFileSync(file)));
  if (args.includes('--json')) {
    // Constant data as its byte length: the bytes themselves are what the .tflite is for.
    const replacer = (k: string, v: unknown): unknown =>
      k === 'data' && v instanceof Uint8Array ? v.length : v;
    console.log(JSON.stringify(graph, replacer, 2));
  } else {
    console.log(describeGraph(graph));
  }
}

class UsageError extends Error {}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'inspect':
        inspect(rest);
        return 0;
      case undefined:
      case '--help':
      case 'help':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (isGruStreamError(e)) {
      console.error(`error [${e.code}]: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

process.exitCode = main(process.argv.slice(2));
