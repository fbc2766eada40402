/**
 * Huber loss with threshold delta, summed over the O coordinates of the residual r = y - y*: quadratic for
 * small residuals, linear beyond delta, so that outliers pull with a bounded force.
 *
 * @module
 */
import { SpecError } from '../core/specError.js';
import { matrix, type Matrix } from '../core/matrix.js';
import { checkExample, checkOutputCount, type Loss } from './loss.js';

/**
 * Huber loss: L = sum_k h(r_k) with r = y - y*, h(r) = 1/2 r^2 if |r| <= delta else delta (|r| - delta/2);
 * L'_k = r_k if |r_k| <= delta else delta sign(r_k); L'' = diag(1 if |r_k| <= delta else 0). At |r| = delta,
 * where L'' jumps, the quadratic branch's value 1 is returned.
 *
 * @param delta - the threshold, positive and finite (default 1).
 */
export function huber(delta = 1): Loss {
  if (!(delta > 0 && Number.isFinite(delta))) {
    throw new SpecError('loss.delta', `Huber's threshold must be a positive finite number, got ${delta}`);
  }
  const name = 'huber';
  const loss: Loss = {
    name,
    check: (outputDim) => checkOutputCount(name, outputDim, 1, Infinity, 'any number of outputs'),
    targetDim: (outputDim) => outputDim,
    value(y, yStar) {
      checkExample(loss, y, yStar);
      let s = 0;
      for (let k = 0; k < y.length; k++) {
        const a = Math.abs(y[k]! - yStar[k]!);
        s += a <= delta ? 0.5 * a * a : delta * (a - 0.5 * delta);
      }
      return s;
    },
    derivative(y, yStar) {
      checkExample(loss, y, yStar);
      const out = new Float64Array(y.length);
      for (let k = 0; k < y.length; k++) {
        const r = y[k]! - yStar[k]!;
        out[k] = Math.abs(r) <= delta ? r : delta * Math.sign(r);
      }
      return out;
    },
    secondDerivative(y, yStar): Matrix {
      checkExample(loss, y, yStar);
      const O = y.length;
      const H = matrix(O, O);
      for (let k = 0; k < O; k++) H.data[k * O + k] = Math.abs(y[k]! - yStar[k]!) <= delta ? 1 : 0;
      return H;
    },
  };
  return loss;
}
