/** A mistake in how the CLI was called: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

export interface FileCommandSpec<F extends string, V extends string> {
  /** The command's name, for messages. */
  command: string;
  /** What the one file argument is, for the message when it is missing (e.g. 'a WAV file'). */
  fileKind: string;
  /** The usage line printed with every mistake. */
  usage: string;
  /** Options without a value (`--json`), by name without the dashes. */
  flags: readonly F[];
  /** Options with a value (`--model FILE`) and their defaults. */
  values: Record<V, string>;
}

export interface FileCommandArgs<F extends string, V extends string> {
  file: string;
  flags: Record<F, boolean>;
  values: Record<V, string>;
}

/**
 * Parses `<file> [--flag …] [--option value …]`, the shape of every file command (kws, sensors, text).
 * @throws UsageError naming the option or argument that is wrong, with the usage line
 */
export function parseFileCommand<F extends string, V extends string>(
  args: readonly string[],
  spec: FileCommandSpec<F, V>,
): FileCommandArgs<F, V> {
  const { command, usage } = spec;
  const flags = Object.fromEntries(spec.flags.map((f) => [f, false])) as Record<F, boolean>;
  const values = { ...spec.values };
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const name = a.slice(2);
    if (!a.startsWith('--')) {
      if (file !== undefined)
        throw new UsageError(`${command}: one file at a time, got '${file}' and '${a}'\n${usage}`);
      file = a;
    } else if ((spec.flags as readonly string[]).includes(name)) {
      flags[name as F] = true;
    } else if (Object.hasOwn(spec.values, name)) {
      const v = args[++i];
      if (v === undefined || v.startsWith('--'))
        throw new UsageError(`${command}: ${a} needs a value\n${usage}`);
      values[name as V] = v;
    } else {
      throw new UsageError(`${command}: unknown option ${a}\n${usage}`);
    }
  }
  if (file === undefined) throw new UsageError(`${command} needs ${spec.fileKind}\n${usage}`);
  return { file, flags, values };
}
