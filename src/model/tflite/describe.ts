/**
 * Human-readable dump of a {@link GraphDesc}: what `npm run cli -- inspect file.tflite` prints.
 * Plain text, one line per tensor and operator, so it diffs well between two model builds.
 */
import type { GraphDesc, OpOptions, Quantization, TensorDesc } from '../graph.js';

/** Short number: 6 significant digits, no trailing zeros. */
function num(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB (${n} B)`;
  return `${(n / (1024 * 1024)).toFixed(2)} MiB (${n} B)`;
}

function range(values: number[]): string {
  if (values.length === 0) return '[]';
  // reduce, not Math.min(...values): spreading a long per-channel array can overflow the stack.
  const lo = values.reduce((a, b) => Math.min(a, b));
  const hi = values.reduce((a, b) => Math.max(a, b));
  return lo === hi ? num(lo) : `${num(lo)}..${num(hi)}`;
}

function quantization(q: Quantization): string {
  const parts: string[] = [];
  if (q.scale.length === 1) {
    parts.push(`scale=${num(q.scale[0] as number)} zp=${q.zeroPoint[0]}`);
  } else if (q.scale.length > 1) {
    parts.push(
      `per-channel x${q.scale.length} axis ${q.quantizedDimension} scale=${range(q.scale)} zp=${range(q.zeroPoint)}`,
    );
  }
  if (q.min !== undefined && q.max !== undefined && q.min.length > 0) {
    parts.push(
      q.min.length === 1
        ? `range [${num(q.min[0] as number)}, ${num(q.max[0] as number)}]`
        : `ranges x${q.min.length}`,
    );
  }
  return `q(${parts.join(', ')})`;
}

function tensorLine(t: TensorDesc, index: number): string {
  const parts = [`[${index}] ${t.name || '(unnamed)'}: ${t.type}[${t.shape.join(',')}]`];
  if (t.quantization !== undefined) parts.push(quantization(t.quantization));
  if (t.data !== undefined) parts.push(`const ${bytes(t.data.length)}`);
  return `  ${parts.join('  ')}`;
}

function options(o: OpOptions | undefined): string {
  if (o === undefined) return '';
  const parts = Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? num(v) : String(v)}`);
  return parts.length > 0 ? ` [${parts.join(' ')}]` : '';
}

const indices = (list: number[]): string => list.map((i) => (i === -1 ? '-' : String(i))).join(', ');

/**
 * Renders `g` as text: header, inputs/outputs with shape, type and quantization, every tensor
 * (quantization summary, constant size), every operator as `#i OP(inputs) -> outputs [options]`
 * with `-` for an omitted optional input, metadata, and totals (constant bytes, op counts).
 */
export function describeGraph(g: GraphDesc): string {
  const lines: string[] = [];
  lines.push(`TFLite model, schema version ${g.version}${g.description ? `: ${g.description}` : ''}`);

  const io = (title: string, list: number[]): void => {
    lines.push(`${title} (${list.length}):`);
    for (const i of list) {
      const t = g.tensors[i];
      lines.push(t === undefined ? `  [${i}] (missing tensor)` : tensorLine(t, i));
    }
  };
  io('Inputs', g.inputs);
  io('Outputs', g.outputs);

  lines.push(`Tensors (${g.tensors.length}):`);
  g.tensors.forEach((t, i) => lines.push(tensorLine(t, i)));

  lines.push(`Operators (${g.operators.length}):`);
  g.operators.forEach((op, i) => {
    lines.push(`  #${i} ${op.op}(${indices(op.inputs)}) -> ${indices(op.outputs)}${options(op.options)}`);
  });

  if (g.metadata.length > 0) {
    lines.push(`Metadata (${g.metadata.length}):`);
    for (const m of g.metadata) lines.push(`  ${m.name || '(unnamed)'}: ${bytes(m.data.length)}`);
  }

  const constants = g.tensors.filter((t) => t.data !== undefined);
  const constantBytes = constants.reduce((n, t) => n + (t.data?.length ?? 0), 0);
  const counts = new Map<string, number>();
  for (const op of g.operators) counts.set(op.op, (counts.get(op.op) ?? 0) + 1);
  const opSummary = [...counts].map(([name, n]) => `${name} x${n}`).join(', ');
  lines.push(
    `Totals: ${g.tensors.length} tensors (${constants.length} constant, ${bytes(constantBytes)}), ` +
      `${g.operators.length} operators${opSummary ? `: ${opSummary}` : ''}`,
  );
  return lines.join('\n');
}
