/**
 * Squared loss L = 1/2 |y - y*|^2, for any number of outputs; the paper's Remark 3 example, whose loss
 * derivative is the residual L' = y - y*.
 *
 * @module
 * @claim rem.loss-derivatives
 */
import { identity, type Matrix } from '../core/matrix.js';
import { checkExample, checkOutputCount, type Loss } from './loss.js';

/**
 * Squared loss: L = 1/2 sum_k (y_k - y*_k)^2, L' = y - y*, L'' = I; a target has O numbers.
 *
 * @claim rem.loss-derivatives
 */
export const squared: Loss = {
  name: 'squared',
  check: (outputDim) => checkOutputCount('squared', outputDim, 1, Infinity, 'any number of outputs'),
  targetDim: (outputDim) => outputDim,
  value(y, yStar) {
    checkExample(squared, y, yStar);
    let s = 0;
    for (let k = 0; k < y.length; k++) {
      const r = y[k]! - yStar[k]!;
      s += r * r;
    }
    return 0.5 * s;
  },
  derivative(y, yStar) {
    checkExample(squared, y, yStar);
    const out = new Float64Array(y.length);
    for (let k = 0; k < y.length; k++) out[k] = y[k]! - yStar[k]!;
    return out;
  },
  secondDerivative(y, yStar): Matrix {
    checkExample(squared, y, yStar);
    return identity(y.length);
  },
};
