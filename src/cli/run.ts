/**
 * The command line as a function: `runCli(['kws', 'a.wav', '--json'])` does what
 * `npm run cli -- kws a.wav --json` does (prints to stdout/stderr) and returns the exit code. Each
 * command lives in `commands/<name>.ts` and is loaded only when called, so `inspect` does not start
 * tfjs-tflite.
 */
import { isGruStreamError } from '../errors.js';
import { UsageError } from './usage.js';

const USAGE = `usage: npm run cli -- <command>

commands:
  inspect <file.tflite> [--json]   print the graph of a .tflite file (tensors, quantization, operators)
  kws <file.wav> [--json]          keyword detections in a WAV file (trained keyword model)
  sensors <file.csv> [--json]      anomaly events in a sensor CSV (trained sensor model)
  text <file.txt> [--json]         language of typed text, updated per character (trained text model)`;

type Command = (args: string[]) => Promise<void>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  inspect: async () => (await import('./commands/inspect.js')).inspect,
  kws: async () => (await import('./commands/kws.js')).kws,
  sensors: async () => (await import('./commands/sensors.js')).sensors,
  text: async () => (await import('./commands/text.js')).text,
};

/**
 * Runs one command.
 * @param argv the command and its arguments, as after `npm run cli --`
 * @returns the exit code: 0 done, 1 a coded error (printed as `error [CODE]: …`), 2 a usage error
 */
export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  // Own properties only: 'constructor' or '__proto__' are not commands.
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  try {
    if (!load) throw new UsageError(`unknown command '${command}'`);
    await (
      await load()
    )(rest);
    return 0;
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
