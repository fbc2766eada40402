/**
 * A loss's L' and L'' by Richardson-extrapolated central differences (core/finiteDifference.ts) of its value
 * and of its closed-form L': the independent oracle the closed forms are tested against.
 *
 * Error: with D(h) the central difference, R(h) = (4 D(h/2) - D(h)) / 3 leaves about h^4 |f^(5)| / 480 of
 * truncation and 3 u |f| / h of rounding (D(h/2) carries 2 u |f| / h with weight 4/3, D(h) carries u |f| / h
 * with weight 1/3), for f the differentiated function and u its evaluation's relative rounding.
 *
 * @module
 */
import { richardsonDerivative } from '../core/finiteDifference.js';
import { matrix, type Matrix } from '../core/matrix.js';
import type { Loss } from './loss.js';

// The point y + tau e_k, as a fresh array so that y is never modified.
function shifted(y: Float64Array, k: number, tau: number): Float64Array {
  const v = y.slice();
  v[k]! += tau;
  return v;
}

/**
 * L'_k = dL/dy_k and L''_jk = dL'_j/dy_k at one example, each by one Richardson step on central differences
 * along e_k with step h.
 *
 * @param h - the coarse step (the fine step is h/2).
 */
export function lossDerivativesByDifferences(
  loss: Loss,
  y: Float64Array,
  yStar: Float64Array,
  h: number,
): { derivative: Float64Array; secondDerivative: Matrix } {
  const O = y.length;
  const derivative = new Float64Array(O);
  const secondDerivative = matrix(O, O);
  for (let k = 0; k < O; k++) {
    derivative[k] = richardsonDerivative((tau) => [loss.value(shifted(y, k, tau), yStar)], h)[0]!;
    const column = richardsonDerivative((tau) => loss.derivative(shifted(y, k, tau), yStar), h);
    for (let j = 0; j < O; j++) secondDerivative.data[j * O + k] = column[j]!;
  }
  return { derivative, secondDerivative };
}
