import { describe, expect, it } from 'vitest';
import { matrix } from '../core/index.js';
import { squared } from '../losses/index.js';
import { compileModel } from '../models/index.js';
import { gradientDescent } from './gd.js';

describe('gradientDescent: the streamed steps', () => {
  it('each step reports w_s and w_{s+1}: the last w_{s+1} is w_S, and each one is the next step\'s w_s', () => {
    const model = compileModel({ kind: 'mlp', inputDim: 1, outputDim: 1, layers: [{ width: 2, activation: 'tanh' }] });
    const problem = { model, loss: squared, xTrain: matrix(2, 1, [0.5, -1]), yTrain: matrix(2, 1, [1, 0]) };
    const w0 = Float64Array.of(0.3, -0.7, 0.1, 0.2, 0.5, -0.4, 0.05);
    const steps: { wBefore: Float64Array; wAfter: Float64Array }[] = [];
    const { wS } = gradientDescent(problem, w0, { eps: 0.1, steps: 4, onStep: (s) => steps.push({ wBefore: Float64Array.from(s.wBefore), wAfter: Float64Array.from(s.wAfter) }) });
    expect(steps).toHaveLength(4);
    expect(Array.from(steps[0]!.wBefore)).toEqual(Array.from(w0));
    for (let s = 0; s + 1 < steps.length; s++) expect(Array.from(steps[s]!.wAfter)).toEqual(Array.from(steps[s + 1]!.wBefore));
    expect(Array.from(steps.at(-1)!.wAfter)).toEqual(Array.from(wS));
  });
});
