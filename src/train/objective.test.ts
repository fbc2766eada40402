import { describe, expect, it } from 'vitest';
import { matrix } from '../core/index.js';
import { squared } from '../losses/index.js';
import { compileModel } from '../models/index.js';
import { objective } from './objective.js';

// A 2-1 linear model without bias, f(x; w) = w . x, so every term of the objective is written out by hand.
const model = compileModel({ kind: 'mlp', inputDim: 2, outputDim: 1, layers: [], bias: false });
const w = Float64Array.of(0.5, -2);
const xTrain = matrix(3, 2, [1, 0, 0, 1, 1, 1]);
const yTrain = matrix(3, 1, [1, 0, -1]);
// Outputs 0.5, -2, -1.5; residuals -0.5, -2, -0.5; squared losses 1/2 r^2 = 0.125, 2, 0.125.
const losses = [0.125, 2, 0.125];
const sumOfLosses = losses.reduce((a, b) => a + b, 0);

describe('objective: the total loss, its reduction and the regulariser, against closed forms', () => {
  it('the sum is the default (the paper convention)', () => {
    expect(objective({ model, loss: squared, xTrain, yTrain }, w)).toBe(sumOfLosses);
  });
  it('the mean divides by m', () => {
    expect(objective({ model, loss: squared, xTrain, yTrain, reduction: 'mean' }, w)).toBeCloseTo(sumOfLosses / 3, 15);
  });
  it('weight decay adds lambda/2 |w|^2', () => {
    const lambda = 0.3;
    const norm2 = 0.5 ** 2 + 2 ** 2;
    expect(objective({ model, loss: squared, xTrain, yTrain, weightDecay: lambda }, w)).toBeCloseTo(sumOfLosses + (lambda / 2) * norm2, 14);
  });
  it('without a regulariser, parameters the data never reach do not enter, however large', () => {
    // w_1 = 1e200 multiplies an input that is 0: f = 0 and the loss is finite, while |w|^2 overflows.
    const problem = { model, loss: squared, xTrain: matrix(1, 2, [0, 1]), yTrain: matrix(1, 1, [1]) };
    expect(objective(problem, Float64Array.of(1e200, 0))).toBe(0.5);
  });
});
