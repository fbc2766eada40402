/**
 * Normalisation without its affine part (that is {@link affineCols}): layer normalisation standardises each
 * row (one example's features); batch normalisation in training mode standardises each column over the
 * batch, which couples the examples: one example's output depends on every other example of the batch.
 *
 * For a vector z of length n with mean mu, variance v (biased, 1/n) and s = sqrt(v + eps), the map
 * z -> u = (z - mu) / s has the symmetric Jacobian (I - 1 1^T / n - u u^T / n) / s, so the VJP and the JVP
 * apply the same linear map.
 *
 * @module
 */
import { matrix, type Matrix } from '../../core/matrix.js';
import type { Primitive } from '../primitive.js';

/** The variance offset: eps in sqrt(var + eps) (PyTorch's default, so that fixtures match). */
export interface NormAttrs {
  readonly eps: number;
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

function normPrimitive(name: string, grouping: (a: Matrix) => Grouping): Primitive<NormAttrs, NormAux> {
  return {
    name,
    forward: ([z], { eps }) => normalise(z!, grouping(z!), eps),
    vjp: (g, [z], u, { invStd }) => [applyJacobian(g, u, grouping(z!), invStd)],
    jvp: ([t], [z], u, { invStd }) => applyJacobian(t!, u, grouping(z!), invStd),
  };
}

/** Layer normalisation of each row (one example), without gain and shift. */
export const layerNorm = normPrimitive('layerNorm', rowsOf);

/** Batch normalisation in training mode: each column standardised over the batch's rows. */
export const batchNorm = normPrimitive('batchNorm', colsOf);
