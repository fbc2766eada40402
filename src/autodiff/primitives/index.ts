/**
 * Every primitive of the engine, each with its forward rule, VJP and JVP.
 *
 * @module
 */
export { SCALAR_RULES, ACTIVATIONS, elementwise, type ScalarName, type ScalarRule } from './elementwise.js';
export { dense, matmulPrimitive as matmul, biasAdd, add, sub, mul, scale, affineCols, type DenseAttrs } from './linear.js';
export { layerNorm, batchNorm, type NormAttrs, type BatchNormAttrs, type BatchStatistics } from './normalise.js';
export { softmax, logSoftmax } from './softmax.js';
export { sum, mean } from './reduce.js';
