/**
 * A small helper to assemble a {@link GraphDesc} tensor by tensor and op by op.
 */
import type { GraphDesc, OpOptions, OperatorDesc, Quantization, TensorDesc } from './graph.js';

export class GraphBuilder {
  private readonly tensors: TensorDesc[] = [];
  private readonly operators: OperatorDesc[] = [];
  private readonly byName = new Map<string, number>();

  /** Adds a tensor; names must be unique (they are how runners and calibration find tensors). */
  tensor(name: string, shape: number[], type: TensorDesc['type'], quantization?: Quantization): number {
    if (this.byName.has(name)) throw new Error(`GraphBuilder: duplicate tensor name '${name}'`);
    const t: TensorDesc = { name, shape, type };
    if (quantization) t.quantization = quantization;
    this.tensors.push(t);
    this.byName.set(name, this.tensors.length - 1);
    return this.tensors.length - 1;
  }

  /** Adds a constant tensor holding `data` (typed array of the element type, little-endian host). */
  constant(
    name: string,
    shape: number[],
    type: TensorDesc['type'],
    data: Float32Array | Int8Array | Int32Array | Uint8Array,
    quantization?: Quantization,
  ): number {
    const i = this.tensor(name, shape, type, quantization);
    this.tensors[i]!.data = new Uint8Array(
      data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
    );
    return i;
  }

  op(op: string, inputs: number[], outputs: number[], options?: OpOptions): void {
    const o: OperatorDesc = { op, inputs, outputs };
    if (options) o.options = options;
    this.operators.push(o);
  }

  /** Index of a tensor by name (throws if absent). */
  index(name: string): number {
    const i = this.byName.get(name);
    if (i === undefined) throw new Error(`GraphBuilder: no tensor '${name}'`);
    return i;
  }

  nameOf(i: number): string {
    return this.at(i).name;
  }

  quantizationOf(i: number): Quantization {
    const q = this.at(i).quantization;
    if (!q) throw new Error(`GraphBuilder: tensor '${this.at(i).name}' is not quantized`);
    return q;
  }

  private at(i: number): TensorDesc {
    const t = this.tensors[i];
    if (!t) throw new Error(`GraphBuilder: no tensor #${i}`);
    return t;
  }

  build(
    inputs: number[],
    outputs: number[],
    description: string,
    metadata: GraphDesc['metadata'] = [],
  ): GraphDesc {
    return {
      version: 3,
      description,
      tensors: this.tensors,
      operators: this.operators,
      inputs,
      outputs,
      metadata,
    };
  }
}
