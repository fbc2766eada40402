/**
 * The operations on tape nodes that models are written in. Each records one primitive.
 *
 * @module
 */
import type { Node } from './tape.js';
import { affineCols as affinePrim, add as addPrim, biasAdd as biasAddPrim, dense as densePrim, matmulPrimitive, mul as mulPrim, scale as scalePrim, sub as subPrim } from './primitives/linear.js';
import { elementwise, type ScalarName } from './primitives/elementwise.js';
import { batchNorm as batchNormPrim, layerNorm as layerNormPrim, type BatchStatistics } from './primitives/normalise.js';
import { logSoftmax as logSoftmaxPrim, softmax as softmaxPrim } from './primitives/softmax.js';
import { mean as meanPrim, sum as sumPrim } from './primitives/reduce.js';

/** z = alpha h W^T + beta 1 b^T (b optional). */
export function dense(h: Node, W: Node, b: Node | null, alpha = 1, beta = 1): Node {
  return h.tape.apply(densePrim, b ? [h, W, b] : [h, W], { alpha, beta });
}

/** A B (a general matrix product). */
export function matmul(a: Node, b: Node): Node {
  return a.tape.apply(matmulPrimitive, [a, b], undefined);
}

/** Z + 1 b^T: a bias row added to every row. */
export function biasAdd(z: Node, b: Node): Node {
  return z.tape.apply(biasAddPrim, [z, b], undefined);
}

/** f(x) entrywise, for any function of the table in primitives/elementwise. */
export function apply(name: ScalarName, x: Node): Node {
  return x.tape.apply(elementwise(name), [x], undefined);
}

/** a + b. */
export function add(a: Node, b: Node): Node {
  return a.tape.apply(addPrim, [a, b], undefined);
}

/** a - b. */
export function sub(a: Node, b: Node): Node {
  return a.tape.apply(subPrim, [a, b], undefined);
}

/** Entrywise a * b. */
export function mul(a: Node, b: Node): Node {
  return a.tape.apply(mulPrim, [a, b], undefined);
}

/** c * a. */
export function scale(a: Node, c: number): Node {
  return a.tape.apply(scalePrim, [a], { c });
}

/** z * gain + shift per feature. */
export function affineCols(z: Node, gain: Node, shift: Node): Node {
  return z.tape.apply(affinePrim, [z, gain, shift], undefined);
}

/** Layer normalisation of each row (no gain or shift). */
export function layerNorm(z: Node, eps = 1e-5): Node {
  return z.tape.apply(layerNormPrim, [z], { eps });
}

/**
 * Batch normalisation over the rows, training mode (no gain or shift). `statistics: 'frozen'` keeps the
 * forward value and holds the batch mean and variance fixed in the derivatives (the naive per-example form).
 */
export function batchNorm(z: Node, eps = 1e-5, statistics: BatchStatistics = 'coupled'): Node {
  return z.tape.apply(batchNormPrim, [z], { eps, statistics });
}

/** Softmax of each row. */
export function softmax(z: Node): Node {
  return z.tape.apply(softmaxPrim, [z], undefined);
}

/** Log-softmax of each row. */
export function logSoftmax(z: Node): Node {
  return z.tape.apply(logSoftmaxPrim, [z], undefined);
}

/** Sum of all entries (1 x 1). */
export function sum(a: Node): Node {
  return a.tape.apply(sumPrim, [a], undefined);
}

/** Mean of all entries (1 x 1). */
export function mean(a: Node): Node {
  return a.tape.apply(meanPrim, [a], undefined);
}
