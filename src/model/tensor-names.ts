/** Tensor names every GRU-step model of this library uses (also written to the manifest). */
export const STEP_TENSOR_NAMES = { x: 'x', h: 'h', y: 'y', hOut: 'h_out' } as const;
