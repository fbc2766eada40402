import { describe, expect, it } from 'vitest';
import { matrix, rng } from '../core/index.js';
import { squared } from '../losses/index.js';
import { compileModel } from '../models/index.js';
import { gradientFlow, pathQuantitiesAt } from './gradientFlow.js';

describe('the gradient flow refuses what it cannot integrate', () => {
  const model = compileModel({ kind: 'mlp', inputDim: 2, outputDim: 1, layers: [{ width: 3, activation: 'tanh' }] });
  const xTrain = matrix(3, 2, [0.5, -1, 1, 0.2, -0.3, 0.8]);
  const yTrain = matrix(3, 1, [0.3, -0.2, 0.5]);
  const problem = { model, loss: squared, xTrain, yTrain };
  const w0 = model.init(rng(1).stream('init'));

  it('a negative weight decay, naming its value', () => {
    expect(() => gradientFlow({ ...problem, weightDecay: -0.25 }, w0, {}, { T: 0.1 })).toThrow('weightDecay: -0.25 is negative');
    expect(() => gradientFlow({ ...problem, weightDecay: 0 }, w0, {}, { T: 0.1 })).not.toThrow();
  });

  it('queries other than the training batch for a batch-norm model', () => {
    const bn = compileModel({ kind: 'mlp', inputDim: 2, outputDim: 1, layers: [{ width: 3, norm: 'batch' }] });
    const bnProblem = { ...problem, model: bn };
    const wb = bn.init(rng(2).stream('init'));
    expect(() => gradientFlow(bnProblem, wb, { queries: matrix(3, 2, Array.from(xTrain.data)) }, { T: 0.1 })).toThrow(/couples the examples of a batch .* use trainTrain/);
    expect(() => gradientFlow(bnProblem, wb, { queries: xTrain }, { T: 0.1 })).not.toThrow();
  });

  it('path quantities at new queries from a flow without dense output, or one that did not end', () => {
    const queries = matrix(1, 2, [0.1, 0.2]);
    const noDense = gradientFlow(problem, w0, {}, { T: 0.1 });
    expect(() => pathQuantitiesAt(problem, noDense, queries)).toThrow(/without dense output; run it with dense: true/);
    const cut = gradientFlow(problem, w0, {}, { T: 10, dense: true, maxSteps: 2 });
    expect(cut.status).toBe('max-steps');
    expect(() => pathQuantitiesAt(problem, cut, queries)).toThrow('pathQuantitiesAt: the flow ended with status max-steps');
    const whole = gradientFlow(problem, w0, {}, { T: 0.1, dense: true });
    expect(pathQuantitiesAt(problem, whole, queries).pathKernel.rows).toBe(1);
  });
});
