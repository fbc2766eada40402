/**
 * Softmax cross-entropy on O >= 2 logits z with a class index c in 0..O-1 (stored as one number):
 * L = logsumexp(z) - z_c, the negative log-probability of class c under p = softmax(z). This is the
 * multi-output case of the paper's section 2 ("vector outputs need only minor changes").
 *
 * Stability: logsumexp subtracts the largest logit m, so no exponential overflows, and is formed as
 * m + log1p(sum of the other shifted exponentials), so L keeps relative accuracy when p_c is close to 1; for
 * the same reason L'_c = p_c - 1 is computed as -(sum of the other p_k).
 *
 * @module
 * @claim sec.vector-output
 */
import { matrix, type Matrix } from '../core/matrix.js';
import { checkExample, checkOutputCount, type Loss } from './loss.js';

function classIndex(yStar: Float64Array, outputDim: number): number {
  const c = yStar[0]!;
  if (!Number.isInteger(c) || c < 0 || c >= outputDim) {
    throw new RangeError(`softmaxCrossEntropy: target ${c} is not a class index in 0..${outputDim - 1}`);
  }
  return c;
}

// The pieces of softmax(z) and logsumexp(z) around the largest logit z_j = m: rest = sum_{k != j} e^{z_k - m},
// so logsumexp(z) = m + log1p(rest) keeps relative accuracy when one class dominates (rest << 1).
function shiftedExponentials(z: Float64Array): { e: Float64Array; m: number; rest: number } {
  let m = -Infinity;
  let j = 0;
  for (let k = 0; k < z.length; k++) {
    const v = z[k]!;
    if (Number.isNaN(v) || v === Infinity) throw new RangeError(`softmaxCrossEntropy: logit ${k} is ${v}`);
    if (v > m) [m, j] = [v, k];
  }
  // A logit of -Infinity is a class of probability 0 and is fine, unless every logit is -Infinity.
  if (m === -Infinity) throw new RangeError('softmaxCrossEntropy: every logit is -Infinity');
  const e = new Float64Array(z.length);
  let rest = 0;
  for (let k = 0; k < z.length; k++) {
    e[k] = Math.exp(z[k]! - m);
    if (k !== j) rest += e[k]!;
  }
  return { e, m, rest };
}

function softmax(z: Float64Array): Float64Array {
  const { e, rest } = shiftedExponentials(z);
  const s = 1 + rest;
  for (let k = 0; k < e.length; k++) e[k]! /= s;
  return e;
}

/**
 * Softmax cross-entropy: L = logsumexp(z) - z_c, L' = softmax(z) - onehot(c), L'' = diag(p) - p p^T with
 * p = softmax(z); O >= 2 logits, a target is one number, the class index c.
 *
 * @claim sec.vector-output
 */
export const softmaxCrossEntropy: Loss = {
  name: 'softmaxCrossEntropy',
  check: (outputDim) => checkOutputCount('softmaxCrossEntropy', outputDim, 2, Infinity, 'at least 2 outputs (logits)'),
  targetDim: () => 1,
  value(y, yStar) {
    checkExample(softmaxCrossEntropy, y, yStar);
    const c = classIndex(yStar, y.length);
    const { m, rest } = shiftedExponentials(y);
    return m - y[c]! + Math.log1p(rest);
  },
  derivative(y, yStar) {
    checkExample(softmaxCrossEntropy, y, yStar);
    const c = classIndex(yStar, y.length);
    const p = softmax(y);
    let others = 0;
    for (let k = 0; k < p.length; k++) if (k !== c) others += p[k]!;
    p[c] = -others;
    return p;
  },
  secondDerivative(y, yStar): Matrix {
    checkExample(softmaxCrossEntropy, y, yStar);
    classIndex(yStar, y.length);
    const p = softmax(y);
    const O = p.length;
    const H = matrix(O, O);
    for (let j = 0; j < O; j++) {
      for (let k = 0; k < O; k++) H.data[j * O + k] = (j === k ? p[j]! : 0) - p[j]! * p[k]!;
    }
    return H;
  },
};
