/**
 * `text <file.txt> [--json] [--changes] [--model <file.tflite>]`: the language of typed text, updated on
 * every keystroke, through the real path: each line of the file is one text box (one stream, `line-N`),
 * and its characters are fed one per chunk, the way keystrokes arrive, through RxJS `inferMany` to the
 * worker's quantized GRU step; all lines are typed side by side, one character each per round.
 *
 * Output, per line in file order (blank lines are skipped):
 * - `--json`: one JSON line per character, `{"line","chars","label","score"}` (`chars`: characters
 *   typed so far, from 1; `label`/`score`: the top language and its probability after them).
 *   With `--changes`, only the characters where the label changed (the first always counts).
 * - otherwise one readable line per text line: the final label and score, from which character on
 *   the label no longer changed, and the text.
 */
import { DEFAULT_TEXT_MODEL } from '../default-models.js';
import { GruStreamError } from '../../errors.js';
import { CharEncoder } from '../../features/text.js';
import { createEngine, modelFamily, readModelFile } from '../../node.js';
import type { Chunk, WorkerEngineClient } from '../../node.js';
import { forEachPrediction } from '../predictions.js';
import { readInputFile } from '../../features/input-file-node.js';
import { parseFileCommand } from '../usage.js';
import { decodeTextFile } from '../text-input.js';

/** Characters in flight at once: lines are run in groups so a big file never floods the batcher. */
const GROUP_CHARS = 20_000;

/** The label after one character. */
export interface CharLabel {
  line: number;
  chars: number;
  label: string;
  score: number;
}

const USAGE = 'usage: npm run cli -- text <file.txt> [--json] [--changes] [--model <file.tflite>]';

function parseArgs(args: string[]): { file: string; json: boolean; changes: boolean; model: string } {
  const { file, flags, values } = parseFileCommand(args, {
    command: 'text',
    fileKind: 'a text file',
    usage: USAGE,
    flags: ['json', 'changes'],
    values: { model: DEFAULT_TEXT_MODEL },
  });
  return { file, json: flags.json, changes: flags.changes, model: values.model };
}

/** Runs lines through the engine, one character per chunk, all lines side by side. */
async function labelLines(
  engine: WorkerEngineClient,
  encoder: CharEncoder,
  lines: { line: number; chars: string[] }[],
): Promise<Map<number, CharLabel[]>> {
  const out = new Map(lines.map((l) => [l.line, [] as CharLabel[]]));
  const longest = Math.max(...lines.map((l) => l.chars.length));
  const chunks: Chunk[] = [];
  for (let k = 0; k < longest; k++) {
    for (const l of lines) {
      const ch = l.chars[k];
      if (ch !== undefined) chunks.push({ stream: `line-${l.line}`, frames: encoder.encode(ch) });
    }
  }
  await forEachPrediction(engine, chunks, (p) => {
    const line = Number(p.stream.slice(5));
    out.get(line)!.push({ line, chars: p.frame + 1, label: p.label!, score: p.score! });
  });
  return out;
}

export async function text(args: string[]): Promise<void> {
  const o = parseArgs(args);
  const { manifest } = readModelFile(o.model);
  const features = manifest.features;
  if (features?.kind !== 'text' || !manifest.labels) {
    throw new GruStreamError(
      'E_MANIFEST',
      `${o.model}: not a text model (needs features.kind 'text' and labels)`,
    );
  }
  const encoder = new CharEncoder(features.alphabet);
  const content = decodeTextFile(readInputFile(o.file), o.file);
  const lines = content
    .split(/\r?\n/)
    .map((l, i) => ({ line: i + 1, chars: [...l] }))
    .filter((l) => l.chars.some((c) => c.trim() !== ''));
  const models = modelFamily(o.model);
  const engine = await createEngine({ models });
  try {
    for (let i = 0; i < lines.length;) {
      const group: typeof lines = [];
      let chars = 0;
      while (i < lines.length && (group.length === 0 || chars + lines[i]!.chars.length <= GROUP_CHARS)) {
        chars += lines[i]!.chars.length;
        group.push(lines[i++]!);
      }
      const labels = await labelLines(engine, encoder, group);
      for (const l of group) print(l, labels.get(l.line)!, o);
    }
  } finally {
    await engine.dispose();
  }
}

function print(
  l: { line: number; chars: string[] },
  labels: CharLabel[],
  o: { json: boolean; changes: boolean },
): void {
  const round = (v: number): number => Number(v.toFixed(3));
  if (o.json) {
    let prev: string | undefined;
    for (const c of labels) {
      if (!o.changes || c.label !== prev) console.log(JSON.stringify({ ...c, score: round(c.score) }));
      prev = c.label;
    }
    return;
  }
  const last = labels.at(-1)!;
  let since = labels.length;
  while (since > 1 && labels[since - 2]!.label === last.label) since--;
  console.log(
    `line ${String(l.line).padEnd(4)} ${last.label} ${last.score.toFixed(2)}  ` +
      `(since char ${since} of ${labels.length})  ${l.chars.join('')}`,
  );
}
