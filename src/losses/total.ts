/**
 * A loss over a batch of N examples: the total loss L = sum_i L(y_i, y*_i) and the matrix of loss
 * derivatives whose row i is L'_i = dL/dy_i.
 *
 * The total is a SUM over examples, the paper's convention (L'_i then carries no 1/N). The mean,
 * L = (1/N) sum_i L(y_i, y*_i), is available as `reduction: 'mean'` and is labelled as such; with it every
 * L'_i carries a factor 1/N, which is the same as rescaling time by 1/N (claim caveat.sum-vs-mean-loss).
 *
 * @module
 * @claim step.loss-additivity
 * @claim caveat.sum-vs-mean-loss
 */
import { matrix, row, type Matrix } from '../core/matrix.js';
import type { Loss } from './loss.js';

/** How per-example losses combine: `sum` (the paper's convention, the default) or `mean` (sum / N). */
export type Reduction = 'sum' | 'mean';

/** The reductions, default first. */
export const REDUCTIONS = ['sum', 'mean'] as const satisfies readonly Reduction[];

/**
 * Check a batch: outputs Y (N x O) the loss takes, targets Ystar (N x targetDim(O)); the error names the
 * matrix and both counts, for example `targets: expected 5 rows, got 4`.
 */
export function checkLossBatch(loss: Loss, Y: Matrix, Ystar: Matrix): void {
  loss.check(Y.cols);
  if (Ystar.rows !== Y.rows) throw new RangeError(`targets: expected ${Y.rows} rows (one per output row), got ${Ystar.rows}`);
  const width = loss.targetDim(Y.cols);
  if (Ystar.cols !== width) {
    throw new RangeError(`targets: ${loss.name} with ${Y.cols} output(s) expects ${width} column(s), got ${Ystar.cols}`);
  }
}

// The divisor of the reduction: 1 for a sum, N for a mean. Dividing (rather than multiplying by 1/N) makes
// the mean exactly the sum divided by N, with no extra rounding of 1/N.
function reductionDivisor(reduction: Reduction, n: number): number {
  if (reduction === 'sum') return 1;
  if (reduction !== 'mean') throw new RangeError(`reduction: expected 'sum' or 'mean', got '${String(reduction)}'`);
  if (n === 0) throw new RangeError('outputs: the mean loss over 0 examples is undefined');
  return n;
}

/**
 * The total loss over a batch: L = sum_i L(y_i, y*_i), or (1/N) sum_i L(y_i, y*_i) under `mean`.
 *
 * @param Y - outputs, N x O.
 * @param Ystar - targets, N x targetDim.
 * @param reduction - `sum` (default, the paper's convention) or `mean`.
 */
export function totalLoss(loss: Loss, Y: Matrix, Ystar: Matrix, reduction: Reduction = 'sum'): number {
  checkLossBatch(loss, Y, Ystar);
  const n = reductionDivisor(reduction, Y.rows);
  let s = 0;
  for (let i = 0; i < Y.rows; i++) s += loss.value(row(Y, i), row(Ystar, i));
  return s / n;
}

/**
 * The loss derivatives of a batch: row i is L'_i = dL/dy_i, times 1/N under `mean`; N x O.
 *
 * @param Y - outputs, N x O.
 * @param Ystar - targets, N x targetDim.
 * @param reduction - `sum` (default, the paper's convention) or `mean`.
 */
export function lossDerivatives(loss: Loss, Y: Matrix, Ystar: Matrix, reduction: Reduction = 'sum'): Matrix {
  checkLossBatch(loss, Y, Ystar);
  const n = reductionDivisor(reduction, Y.rows);
  const out = matrix(Y.rows, Y.cols);
  for (let i = 0; i < Y.rows; i++) {
    const d = loss.derivative(row(Y, i), row(Ystar, i));
    if (n !== 1) for (let k = 0; k < d.length; k++) d[k]! /= n;
    out.data.set(d, i * Y.cols);
  }
  return out;
}
