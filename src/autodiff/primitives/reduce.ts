/**
 * Reductions to a 1 x 1 scalar: the sum and the mean of all entries.
 *
 * @module
 */
import { matrix, type Matrix } from '../../core/matrix.js';
import type { Primitive } from '../primitive.js';

function total(a: Matrix): number {
  let s = 0;
  for (const v of a.data) s += v;
  return s;
}

function filled(rows: number, cols: number, v: number): Matrix {
  const out = matrix(rows, cols);
  out.data.fill(v);
  return out;
}

/** s = sum of all entries; ds = sum of the tangent's entries; reverse: g spread to every entry. */
export const sum: Primitive<undefined, undefined> = {
  name: 'sum',
  forward: ([a]) => ({ value: matrix(1, 1, [total(a!)]), aux: undefined }),
  vjp: (g, [a]) => [filled(a!.rows, a!.cols, g.data[0]!)],
  jvp: ([t]) => matrix(1, 1, [total(t!)]),
};

/** m = mean of all entries (sum / count). */
export const mean: Primitive<undefined, undefined> = {
  name: 'mean',
  forward: ([a]) => ({ value: matrix(1, 1, [total(a!) / a!.data.length]), aux: undefined }),
  vjp: (g, [a]) => [filled(a!.rows, a!.cols, g.data[0]! / a!.data.length)],
  jvp: ([t]) => matrix(1, 1, [total(t!) / t!.data.length]),
};
