/**
 * Hand-written constants for the part of the TFLite flatbuffer schema this library reads and writes.
 *
 * Every number here is a fact copied from tensorflow/compiler/mlir/lite/schema/schema.fbs (the file
 * tensorflow/lite/schema/schema.fbs points to): enum values, union member order and table field ids.
 * They must never be "tidied": a changed number silently produces files the interpreter misreads.
 * A field's id is its position in its table declaration, counting a union field as two ids (the
 * hidden `<name>_type` byte first, then the value offset); its vtable slot is 4 + 2 * id bytes.
 */

/** `file_identifier "TFL3"`: bytes 4..8 of every TFLite file. */
export const FILE_IDENTIFIER = 'TFL3';

/** Current schema version (`Model.version`); the interpreter refuses any other value. */
export const SCHEMA_VERSION = 3;

/** `enum TensorType : byte`. */
export const TENSOR_TYPE = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  STRING: 5,
  BOOL: 6,
  INT16: 7,
  COMPLEX64: 8,
  INT8: 9,
  FLOAT64: 10,
  COMPLEX128: 11,
  UINT64: 12,
  RESOURCE: 13,
  VARIANT: 14,
  UINT32: 15,
  UINT16: 16,
  INT4: 17,
  BFLOAT16: 18,
} as const;

export type TensorTypeName = keyof typeof TENSOR_TYPE;

/**
 * Bytes per element of a dense tensor, by schema type name. Absent where the size is not a whole
 * number of bytes per element (INT4 packs two per byte) or not fixed (STRING, RESOURCE, VARIANT):
 * those tensors' buffer lengths cannot be checked against their shapes.
 */
export const ELEMENT_SIZE: Partial<Record<TensorTypeName, number>> = {
  FLOAT32: 4,
  FLOAT16: 2,
  INT32: 4,
  UINT8: 1,
  INT64: 8,
  BOOL: 1,
  INT16: 2,
  COMPLEX64: 8,
  INT8: 1,
  FLOAT64: 8,
  COMPLEX128: 16,
  UINT64: 8,
  UINT32: 4,
  UINT16: 2,
  BFLOAT16: 2,
};

/** `enum ActivationFunctionType : byte`. */
export const ACTIVATION_FUNCTION = {
  NONE: 0,
  RELU: 1,
  RELU_N1_TO_1: 2,
  RELU6: 3,
  TANH: 4,
  SIGN_BIT: 5,
} as const;

/** `enum FullyConnectedOptionsWeightsFormat : byte`. */
export const FC_WEIGHTS_FORMAT = { DEFAULT: 0, SHUFFLED4x16INT8: 1 } as const;

/** `enum BuiltinOperator : int32`, complete, so the reader can name any builtin op. */
export const BUILTIN_OPERATOR = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEPTH_TO_SPACE: 5,
  DEQUANTIZE: 6,
  EMBEDDING_LOOKUP: 7,
  FLOOR: 8,
  FULLY_CONNECTED: 9,
  HASHTABLE_LOOKUP: 10,
  L2_NORMALIZATION: 11,
  L2_POOL_2D: 12,
  LOCAL_RESPONSE_NORMALIZATION: 13,
  LOGISTIC: 14,
  LSH_PROJECTION: 15,
  LSTM: 16,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU_N1_TO_1: 20,
  RELU6: 21,
  RESHAPE: 22,
  RESIZE_BILINEAR: 23,
  RNN: 24,
  SOFTMAX: 25,
  SPACE_TO_DEPTH: 26,
  SVDF: 27,
  TANH: 28,
  CONCAT_EMBEDDINGS: 29,
  SKIP_GRAM: 30,
  CALL: 31,
  CUSTOM: 32,
  EMBEDDING_LOOKUP_SPARSE: 33,
  PAD: 34,
  UNIDIRECTIONAL_SEQUENCE_RNN: 35,
  GATHER: 36,
  BATCH_TO_SPACE_ND: 37,
  SPACE_TO_BATCH_ND: 38,
  TRANSPOSE: 39,
  MEAN: 40,
  SUB: 41,
  DIV: 42,
  SQUEEZE: 43,
  UNIDIRECTIONAL_SEQUENCE_LSTM: 44,
  STRIDED_SLICE: 45,
  BIDIRECTIONAL_SEQUENCE_RNN: 46,
  EXP: 47,
  TOPK_V2: 48,
  SPLIT: 49,
  LOG_SOFTMAX: 50,
  DELEGATE: 51,
  BIDIRECTIONAL_SEQUENCE_LSTM: 52,
  CAST: 53,
  PRELU: 54,
  MAXIMUM: 55,
  ARG_MAX: 56,
  MINIMUM: 57,
  LESS: 58,
  NEG: 59,
  PADV2: 60,
  GREATER: 61,
  GREATER_EQUAL: 62,
  LESS_EQUAL: 63,
  SELECT: 64,
  SLICE: 65,
  SIN: 66,
  TRANSPOSE_CONV: 67,
  SPARSE_TO_DENSE: 68,
  TILE: 69,
  EXPAND_DIMS: 70,
  EQUAL: 71,
  NOT_EQUAL: 72,
  LOG: 73,
  SUM: 74,
  SQRT: 75,
  RSQRT: 76,
  SHAPE: 77,
  POW: 78,
  ARG_MIN: 79,
  FAKE_QUANT: 80,
  REDUCE_PROD: 81,
  REDUCE_MAX: 82,
  PACK: 83,
  LOGICAL_OR: 84,
  ONE_HOT: 85,
  LOGICAL_AND: 86,
  LOGICAL_NOT: 87,
  UNPACK: 88,
  REDUCE_MIN: 89,
  FLOOR_DIV: 90,
  REDUCE_ANY: 91,
  SQUARE: 92,
  ZEROS_LIKE: 93,
  FILL: 94,
  FLOOR_MOD: 95,
  RANGE: 96,
  RESIZE_NEAREST_NEIGHBOR: 97,
  LEAKY_RELU: 98,
  SQUARED_DIFFERENCE: 99,
  MIRROR_PAD: 100,
  ABS: 101,
  SPLIT_V: 102,
  UNIQUE: 103,
  CEIL: 104,
  REVERSE_V2: 105,
  ADD_N: 106,
  GATHER_ND: 107,
  COS: 108,
  WHERE: 109,
  RANK: 110,
  ELU: 111,
  REVERSE_SEQUENCE: 112,
  MATRIX_DIAG: 113,
  QUANTIZE: 114,
  MATRIX_SET_DIAG: 115,
  ROUND: 116,
  HARD_SWISH: 117,
  IF: 118,
  WHILE: 119,
  NON_MAX_SUPPRESSION_V4: 120,
  NON_MAX_SUPPRESSION_V5: 121,
  SCATTER_ND: 122,
  SELECT_V2: 123,
  DENSIFY: 124,
  SEGMENT_SUM: 125,
  BATCH_MATMUL: 126,
  PLACEHOLDER_FOR_GREATER_OP_CODES: 127,
  CUMSUM: 128,
  CALL_ONCE: 129,
  BROADCAST_TO: 130,
  RFFT2D: 131,
  CONV_3D: 132,
  IMAG: 133,
  REAL: 134,
  COMPLEX_ABS: 135,
  HASHTABLE: 136,
  HASHTABLE_FIND: 137,
  HASHTABLE_IMPORT: 138,
  HASHTABLE_SIZE: 139,
  REDUCE_ALL: 140,
  CONV_3D_TRANSPOSE: 141,
  VAR_HANDLE: 142,
  READ_VARIABLE: 143,
  ASSIGN_VARIABLE: 144,
  BROADCAST_ARGS: 145,
  RANDOM_STANDARD_NORMAL: 146,
  BUCKETIZE: 147,
  RANDOM_UNIFORM: 148,
  MULTINOMIAL: 149,
  GELU: 150,
  DYNAMIC_UPDATE_SLICE: 151,
  RELU_0_TO_1: 152,
  UNSORTED_SEGMENT_PROD: 153,
  UNSORTED_SEGMENT_MAX: 154,
  UNSORTED_SEGMENT_SUM: 155,
  ATAN2: 156,
  UNSORTED_SEGMENT_MIN: 157,
  SIGN: 158,
  BITCAST: 159,
  BITWISE_XOR: 160,
  RIGHT_SHIFT: 161,
  STABLEHLO_LOGISTIC: 162,
  STABLEHLO_ADD: 163,
  STABLEHLO_DIVIDE: 164,
  STABLEHLO_MULTIPLY: 165,
  STABLEHLO_MAXIMUM: 166,
  STABLEHLO_RESHAPE: 167,
  STABLEHLO_CLAMP: 168,
  STABLEHLO_CONCATENATE: 169,
  STABLEHLO_BROADCAST_IN_DIM: 170,
  STABLEHLO_CONVOLUTION: 171,
  STABLEHLO_SLICE: 172,
  STABLEHLO_CUSTOM_CALL: 173,
  STABLEHLO_REDUCE: 174,
  STABLEHLO_ABS: 175,
  STABLEHLO_AND: 176,
  STABLEHLO_COSINE: 177,
  STABLEHLO_EXPONENTIAL: 178,
  STABLEHLO_FLOOR: 179,
  STABLEHLO_LOG: 180,
  STABLEHLO_MINIMUM: 181,
  STABLEHLO_NEGATE: 182,
  STABLEHLO_OR: 183,
  STABLEHLO_POWER: 184,
  STABLEHLO_REMAINDER: 185,
  STABLEHLO_RSQRT: 186,
  STABLEHLO_SELECT: 187,
  STABLEHLO_SUBTRACT: 188,
  STABLEHLO_TANH: 189,
  STABLEHLO_SCATTER: 190,
  STABLEHLO_COMPARE: 191,
  STABLEHLO_CONVERT: 192,
  STABLEHLO_DYNAMIC_SLICE: 193,
  STABLEHLO_DYNAMIC_UPDATE_SLICE: 194,
  STABLEHLO_PAD: 195,
  STABLEHLO_IOTA: 196,
  STABLEHLO_DOT_GENERAL: 197,
  STABLEHLO_REDUCE_WINDOW: 198,
  STABLEHLO_SORT: 199,
  STABLEHLO_WHILE: 200,
  STABLEHLO_GATHER: 201,
  STABLEHLO_TRANSPOSE: 202,
  DILATE: 203,
  STABLEHLO_RNG_BIT_GENERATOR: 204,
  REDUCE_WINDOW: 205,
  STABLEHLO_COMPOSITE: 206,
  COMPLEX: 207,
} as const;

export type BuiltinOperatorName = keyof typeof BUILTIN_OPERATOR;

/**
 * `OperatorCode.deprecated_builtin_code` is a signed byte, so codes from this value up live only in
 * `builtin_code`; writers store min(code, 127) in the old field and readers take the max of both.
 */
export const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

/**
 * Members of `union BuiltinOptions`, in declaration order. A union's type id is its member's
 * position + 1 (0 is NONE), so this list doubles as the id table; it is complete so the reader can
 * name any options type in an error message.
 */
export const BUILTIN_OPTIONS_MEMBERS = [
  'Conv2DOptions',
  'DepthwiseConv2DOptions',
  'ConcatEmbeddingsOptions',
  'LSHProjectionOptions',
  'Pool2DOptions',
  'SVDFOptions',
  'RNNOptions',
  'FullyConnectedOptions',
  'SoftmaxOptions',
  'ConcatenationOptions',
  'AddOptions',
  'L2NormOptions',
  'LocalResponseNormalizationOptions',
  'LSTMOptions',
  'ResizeBilinearOptions',
  'CallOptions',
  'ReshapeOptions',
  'SkipGramOptions',
  'SpaceToDepthOptions',
  'EmbeddingLookupSparseOptions',
  'MulOptions',
  'PadOptions',
  'GatherOptions',
  'BatchToSpaceNDOptions',
  'SpaceToBatchNDOptions',
  'TransposeOptions',
  'ReducerOptions',
  'SubOptions',
  'DivOptions',
  'SqueezeOptions',
  'SequenceRNNOptions',
  'StridedSliceOptions',
  'ExpOptions',
  'TopKV2Options',
  'SplitOptions',
  'LogSoftmaxOptions',
  'CastOptions',
  'DequantizeOptions',
  'MaximumMinimumOptions',
  'ArgMaxOptions',
  'LessOptions',
  'NegOptions',
  'PadV2Options',
  'GreaterOptions',
  'GreaterEqualOptions',
  'LessEqualOptions',
  'SelectOptions',
  'SliceOptions',
  'TransposeConvOptions',
  'SparseToDenseOptions',
  'TileOptions',
  'ExpandDimsOptions',
  'EqualOptions',
  'NotEqualOptions',
  'ShapeOptions',
  'PowOptions',
  'ArgMinOptions',
  'FakeQuantOptions',
  'PackOptions',
  'LogicalOrOptions',
  'OneHotOptions',
  'LogicalAndOptions',
  'LogicalNotOptions',
  'UnpackOptions',
  'FloorDivOptions',
  'SquareOptions',
  'ZerosLikeOptions',
  'FillOptions',
  'BidirectionalSequenceLSTMOptions',
  'BidirectionalSequenceRNNOptions',
  'UnidirectionalSequenceLSTMOptions',
  'FloorModOptions',
  'RangeOptions',
  'ResizeNearestNeighborOptions',
  'LeakyReluOptions',
  'SquaredDifferenceOptions',
  'MirrorPadOptions',
  'AbsOptions',
  'SplitVOptions',
  'UniqueOptions',
  'ReverseV2Options',
  'AddNOptions',
  'GatherNdOptions',
  'CosOptions',
  'WhereOptions',
  'RankOptions',
  'ReverseSequenceOptions',
  'MatrixDiagOptions',
  'QuantizeOptions',
  'MatrixSetDiagOptions',
  'HardSwishOptions',
  'IfOptions',
  'WhileOptions',
  'DepthToSpaceOptions',
  'NonMaxSuppressionV4Options',
  'NonMaxSuppressionV5Options',
  'ScatterNdOptions',
  'SelectV2Options',
  'DensifyOptions',
  'SegmentSumOptions',
  'BatchMatMulOptions',
  'CumsumOptions',
  'CallOnceOptions',
  'BroadcastToOptions',
  'Rfft2dOptions',
  'Conv3DOptions',
  'HashtableOptions',
  'HashtableFindOptions',
  'HashtableImportOptions',
  'HashtableSizeOptions',
  'VarHandleOptions',
  'ReadVariableOptions',
  'AssignVariableOptions',
  'RandomOptions',
  'BucketizeOptions',
  'GeluOptions',
  'DynamicUpdateSliceOptions',
  'UnsortedSegmentProdOptions',
  'UnsortedSegmentMaxOptions',
  'UnsortedSegmentMinOptions',
  'UnsortedSegmentSumOptions',
  'ATan2Options',
  'SignOptions',
  'BitcastOptions',
  'BitwiseXorOptions',
  'RightShiftOptions',
] as const;

/** `union BuiltinOptions` type ids of the option tables this library writes and reads. */
export const BUILTIN_OPTIONS = {
  NONE: 0,
  Conv2DOptions: 1,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  MulOptions: 21,
  SubOptions: 28,
  DivOptions: 29,
  DequantizeOptions: 38,
  QuantizeOptions: 89,
  LeakyReluOptions: 75,
} as const;

// Field ids, per table, in declaration order.

/** `table Model`. */
export const MODEL = {
  version: 0,
  operator_codes: 1,
  subgraphs: 2,
  description: 3,
  buffers: 4,
  metadata_buffer: 5,
  metadata: 6,
  signature_defs: 7,
} as const;

/** `table SubGraph`. */
export const SUBGRAPH = { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 } as const;

/** `table Tensor`. */
export const TENSOR = {
  shape: 0,
  type: 1,
  buffer: 2,
  name: 3,
  quantization: 4,
  is_variable: 5,
  sparsity: 6,
  shape_signature: 7,
  has_rank: 8,
  variant_tensors: 9,
} as const;

/** `table Buffer`. `offset`/`size` locate data stored after the flatbuffer (models over 2 GB). */
export const BUFFER = { data: 0, offset: 1, size: 2 } as const;

/** `table Operator`. `builtin_options` is a union: its type byte is id 3, its value id 4. */
export const OPERATOR = {
  opcode_index: 0,
  inputs: 1,
  outputs: 2,
  builtin_options_type: 3,
  builtin_options: 4,
  custom_options: 5,
  custom_options_format: 6,
  mutating_variable_inputs: 7,
  intermediates: 8,
  large_custom_options_offset: 9,
  large_custom_options_size: 10,
  builtin_options_2_type: 11,
  builtin_options_2: 12,
} as const;

/** `table OperatorCode`. `version` defaults to 1. */
export const OPERATOR_CODE = {
  deprecated_builtin_code: 0,
  custom_code: 1,
  version: 2,
  builtin_code: 3,
} as const;

/** `table QuantizationParameters`. `details` is a union: type id 4, value id 5. */
export const QUANTIZATION = {
  min: 0,
  max: 1,
  scale: 2,
  zero_point: 3,
  details_type: 4,
  details: 5,
  quantized_dimension: 6,
} as const;

/** `table Metadata`. */
export const METADATA = { name: 0, buffer: 1 } as const;

/** `table FullyConnectedOptions`. */
export const FULLY_CONNECTED_OPTIONS = {
  fused_activation_function: 0,
  weights_format: 1,
  keep_num_dims: 2,
  asymmetric_quantize_inputs: 3,
  quantized_bias_type: 4,
} as const;

/** `table Conv2DOptions`. */
export const CONV_2D_OPTIONS = {
  padding: 0,
  stride_w: 1,
  stride_h: 2,
  fused_activation_function: 3,
  dilation_w_factor: 4,
  dilation_h_factor: 5,
  quantized_bias_type: 6,
} as const;

/** `table Pool2DOptions`. */
export const POOL_2D_OPTIONS = {
  padding: 0,
  stride_w: 1,
  stride_h: 2,
  filter_width: 3,
  filter_height: 4,
  fused_activation_function: 5,
} as const;

/** `table LeakyReluOptions`. */
export const LEAKY_RELU_OPTIONS = { alpha: 0 } as const;

/** `enum Padding : byte`. */
export const PADDING = { SAME: 0, VALID: 1 } as const;

/** `table SoftmaxOptions`. `beta` has no schema default (0) but TFLite converters always write it. */
export const SOFTMAX_OPTIONS = { beta: 0 } as const;

/** `table ConcatenationOptions`. */
export const CONCATENATION_OPTIONS = { axis: 0, fused_activation_function: 1 } as const;

/** `table AddOptions`. `pot_scale_int16` defaults to true. */
export const ADD_OPTIONS = { fused_activation_function: 0, pot_scale_int16: 1 } as const;

/** `table SubOptions`. `pot_scale_int16` defaults to true. */
export const SUB_OPTIONS = { fused_activation_function: 0, pot_scale_int16: 1 } as const;

/** `table MulOptions`. */
export const MUL_OPTIONS = { fused_activation_function: 0 } as const;

/** `table DivOptions`. */
export const DIV_OPTIONS = { fused_activation_function: 0 } as const;

const OPERATOR_NAMES_BY_CODE = new Map<number, BuiltinOperatorName>(
  (Object.entries(BUILTIN_OPERATOR) as [BuiltinOperatorName, number][]).map(([name, code]) => [code, name]),
);

const TENSOR_TYPE_NAMES_BY_CODE = new Map<number, TensorTypeName>(
  (Object.entries(TENSOR_TYPE) as [TensorTypeName, number][]).map(([name, code]) => [code, name]),
);

const ACTIVATION_NAMES_BY_CODE = new Map<number, keyof typeof ACTIVATION_FUNCTION>(
  (Object.entries(ACTIVATION_FUNCTION) as [keyof typeof ACTIVATION_FUNCTION, number][]).map(
    ([name, code]) => [code, name],
  ),
);

/** Schema name of a builtin operator code, or undefined when the code is not in the enum. */
export function builtinOperatorName(code: number): BuiltinOperatorName | undefined {
  return OPERATOR_NAMES_BY_CODE.get(code);
}

/** Code of a builtin operator name, or undefined when it is not in the enum. */
export function builtinOperatorCode(name: string): number | undefined {
  return Object.hasOwn(BUILTIN_OPERATOR, name) ? BUILTIN_OPERATOR[name as BuiltinOperatorName] : undefined;
}

/** Schema name (upper case) of a tensor type code, or undefined when the code is not in the enum. */
export function tensorTypeName(code: number): TensorTypeName | undefined {
  return TENSOR_TYPE_NAMES_BY_CODE.get(code);
}

/** Tensor type code of a GraphDesc type name ('float32', any case), or undefined. */
export function tensorTypeCode(name: string): number | undefined {
  const upper = name.toUpperCase();
  return Object.hasOwn(TENSOR_TYPE, upper) ? TENSOR_TYPE[upper as TensorTypeName] : undefined;
}

/** Bytes per element of a GraphDesc type name ('float32', any case), or undefined when not fixed. */
export function elementSize(name: string): number | undefined {
  return ELEMENT_SIZE[name.toUpperCase() as TensorTypeName];
}

/** Name of an ActivationFunctionType code, or undefined when the code is not in the enum. */
export function activationName(code: number): keyof typeof ACTIVATION_FUNCTION | undefined {
  return ACTIVATION_NAMES_BY_CODE.get(code);
}

/** Name of a `BuiltinOptions` union type id (for messages), e.g. 8 → 'FullyConnectedOptions'. */
export function builtinOptionsName(typeId: number): string {
  if (typeId === 0) return 'NONE';
  return BUILTIN_OPTIONS_MEMBERS[typeId - 1] ?? `unknown options type ${typeId}`;
}
