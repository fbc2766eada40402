/**
 * Normalisation without its affine part (that is {@link affineCols}): layer normalisation standardises each
 * row (one example's features); batch normalisation in training mode standardises each column over the
 * batch, which couples the examples: one example's output depends on every other example of the batch.
 *
 * For a vector z of length n with mean mu, variance v (biased, 1/n) and s = sqrt(v + eps), the map
 * z -> u = (z - mu) / s has the symmetric Jacobian (I - 1 1^T / n - u u^T / n) / s, so the VJP and the JVP
 * apply the same linear map.
 *
 * Batch normalisation also has a `frozen` variant (attribute `statistics`): the same forward value, but
 * derivatives that hold the batch's mean and variance fixed, i.e. the Jacobian diag(1/s) per column. That is
 * the naive per-example derivative that ignores the coupling through the batch statistics; it is not the
 * derivative of the forward rule, and exists to measure what ignoring the coupling costs
 * (caveat.batch-coupling).
 *
 * @module
 */
import { matrix, type Matrix } from '../../core/matrix.js';
import type { Primitive } from '../primitive.js';

/** The variance offset: eps in sqrt(var + eps) (PyTorch's default, so that fixtures match). */
export interface NormAttrs {
  readonly eps: number;
}

/** How batch normalisation's derivatives treat the batch statistics. */
export type BatchStatistics = 'coupled' | 'frozen';

/** Batch normalisation's attributes: eps and, optionally, how derivatives treat the statistics. */
export interface BatchNormAttrs extends NormAttrs {
  /**
   * `coupled` (default): the total derivative through the batch mean and variance, the derivative of the
   * forward rule. `frozen`: mean and variance held constant, Jacobian diag(1/s) per column.
   */
  readonly statistics?: BatchStatistics;
}

interface NormAux {
  /** 1 / s for each normalised group. */
  readonly invStd: Float64Array;
}

// A group is a row (layer norm) or a column (batch norm): element k of group g sits at base(g) + k * stride.
interface Grouping {
  readonly groups: number;
  readonly size: number;
  readonly base: (g: number) => number;
  readonly stride: number;
}

function rowsOf(a: Matrix): Grouping {
  return { groups: a.rows, size: a.cols, base: (g) => g * a.cols, stride: 1 };
}

function colsOf(a: Matrix): Grouping {
  return { groups: a.cols, size: a.rows, base: (g) => g, stride: a.cols };
}

function normalise(z: Matrix, grouping: Grouping, eps: number): { value: Matrix; aux: NormAux } {
  const { groups, size, base, stride } = grouping;
  const out = matrix(z.rows, z.cols);
  const invStd = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    const b = base(g);
    let mean = 0;
    for (let k = 0; k < size; k++) mean += z.data[b + k * stride]!;
    mean /= size;
    let v = 0;
    for (let k = 0; k < size; k++) v += (z.data[b + k * stride]! - mean) ** 2;
    v /= size;
    const inv = 1 / Math.sqrt(v + eps);
    invStd[g] = inv;
    for (let k = 0; k < size; k++) out.data[b + k * stride] = (z.data[b + k * stride]! - mean) * inv;
  }
  return { value: out, aux: { invStd } };
}

// (I - 1 1^T/n - u u^T/n) t / s, group by group.
function applyJacobian(t: Matrix, u: Matrix, grouping: Grouping, invStd: Float64Array): Matrix {
  const { groups, size, base, stride } = grouping;
  const out = matrix(t.rows, t.cols);
  for (let g = 0; g < groups; g++) {
    const b = base(g);
    let meanT = 0;
    let meanTU = 0;
    for (let k = 0; k < size; k++) {
      const i = b + k * stride;
      meanT += t.data[i]!;
      meanTU += t.data[i]! * u.data[i]!;
    }
    meanT /= size;
    meanTU /= size;
    for (let k = 0; k < size; k++) {
      const i = b + k * stride;
      out.data[i] = (t.data[i]! - meanT - u.data[i]! * meanTU) * invStd[g]!;
    }
  }
  return out;
}

// t / s, group by group: the Jacobian when the group's mean and variance are held fixed (it is diagonal, so
// the VJP applies the same map).
function applyFrozenJacobian(t: Matrix, grouping: Grouping, invStd: Float64Array): Matrix {
  const { groups, size, base, stride } = grouping;
  const out = matrix(t.rows, t.cols);
  for (let g = 0; g < groups; g++) {
    const b = base(g);
    for (let k = 0; k < size; k++) out.data[b + k * stride] = t.data[b + k * stride]! * invStd[g]!;
  }
  return out;
}

function normPrimitive<A extends NormAttrs>(name: string, grouping: (a: Matrix) => Grouping, frozen: (attrs: A) => boolean): Primitive<A, NormAux> {
  const derivative = (t: Matrix, z: Matrix, u: Matrix, invStd: Float64Array, attrs: A): Matrix =>
    frozen(attrs) ? applyFrozenJacobian(t, grouping(z), invStd) : applyJacobian(t, u, grouping(z), invStd);
  return {
    name,
    forward: ([z], { eps }) => {
      // One value per group normalises to 0 whatever it is (the output is the shift alone): PyTorch refuses
      // batch normalisation of a single example in training mode, and so do we, for both kinds.
      if (grouping(z!).size < 2) throw new RangeError(`${name}: normalising over ${grouping(z!).size} value(s) per group is degenerate (at least 2 are needed; a batch-norm model needs batches of 2 or more)`);
      return normalise(z!, grouping(z!), eps);
    },
    vjp: (g, [z], u, { invStd }, attrs) => [derivative(g, z!, u, invStd, attrs)],
    jvp: ([t], [z], u, { invStd }, attrs) => derivative(t!, z!, u, invStd, attrs),
  };
}

/** Layer normalisation of each row (one example), without gain and shift. */
export const layerNorm: Primitive<NormAttrs, NormAux> = normPrimitive<NormAttrs>('layerNorm', rowsOf, () => false);

/**
 * Batch normalisation in training mode: each column standardised over the batch's rows. With
 * `statistics: 'frozen'` the forward value is the same and the derivatives hold the statistics fixed.
 */
export const batchNorm: Primitive<BatchNormAttrs, NormAux> = normPrimitive<BatchNormAttrs>('batchNorm', colsOf, (attrs) => attrs.statistics === 'frozen');
