import { describe, expect, it } from 'vitest';
import { matrix, rng } from '../core/index.js';
import { squared } from '../losses/index.js';
import { compileModel } from '../models/index.js';
import { layerMovement, outputScaleLevel, weightMovement, widthLevel } from './regimes.js';

describe('regime measurements', () => {
  const model = compileModel({ kind: 'mlp', inputDim: 2, outputDim: 1, layers: [{ width: 3, activation: 'tanh' }] });

  it('the layer movement is the largest relative Frobenius change of a weight matrix, biases left out', () => {
    const w0 = model.init(rng(1).stream('init'));
    const wT = w0.slice();
    const blocks = Object.fromEntries(model.layout.map((b) => [b.name, b]));
    // Move one entry of each weight matrix and a bias by hand.
    const W1 = blocks['layer1.W']!;
    const Wout = blocks['out.W']!;
    const b1 = blocks['layer1.b']!;
    wT[W1.offset]! += 0.1;
    wT[Wout.offset + 1]! += 0.2;
    wT[b1.offset]! += 100;
    const norm = (b: { offset: number; rows: number; cols: number }) => Math.hypot(...w0.subarray(b.offset, b.offset + b.rows * b.cols));
    expect(layerMovement(model, w0, wT)).toBeCloseTo(Math.max(0.1 / norm(W1), 0.2 / norm(Wout)), 14);
    expect(weightMovement(w0, wT)).toBeGreaterThan(layerMovement(model, w0, wT));
  });

  it('width levels draw every replicate from its own stream; output-scale levels reuse each replicate\'s w0 at every alpha', () => {
    const task = { xTrain: matrix(3, 2, [0.5, -1, 1, 0.2, -0.3, 0.8]), yTrain: matrix(3, 1, [0.3, -0.2, 0.5]), loss: squared };
    const options = { T: 0.5, samples: 2, rtol: 1e-8, atol: 1e-11, pathKernel: false };
    const arch = { parametrisation: 'ntk' as const, replicates: 2, seed: 7, centred: true };
    const a = widthLevel(task, arch, 4, options);
    expect(a[0]!.weightMovement).not.toBe(a[1]!.weightMovement);
    expect(a[0]!.pathKernelDistance).toBeNull();
    const mup = { parametrisation: 'mup' as const, replicates: 2, seed: 7 };
    const [x1, x2] = [outputScaleLevel(task, mup, 4, 1, options), outputScaleLevel(task, mup, 4, 4, options)];
    // The same w0 at alpha 1 and 4: the weights move about four times less at alpha 4 (O(1/alpha)).
    const ratio = x1[0]!.weightMovement / x2[0]!.weightMovement;
    expect(ratio).toBeGreaterThan(3);
    expect(ratio).toBeLessThan(5);
  });
});
