/**
 * Central finite differences with one Richardson extrapolation step: an independent oracle for derivatives.
 *
 * D(h) = (f(+h) - f(-h)) / 2h has error (h^2/6) f''' + O(h^4); R = (4 D(h/2) - D(h)) / 3 cancels the h^2 term,
 * leaving O(h^4) truncation and about u |f| / h rounding.
 *
 * @module
 */
import { matrix, type Matrix } from './matrix.js';

/** d/dtau f(tau) at tau = 0 for a vector-valued f, by Richardson-extrapolated central differences. */
export function richardsonDerivative(f: (tau: number) => ArrayLike<number>, h = 1e-3): Float64Array {
  const central = (step: number): Float64Array => {
    const plus = f(step);
    const minus = f(-step);
    const out = new Float64Array(plus.length);
    for (let i = 0; i < plus.length; i++) out[i] = (plus[i]! - minus[i]!) / (2 * step);
    return out;
  };
  const coarse = central(h);
  const fine = central(h / 2);
  const out = new Float64Array(coarse.length);
  for (let i = 0; i < out.length; i++) out[i] = (4 * fine[i]! - coarse[i]!) / 3;
  return out;
}

/**
 * The Jacobian of a vector-valued f at w, column by column: column j is {@link richardsonDerivative} of
 * tau -> f(w + tau e_j). Rows are f's outputs, columns w's coordinates.
 */
export function jacobianByDifferences(f: (w: Float64Array) => ArrayLike<number>, w: Float64Array, h = 1e-3): Matrix {
  const shifted = w.slice();
  let J: Matrix | null = null;
  for (let j = 0; j < w.length; j++) {
    const column = richardsonDerivative((tau) => {
      shifted[j] = w[j]! + tau;
      const out = Float64Array.from(f(shifted));
      shifted[j] = w[j]!;
      return out;
    }, h);
    J ??= matrix(column.length, w.length);
    for (let r = 0; r < column.length; r++) J.data[r * w.length + j] = column[r]!;
  }
  return J ?? matrix(f(w).length, 0);
}

/** A difference quotient with its own error estimate. */
export interface EstimatedDerivative {
  /** The Richardson value at step h/2. */
  readonly value: Float64Array;
  /**
   * |R(h) - R(h/2)|: with O(h^4) truncation R(h)'s error is about 16 times R(h/2)'s, so this bounds the error
   * of `value` with room to spare wherever truncation dominates rounding.
   */
  readonly error: Float64Array;
}

/**
 * {@link richardsonDerivative} at h/2 with an a-posteriori error estimate from a second value at h: what an
 * oracle needs near a nearly singular point (a normalisation over nearly equal values), where the a-priori
 * truncation bound h^4 |f^(5)| / 480 is not small for any fixed h.
 */
export function richardsonDerivativeEstimated(f: (tau: number) => ArrayLike<number>, h = 1e-3): EstimatedDerivative {
  const coarse = richardsonDerivative(f, h);
  const value = richardsonDerivative(f, h / 2);
  return { value, error: value.map((v, i) => Math.abs(v - coarse[i]!)) };
}
