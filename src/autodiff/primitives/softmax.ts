/**
 * Softmax and log-softmax of each row (the logits of one example), computed with the row maximum subtracted
 * so that large logits do not overflow.
 *
 * @module
 */
import { matrix, type Matrix } from '../../core/matrix.js';
import type { Primitive } from '../primitive.js';

function softmaxRows(z: Matrix): Matrix {
  const p = matrix(z.rows, z.cols);
  for (let i = 0; i < z.rows; i++) {
    const o = i * z.cols;
    let m = -Infinity;
    for (let j = 0; j < z.cols; j++) m = Math.max(m, z.data[o + j]!);
    let s = 0;
    for (let j = 0; j < z.cols; j++) {
      const e = Math.exp(z.data[o + j]! - m);
      p.data[o + j] = e;
      s += e;
    }
    for (let j = 0; j < z.cols; j++) p.data[o + j]! /= s;
  }
  return p;
}

// Row by row: out = p * (t - sum_j p_j t_j), the product with the softmax Jacobian diag(p) - p p^T.
function softmaxJacobianTimes(t: Matrix, p: Matrix): Matrix {
  const out = matrix(t.rows, t.cols);
  for (let i = 0; i < t.rows; i++) {
    const o = i * t.cols;
    let s = 0;
    for (let j = 0; j < t.cols; j++) s += p.data[o + j]! * t.data[o + j]!;
    for (let j = 0; j < t.cols; j++) out.data[o + j] = p.data[o + j]! * (t.data[o + j]! - s);
  }
  return out;
}

/** p = softmax(z) per row; dp = (diag(p) - p p^T) dz, a symmetric map. */
export const softmax: Primitive<undefined, undefined> = {
  name: 'softmax',
  forward: ([z]) => ({ value: softmaxRows(z!), aux: undefined }),
  vjp: (g, _in, p) => [softmaxJacobianTimes(g, p)],
  jvp: ([t], _in, p) => softmaxJacobianTimes(t!, p),
};

/** l = z - logsumexp(z) per row; forward dl = dz - (p . dz) 1, reverse g -> g - (sum g) p. */
export const logSoftmax: Primitive<undefined, Matrix> = {
  name: 'logSoftmax',
  forward: ([z]) => {
    const p = softmaxRows(z!);
    const out = matrix(z!.rows, z!.cols);
    for (let i = 0; i < z!.rows; i++) {
      const o = i * z!.cols;
      let m = -Infinity;
      for (let j = 0; j < z!.cols; j++) m = Math.max(m, z!.data[o + j]!);
      let s = 0;
      for (let j = 0; j < z!.cols; j++) s += Math.exp(z!.data[o + j]! - m);
      const lse = m + Math.log(s);
      for (let j = 0; j < z!.cols; j++) out.data[o + j] = z!.data[o + j]! - lse;
    }
    return { value: out, aux: p };
  },
  vjp: (g, _in, _l, p) => {
    const out = matrix(g.rows, g.cols);
    for (let i = 0; i < g.rows; i++) {
      const o = i * g.cols;
      let s = 0;
      for (let j = 0; j < g.cols; j++) s += g.data[o + j]!;
      for (let j = 0; j < g.cols; j++) out.data[o + j] = g.data[o + j]! - s * p.data[o + j]!;
    }
    return [out];
  },
  jvp: ([t], _in, _l, p) => {
    const out = matrix(t!.rows, t!.cols);
    for (let i = 0; i < t!.rows; i++) {
      const o = i * t!.cols;
      let s = 0;
      for (let j = 0; j < t!.cols; j++) s += p.data[o + j]! * t!.data[o + j]!;
      for (let j = 0; j < t!.cols; j++) out.data[o + j] = t!.data[o + j]! - s;
    }
    return out;
  },
};
