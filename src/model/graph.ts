/**
 * A plain, format-neutral description of a TFLite graph: what the writer serialises and what the
 * reader parses back. It holds only data (no methods) so it can be compared, printed and sent across
 * a worker boundary as it is.
 */

/** Element types this library writes; the reader may also report other schema names as strings. */
export type TensorType = 'float32' | 'float16' | 'int32' | 'int8' | 'uint8' | 'int16' | 'int64' | 'bool';

/** Affine quantization: real = scale * (q - zeroPoint), per tensor (length 1) or per channel. */
export interface Quantization {
  scale: number[];
  zeroPoint: number[];
  /** Axis the per-channel arrays run along (ignored when there is one scale). Default 0. */
  quantizedDimension: number;
  /** Calibrated float range, informational only. */
  min?: number[];
  max?: number[];
}

export interface TensorDesc {
  name: string;
  shape: number[];
  /** Schema type name; the writer accepts only {@link TensorType}. */
  type: TensorType | string;
  /** Little-endian bytes of a constant tensor; absent for activations and graph inputs. */
  data?: Uint8Array;
  quantization?: Quantization;
}

/** Activation fused into ADD / SUB / MUL / FULLY_CONNECTED / CONCATENATION. */
export type FusedActivation = 'NONE' | 'RELU' | 'RELU_N1_TO_1' | 'RELU6' | 'TANH' | 'SIGN_BIT';

export interface OpOptions {
  fusedActivation?: FusedActivation;
  /** SOFTMAX only. Default 1. */
  beta?: number;
  /** CONCATENATION only. */
  axis?: number;
  /** FULLY_CONNECTED only. Default false. */
  keepNumDims?: boolean;
  /** CONV_2D and MAX_POOL_2D: 'SAME' pads so the output is ⌈in/stride⌉; 'VALID' does not pad. */
  padding?: 'SAME' | 'VALID';
  /** CONV_2D and MAX_POOL_2D strides along width and height. Default 1. */
  strideW?: number;
  strideH?: number;
  /** CONV_2D dilation factors. Default 1. */
  dilationW?: number;
  dilationH?: number;
  /** MAX_POOL_2D window. */
  filterW?: number;
  filterH?: number;
  /** LEAKY_RELU slope for negative inputs. */
  alpha?: number;
}

export interface OperatorDesc {
  /** Builtin operator name as in the schema (e.g. 'FULLY_CONNECTED'), or 'CUSTOM:<code>'. */
  op: string;
  /** Tensor indices; -1 marks an omitted optional input (e.g. no bias). */
  inputs: number[];
  outputs: number[];
  options?: OpOptions;
}

export interface GraphDesc {
  /** Schema version of the file (3 for every current TFLite file). */
  version: number;
  description: string;
  tensors: TensorDesc[];
  operators: OperatorDesc[];
  inputs: number[];
  outputs: number[];
  /** Named metadata buffers (TFLite `Model.metadata`). */
  metadata: { name: string; data: Uint8Array }[];
}
