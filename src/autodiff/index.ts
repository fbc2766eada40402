/**
 * Reverse- and forward-mode automatic differentiation over float64 matrices.
 *
 * @module
 */
export * from './primitive.js';
export * from './tape.js';
export * as ops from './ops.js';
export { SCALAR_RULES, ACTIVATIONS, elementwise, type ScalarName, type ScalarRule } from './primitives/elementwise.js';
export { dense, add, sub, mul, scale, affineCols, type DenseAttrs } from './primitives/linear.js';
export { layerNorm, batchNorm, type NormAttrs } from './primitives/normalise.js';
export { softmax, logSoftmax } from './primitives/softmax.js';
export { sum, mean } from './primitives/reduce.js';
