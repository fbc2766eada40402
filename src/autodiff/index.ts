/**
 * Reverse- and forward-mode automatic differentiation over float64 matrices: the tape, the operations models
 * are written in (`ops`), and the primitives with their derivative rules (`primitives`).
 *
 * @module
 */
export * from './primitive.js';
export * from './tape.js';
export * as ops from './ops.js';
export * as primitives from './primitives/index.js';
export { SCALAR_RULES, ACTIVATIONS, type ScalarName, type ScalarRule } from './primitives/elementwise.js';
