import { describe, expect, it } from 'vitest';
import { fromRows, matrix, row, type Matrix } from '../core/matrix.js';
import { binaryLogistic } from './binaryLogistic.js';
import { huber } from './huber.js';
import type { Loss } from './loss.js';
import { softmaxCrossEntropy } from './softmaxCrossEntropy.js';
import { squared } from './squared.js';
import { lossDerivatives, totalLoss } from './total.js';

const Y3 = fromRows([[0.2, -1.1, 0.7], [1.3, 0.4, -0.2], [-0.5, 2.2, 0.1], [0.9, 0.9, -1.4], [0, -0.3, 0.6]]);

const BATCHES: readonly { loss: Loss; Y: Matrix; Ystar: Matrix }[] = [
  { loss: squared, Y: Y3, Ystar: fromRows([[0, 0, 1], [1, 1, 1], [-1, 2, 0], [0.5, 0.5, 0.5], [0, 0, 0]]) },
  { loss: huber(0.5), Y: Y3, Ystar: fromRows([[0, 0, 1], [1, 1, 1], [-1, 2, 0], [0.5, 0.5, 0.5], [0, 0, 0]]) },
  { loss: softmaxCrossEntropy, Y: Y3, Ystar: fromRows([[0], [2], [1], [1], [0]]) },
  { loss: binaryLogistic, Y: fromRows([[0.3], [-2], [1.5]]), Ystar: fromRows([[1], [0], [0]]) },
];

describe.each(BATCHES)('the batch total of $loss.name', ({ loss, Y, Ystar }) => {
  it('is the SUM of the per-example losses by default (the paper\'s convention)', () => {
    let s = 0;
    for (let i = 0; i < Y.rows; i++) s += loss.value(row(Y, i), row(Ystar, i));
    expect(totalLoss(loss, Y, Ystar)).toBe(s);
    expect(totalLoss(loss, Y, Ystar, 'sum')).toBe(s);
  });

  it('under the mean reduction equals the sum divided by N', () => {
    expect(totalLoss(loss, Y, Ystar, 'mean')).toBe(totalLoss(loss, Y, Ystar, 'sum') / Y.rows);
  });

  it("has row i of the derivative matrix equal to L'_i under the sum", () => {
    const D = lossDerivatives(loss, Y, Ystar);
    expect([D.rows, D.cols]).toEqual([Y.rows, Y.cols]);
    for (let i = 0; i < Y.rows; i++) expect(Array.from(row(D, i))).toEqual(Array.from(loss.derivative(row(Y, i), row(Ystar, i))));
  });

  it("has L'_i / N as row i under the mean", () => {
    const sum = lossDerivatives(loss, Y, Ystar, 'sum');
    const mean = lossDerivatives(loss, Y, Ystar, 'mean');
    expect(Array.from(mean.data)).toEqual(Array.from(sum.data, (v) => v / Y.rows));
  });
});

describe('batch shape checks', () => {
  it('name the targets and both row counts', () => {
    const Ystar = matrix(4, 3);
    expect(() => totalLoss(squared, Y3, Ystar)).toThrow('targets: expected 5 rows (one per output row), got 4');
    expect(() => lossDerivatives(squared, Y3, Ystar)).toThrow('targets: expected 5 rows (one per output row), got 4');
  });

  it('name the loss and the expected target width', () => {
    expect(() => totalLoss(softmaxCrossEntropy, Y3, matrix(5, 3))).toThrow(
      'targets: softmaxCrossEntropy with 3 output(s) expects 1 column(s), got 3',
    );
  });

  it('reject an output count the loss cannot take', () => {
    expect(() => totalLoss(binaryLogistic, Y3, matrix(5, 1))).toThrow(/binaryLogistic: takes 1 output \(a logit\), but the model has 3/);
  });

  it('give 0 for the sum over an empty batch and refuse its mean', () => {
    expect(totalLoss(squared, matrix(0, 2), matrix(0, 2))).toBe(0);
    expect(() => totalLoss(squared, matrix(0, 2), matrix(0, 2), 'mean')).toThrow('outputs: the mean loss over 0 examples is undefined');
  });

  it('reject an unknown reduction', () => {
    expect(() => totalLoss(squared, Y3, matrix(5, 3), 'max' as never)).toThrow("reduction: expected 'sum' or 'mean', got 'max'");
  });
});
