/**
 * Binary log loss on one logit z (O = 1), target y* in {0, 1}: L = softplus(z) - y* z, the negative
 * log-likelihood of a Bernoulli with probability sigmoid(z).
 *
 * Every formula is arranged so that no term overflows or cancels for large |z|: softplus(z) is
 * max(z, 0) + log1p(exp(-|z|)), and L' = sigmoid(z) - y* is computed as (1 - y*) sigmoid(z) - y* sigmoid(-z),
 * which keeps full relative accuracy when sigmoid(z) is within rounding of y*.
 *
 * @module
 */
import { matrix, type Matrix } from '../core/matrix.js';
import { checkExample, checkOutputCount, type Loss } from './loss.js';

// exp(-|z|) <= 1, so neither branch overflows.
function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

// A soft label in [0, 1] is accepted too: the formulas hold for any y* in that interval.
function label(yStar: Float64Array): number {
  const t = yStar[0]!;
  if (!(t >= 0 && t <= 1)) throw new RangeError(`binaryLogistic: target ${t} is not a label in [0, 1]`);
  return t;
}

function logit(y: Float64Array): number {
  const z = y[0]!;
  if (Number.isNaN(z)) throw new RangeError('binaryLogistic: the logit is NaN');
  return z;
}

/**
 * Binary log loss: L = softplus(z) - y* z, L' = sigmoid(z) - y*, L'' = sigmoid(z) (1 - sigmoid(z));
 * O = 1 (a logit), a target is one number, 0 or 1.
 */
export const binaryLogistic: Loss = {
  name: 'binaryLogistic',
  check: (outputDim) => checkOutputCount('binaryLogistic', outputDim, 1, 1, '1 output (a logit)'),
  targetDim: () => 1,
  value(y, yStar) {
    checkExample(binaryLogistic, y, yStar);
    const z = logit(y);
    const t = label(yStar);
    // Written as softplus(z) - t z; for t = 1 and large z both terms are near z, so the sum is formed
    // from max(z, 0) - t z first (exact for t in {0, 1}) before adding the small log1p term.
    return Math.max(z, 0) - t * z + Math.log1p(Math.exp(-Math.abs(z)));
  },
  derivative(y, yStar) {
    checkExample(binaryLogistic, y, yStar);
    const z = logit(y);
    const t = label(yStar);
    return Float64Array.of((1 - t) * sigmoid(z) - t * sigmoid(-z));
  },
  secondDerivative(y, yStar): Matrix {
    checkExample(binaryLogistic, y, yStar);
    const z = logit(y);
    label(yStar);
    return matrix(1, 1, [sigmoid(z) * sigmoid(-z)]);
  },
};

