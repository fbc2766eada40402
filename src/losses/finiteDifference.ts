/**
 * Derivatives by central differences with one Richardson extrapolation step: the independent oracle the
 * closed-form loss derivatives are tested against (and that any smooth scalar or vector function can use).
 *
 * With D(h) = (f(x + h) - f(x - h)) / (2h) = f' + h^2 f'''/6 + h^4 f^(5)/120 + ..., the combination
 * R(h) = (4 D(h/2) - D(h)) / 3 cancels the h^2 term, leaving a truncation error of about h^4 |f^(5)| / 480.
 * Rounding in f adds about 3 u |f| / h (D(h/2) carries 2 u |f| / h with weight 4/3, D(h) carries u |f| / h
 * with weight 1/3), with u the unit roundoff of f's evaluation.
 *
 * @module
 */
import { matrix, type Matrix } from '../core/matrix.js';
import type { Loss } from './loss.js';

/** The central difference D(h) = (f(x + h) - f(x - h)) / (2h). */
export function centralDifference(f: (x: number) => number, x: number, h: number): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

/** One Richardson step on central differences: R(h) = (4 D(h/2) - D(h)) / 3, error O(h^4). */
export function richardsonDerivative(f: (x: number) => number, x: number, h: number): number {
  if (!(h > 0 && Number.isFinite(h))) throw new RangeError(`richardsonDerivative: step ${h} is not a positive finite number`);
  return (4 * centralDifference(f, x, h / 2) - centralDifference(f, x, h)) / 3;
}

// f restricted to the line v + t e_k, evaluated on a copy so that v is never modified.
function along(v: Float64Array, k: number): (t: number) => Float64Array {
  return (t) => {
    const w = v.slice();
    w[k] = t;
    return w;
  };
}

/** The gradient of f: R^n -> R at v, coordinate k by {@link richardsonDerivative} along e_k. */
export function richardsonGradient(f: (v: Float64Array) => number, v: Float64Array, h: number): Float64Array {
  const g = new Float64Array(v.length);
  for (let k = 0; k < v.length; k++) {
    const at = along(v, k);
    g[k] = richardsonDerivative((t) => f(at(t)), v[k]!, h);
  }
  return g;
}

/** The Jacobian J_jk = df_j/dv_k of f: R^n -> R^m at v (m x n), column k by Richardson along e_k. */
export function richardsonJacobian(f: (v: Float64Array) => Float64Array, v: Float64Array, h: number): Matrix {
  const m = f(v).length;
  const J = matrix(m, v.length);
  for (let k = 0; k < v.length; k++) {
    const at = along(v, k);
    for (let j = 0; j < m; j++) {
      J.data[j * v.length + k] = richardsonDerivative((t) => f(at(t))[j]!, v[k]!, h);
    }
  }
  return J;
}

/**
 * A loss's L' and L'' at one example by Richardson differences of its value and of its L':
 * L'_k = dL/dy_k, L''_jk = dL'_j/dy_k.
 */
export function lossDerivativesByDifferences(
  loss: Loss,
  y: Float64Array,
  yStar: Float64Array,
  h: number,
): { derivative: Float64Array; secondDerivative: Matrix } {
  return {
    derivative: richardsonGradient((v) => loss.value(v, yStar), y, h),
    secondDerivative: richardsonJacobian((v) => loss.derivative(v, yStar), y, h),
  };
}
