import { describe, expect, it } from 'vitest';
import { matrix } from '../core/matrix.js';
import { rng } from '../core/rng.js';
import { squared, huber } from '../losses/index.js';
import { compileModel } from '../models/index.js';
import { loadTfjs } from './backend.js';
import { checkTfjsProblem } from './tfjsLoss.js';
import { compileTfjs, roundToFloat32, tfjsForward } from './tfjsModel.js';
import { pathSteps, trainTfjs } from './tfjsTrain.js';

// Each test file runs in its own worker, so choosing the cpu backend here does not affect other files.
const runtime = await loadTfjs({ start: 'cpu' });

describe('TensorFlow.js loader and model', () => {
  it('starts the backend search where asked and says why', () => {
    expect(runtime.backend).toBe('cpu');
    expect(runtime.reason).toMatch(/tensorflow skipped .*wasm skipped/);
    expect(runtime.description).toContain('TensorFlow.js 4.22.0');
  });

  it('refuses models and losses it has no TensorFlow.js form for, naming them', () => {
    const features = compileModel({ kind: 'features', inputDim: 2, featureMap: { type: 'identity' } });
    expect(() => compileTfjs(runtime.tf, features)).toThrow(/kind 'features'/);
    const bn = compileModel({ kind: 'mlp', inputDim: 2, layers: [{ width: 3, norm: 'batch' }], batchNormGradients: 'per-example' });
    expect(() => compileTfjs(runtime.tf, bn)).toThrow(/per-example/);
    const model = compileModel({ kind: 'mlp', inputDim: 2, layers: [{ width: 3 }] });
    expect(() => checkTfjsProblem({ model, loss: huber(1), xTrain: matrix(1, 2), yTrain: matrix(1, 1) })).toThrow(/huber/);
  });

  it('computes the sine model a sin(bx + c) from the layout [a, b, c]', () => {
    const model = compileModel({ kind: 'sine' });
    const w = Float64Array.of(2, 3, 0.5);
    const y = tfjsForward(compileTfjs(runtime.tf, model), w, matrix(2, 1, [0.25, -1]));
    expect(y.data[0]).toBeCloseTo(2 * Math.sin(3 * 0.25 + 0.5), 6);
    expect(y.data[1]).toBeCloseTo(2 * Math.sin(-3 + 0.5), 6);
  });

  it('records w_0..w_S as float32 values whose steps telescope exactly', () => {
    const model = compileModel({ kind: 'mlp', inputDim: 2, layers: [{ width: 4, activation: 'tanh' }] });
    const r = rng(1).stream('data');
    const X = matrix(4, 2, Array.from({ length: 8 }, () => r.uniformIn(-1, 1)));
    const Y = matrix(4, 1, Array.from({ length: 4 }, () => r.uniformIn(-1, 1)));
    const w0 = model.init(rng(1).stream('init'));
    const run = trainTfjs(compileTfjs(runtime.tf, model), { model, loss: squared, xTrain: X, yTrain: Y }, w0, { optimizer: { kind: 'momentum', momentum: 0.9 }, eps: 0.05, steps: 5 });
    expect(run.path).toHaveLength(6);
    expect(Array.from(run.path[0]!)).toEqual(Array.from(roundToFloat32(w0)));
    for (const w of run.path) expect(Array.from(roundToFloat32(w))).toEqual(Array.from(w));
    pathSteps(run.path).forEach((dw, s) => dw.forEach((v, j) => expect(run.path[s]![j]! + v).toBe(run.path[s + 1]![j])));
    expect(run.losses[4]!).toBeLessThan(run.losses[0]!);
    expect(() => trainTfjs(compileTfjs(runtime.tf, model), { model, loss: squared, xTrain: X, yTrain: Y }, w0, { optimizer: { kind: 'sgd' }, eps: -1, steps: 1 })).toThrow(/eps/);
  });
});
