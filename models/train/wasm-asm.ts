/**
 * Just enough of a WebAssembly assembler to write the training kernels by hand: LEB128 encoding, the
 * instructions they use (core 2.0 + fixed-width SIMD), counted loops, and one-memory modules.
 * No package and no toolchain: the kernels are data here, checked by `WebAssembly.Module` on load.
 */

export const I32 = 0x7f;
export const V128 = 0x7b;
type ValType = typeof I32 | typeof V128;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const utf8 = (s: string): number[] => [...uleb(s.length), ...new TextEncoder().encode(s)];

/** Instruction encoders. Memory access alignment hints are 4 bytes: every operand is float-aligned. */
export const op = {
  get: (i: number): number[] => [0x20, ...uleb(i)],
  set: (i: number): number[] => [0x21, ...uleb(i)],
  i32: (n: number): number[] => [0x41, ...sleb(n)],
  add: [0x6a],
  mul: [0x6c],
  ltU: [0x49],
  eqz: [0x45],
  if: [0x04, 0x40],
  end: [0x0b],
  vLoad: (offset: number): number[] => [0xfd, 0x00, 2, ...uleb(offset)],
  vLoadSplat: (offset: number): number[] => [0xfd, 0x09, 2, ...uleb(offset)],
  vStore: (offset: number): number[] => [0xfd, 0x0b, 2, ...uleb(offset)],
  /** Four copies of one float. */
  vConst: (x: number): number[] => {
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < 4; i++) dv.setFloat32(4 * i, x, true);
    return [0xfd, 0x0c, ...b];
  },
  fAdd: [0xfd, 0xe4, 0x01],
  fSub: [0xfd, 0xe5, 0x01],
  fMul: [0xfd, 0xe6, 0x01],
  fDiv: [0xfd, 0xe7, 0x01],
  fMin: [0xfd, 0xe8, 0x01],
  fMax: [0xfd, 0xe9, 0x01],
};

/** One function: i32 parameters, no results, locals allocated on demand. */
export class FunctionBuilder {
  private readonly localTypes: ValType[] = [];
  private readonly code: number[] = [];

  constructor(
    readonly name: string,
    readonly params: number,
  ) {}

  /** A new local of `type`; returns its index. */
  local(type: ValType): number {
    this.localTypes.push(type);
    return this.params + this.localTypes.length - 1;
  }

  emit(...parts: number[][]): this {
    for (const p of parts) this.code.push(...p);
    return this;
  }

  /** `for (counter = 0; counter < limit; counter++) body()`; `limit` is a local or parameter. */
  loop(counter: number, limit: number, body: () => void): this {
    this.emit(op.i32(0), op.set(counter), [0x02, 0x40], [0x03, 0x40]);
    this.emit(op.get(counter), op.get(limit), op.ltU, op.eqz, [0x0d, 1]);
    body();
    this.emit(op.get(counter), op.i32(1), op.add, op.set(counter), [0x0c, 0], op.end, op.end);
    return this;
  }

  /** `local += step` for i32 locals; `step` is a local or parameter. */
  advance(local: number, step: number): this {
    return this.emit(op.get(local), op.get(step), op.add, op.set(local));
  }

  /** The code-section entry: locals in runs of one type, the body, `end`. */
  encode(): number[] {
    const runs: number[][] = [];
    for (let i = 0; i < this.localTypes.length;) {
      let j = i;
      while (j < this.localTypes.length && this.localTypes[j] === this.localTypes[i]) j++;
      runs.push([...uleb(j - i), this.localTypes[i]!]);
      i = j;
    }
    const body = [...vec(runs), ...this.code, ...op.end];
    return [...uleb(body.length), ...body];
  }
}

/** A module importing `env.memory` and exporting every function under its name. */
export function assembleModule(functions: FunctionBuilder[]): Uint8Array<ArrayBuffer> {
  const arities = [...new Set(functions.map((f) => f.params))];
  const types = arities.map((n) => [0x60, ...vec(new Array<number[]>(n).fill([I32])), ...vec([])]);
  const memoryImport = [...utf8('env'), ...utf8('memory'), 0x02, 0x00, ...uleb(1)];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, vec([memoryImport])),
    ...section(3, vec(functions.map((f) => uleb(arities.indexOf(f.params))))),
    ...section(7, vec(functions.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(functions.map((f) => f.encode()))),
  ];
  return new Uint8Array(bytes);
}
