/**
 * The loss -ln p of the paper's Remark 3: the model's single output y is the probability it gives the
 * correct class, so the target carries no information (one number is still expected, and ignored, so that
 * every loss sees the same data layout). Remark 3 states L' = -1/p.
 *
 * @module
 * @claim rem.loss-derivatives
 */
import { matrix, type Matrix } from '../core/matrix.js';
import { checkExample, checkOutputCount, type Loss } from './loss.js';

// y > 1 is not a probability, but the formulas stay smooth there, so a model that overshoots is not an error.
function probability(y: Float64Array): number {
  const p = y[0]!;
  if (!(p > 0) || !Number.isFinite(p)) {
    throw new RangeError(`negLogProb: the output y = ${p} is not a positive finite probability, so -ln y is undefined`);
  }
  return p;
}

/**
 * Negative log-probability: L = -ln y, L' = -1/y, L'' = 1/y^2; O = 1 (the probability of the correct
 * class, y > 0), a target is one number and is ignored.
 *
 * @claim rem.loss-derivatives
 */
export const negLogProb: Loss = {
  name: 'negLogProb',
  check: (outputDim) => checkOutputCount('negLogProb', outputDim, 1, 1, '1 output (the probability of the correct class)'),
  targetDim: () => 1,
  value(y, yStar) {
    checkExample(negLogProb, y, yStar);
    return -Math.log(probability(y));
  },
  derivative(y, yStar) {
    checkExample(negLogProb, y, yStar);
    return Float64Array.of(-1 / probability(y));
  },
  secondDerivative(y, yStar): Matrix {
    checkExample(negLogProb, y, yStar);
    const p = probability(y);
    return matrix(1, 1, [1 / (p * p)]);
  },
};
