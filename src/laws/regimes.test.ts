import { describe, expect, it } from 'vitest';
import { jacobianByDifferences, matrix, rng, toRows, type Matrix } from '../core/index.js';
import { gradientFlow } from '../kernels/index.js';
import { squared } from '../losses/index.js';
import { compileModel, type Model } from '../models/index.js';
import { kernelDrift, layerMovement, measureRegime, outputScaleLevel, weightMovement, widthLevel } from './regimes.js';

/** Step of the (Richardson-extrapolated) central differences: truncation h^4, rounding u |f| / h. */
const FD_STEP = 1e-5;

/** K^g(X, X; w) = J J^T with the Jacobian by central differences of forward passes (one output). */
function kernelByDifferences(model: Model, w: Float64Array, X: Matrix): number[][] {
  const J = toRows(jacobianByDifferences((v) => model.forward(v, X).data, w, FD_STEP));
  return J.map((a) => J.map((b) => a.reduce((s, v, j) => s + v * b[j]!, 0)));
}

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

  it('the kernel drift is the largest relative Frobenius change of K^g over the points, against kernels by differences', () => {
    const X = matrix(3, 2, [0.5, -1, 1, 0.2, -0.3, 0.8]);
    const r = rng(5).stream('moves');
    const ws = [model.init(rng(5).stream('init'))];
    // Three moves, the largest in the middle: the drift is its, not the first's or the last's.
    for (const size of [0.1, 0.4, 0.05]) ws.push(ws[0]!.map((v) => v + size * r.uniformIn(-1, 1)));
    const frob = (A: number[][]) => Math.hypot(...A.flat());
    const K = ws.map((w) => kernelByDifferences(model, w, X));
    const drifts = K.slice(1).map((Kk) => frob(Kk.map((row, i) => row.map((v, j) => v - K[0]![i]![j]!))) / frob(K[0]!));
    // Differences of step 1e-5 with Richardson: about 1e-10 relative on these kernels.
    const DRIFT_ATOL = 1e-8;
    expect(Math.abs(kernelDrift(model, ws, X) - Math.max(...drifts))).toBeLessThan(DRIFT_ATOL);
    expect(Math.max(drifts[0]!, drifts[2]!)).toBeLessThan(0.5 * drifts[1]!);
    expect(Math.min(...drifts)).toBeGreaterThan(1e3 * DRIFT_ATOL);
    expect(kernelDrift(model, [ws[0]!, ws[0]!], X)).toBe(0);
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

  describe('measureRegime', () => {
    const task = { xTrain: matrix(3, 2, [0.5, -1, 1, 0.2, -0.3, 0.8]), yTrain: matrix(3, 1, [0.3, -0.2, 0.5]), loss: squared };
    const problem = { model, loss: task.loss, xTrain: task.xTrain, yTrain: task.yTrain };
    const w0 = model.init(rng(3).stream('init'));
    const T = 0.5;

    it('carries the path kernel by default: its distance from K_0 matches Simpson\'s rule over finite-difference kernels along the flow', () => {
      const measured = measureRegime(problem, w0, { T, samples: 2 });
      expect(measured.pathKernelDistance).not.toBeNull();
      // K_t on a grid of 2G intervals, from w(t) of a separately integrated flow and Jacobians by differences.
      const G = 16;
      const ts = Array.from({ length: 2 * G + 1 }, (_, k) => (T * k) / (2 * G));
      const flow = gradientFlow(problem, w0, {}, { T, ts, rtol: 1e-12, atol: 1e-14 });
      const Ks = flow.ws.map((w) => kernelByDifferences(model, w, task.xTrain));
      const K0 = Ks[0]!;
      const h = T / (2 * G);
      const frob = (A: number[][]) => Math.hypot(...A.flat());
      const average = K0.map((row, r) => row.map((_, c) => (h / 3) * Ks.reduce((s, K, k) => s + (k === 0 || k === 2 * G ? 1 : k % 2 === 1 ? 4 : 2) * K[r]![c]!, 0) / T));
      const byQuadrature = frob(average.map((row, r) => row.map((v, c) => v - K0[r]![c]!))) / frob(K0);
      // Simpson's error on 2G = 32 intervals of T = 0.5 is T h^4 / 180 max|K''''| ~ 2e-10 |K''''|, the
      // differences' 1e-8 relative error of K (truncation h^2, rounding u / h) enters K^p / T - K_0 twice, and
      // the flow's rtol 1e-8 (the default) enters K^p (observed: 2.5e-9); the distance itself is about 0.1, so
      // 1e-7 absolute on it is a relative 1e-6, while a distance from the wrong kernel or the wrong T misses by O(1).
      const DISTANCE_ATOL = 1e-7;
      expect(Math.abs(measured.pathKernelDistance! - byQuadrature)).toBeLessThan(DISTANCE_ATOL);
      expect(byQuadrature).toBeGreaterThan(1e3 * DISTANCE_ATOL);
    });

    it('hands its tolerances to the integrator (default rtol 1e-8, atol 1e-11)', () => {
      const steps = (o: { rtol?: number; atol?: number }) => measureRegime(problem, w0, { T, samples: 2, pathKernel: false, ...o }).steps;
      // An embedded pair of order 8 takes about rtol^(-1/8) steps: seven decades of rtol change them severalfold.
      expect(steps({ rtol: 1e-3 })).toBeLessThan(steps({ rtol: 1e-10 }));
      // With rtol 1e-3, atol 1 dominates the error scale atol + rtol |y| for |y| = O(1): fewer steps than atol 1e-11.
      expect(steps({ rtol: 1e-3, atol: 1 })).toBeLessThan(steps({ rtol: 1e-3, atol: 1e-11 }));
      // The documented defaults, not the integrator's own (rtol 1e-10, atol 1e-12).
      const byDefault = measureRegime(problem, w0, { T, samples: 2, pathKernel: false });
      expect(byDefault).toEqual(measureRegime(problem, w0, { T, samples: 2, pathKernel: false, rtol: 1e-8, atol: 1e-11 }));
      expect(byDefault.steps).not.toBe(steps({ rtol: 1e-10, atol: 1e-12 }));
    });
  });
});
