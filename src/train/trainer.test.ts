import { describe, expect, it } from 'vitest';
import { matrix } from '../core/index.js';
import { softmaxCrossEntropy, squared } from '../losses/index.js';
import { compileModel } from '../models/index.js';
import { train } from './trainer.js';

// One input, one squared hidden unit, two logits: w = [W1, b1, W2 (2 x 1), b2 (2)].
const model = compileModel({ kind: 'mlp', inputDim: 1, outputDim: 2, layers: [{ width: 1, activation: 'square' }] });
const xTrain = matrix(1, 1, [1]);

describe('train: divergence is reported with its step', () => {
  it('finite parameters whose logits overflow: the outputs are no longer finite', () => {
    // h = W1^2 = 1e200; the first step moves W2 by about 1e200, so the next logits are +-1e400 = +-Infinity
    // while every parameter stays below 1e201.
    const w0 = Float64Array.of(1e100, 0, 1, -1, 0, 0);
    const problem = { model, loss: softmaxCrossEntropy, xTrain, yTrain: matrix(1, 1, [1]) };
    expect(() => train(problem, w0, { optimizer: { kind: 'gd' }, eps: 1, steps: 3 })).toThrow(/^training diverged at step 1: the model's outputs are no longer finite/);
  });

  it('parameters that overflow: the parameters are no longer finite', () => {
    const w0 = Float64Array.of(1e100, 0, 1, -1, 0, 0);
    const problem = { model, loss: squared, xTrain, yTrain: matrix(1, 2, [0, 0]) };
    expect(() => train(problem, w0, { optimizer: { kind: 'gd' }, eps: 1, steps: 3 })).toThrow(/^training diverged at step \d+: the parameters are no longer finite/);
  });

  it('outputs that are not finite at w0 are bad input, not divergence: the loss names the problem', () => {
    const w0 = Float64Array.of(1e200, 0, 1, -1, 0, 0);
    const problem = { model, loss: softmaxCrossEntropy, xTrain, yTrain: matrix(1, 1, [1]) };
    expect(() => train(problem, w0, { optimizer: { kind: 'gd' }, eps: 1, steps: 3 })).toThrow(/^softmaxCrossEntropy: logit \d is Infinity/);
  });
});
