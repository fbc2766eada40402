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

  it('one coordinate that overflows is enough', () => {
    // f = w . x with x = (1e300, 1): the first gradient entry is r 1e300 = Infinity, the second r, finite.
    const linear = compileModel({ kind: 'mlp', inputDim: 2, outputDim: 1, layers: [], bias: false });
    const problem = { model: linear, loss: squared, xTrain: matrix(1, 2, [1e300, 1]), yTrain: matrix(1, 1, [0]) };
    expect(() => train(problem, Float64Array.of(1, 1), { optimizer: { kind: 'gd' }, eps: 0.5, steps: 1 })).toThrow(/^training diverged at step 0: the parameters are no longer finite/);
  });
});

describe('train: its inputs', () => {
  const linear = compileModel({ kind: 'mlp', inputDim: 2, outputDim: 1, layers: [], bias: false });
  const problem = { model: linear, loss: squared, xTrain: matrix(1, 2, [1, 2]), yTrain: matrix(1, 1, [0]) };
  it.each([0, -0.1, Number.NaN, Number.POSITIVE_INFINITY])('eps = %s is refused, named', (eps) => {
    expect(() => train(problem, Float64Array.of(1, 1), { optimizer: { kind: 'gd' }, eps, steps: 1 })).toThrow(`training.eps: ${eps} is not a positive finite learning rate`);
  });
  it('w0 is never aliased: the recorded path starts with a copy, and the caller\'s w0 is left as it was', () => {
    const w0 = Float64Array.of(1, 1);
    const res = train(problem, w0, { optimizer: { kind: 'gd' }, eps: 0.1, steps: 0, record: true });
    expect(res.path![0]).not.toBe(w0);
    expect(res.wS).not.toBe(w0);
    expect(res.path![0]).not.toBe(res.wS);
    res.wS[0] = 7;
    res.path![0]![1] = 7;
    expect(Array.from(w0)).toEqual([1, 1]);
  });
});
