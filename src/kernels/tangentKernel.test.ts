import { describe, expect, it } from 'vitest';
import { matrix, rng } from '../core/index.js';
import { compileModel } from '../models/index.js';
import { computeTangentKernel, tangentKernelStructured } from './tangentKernel.js';

describe('the tangent kernel methods', () => {
  it('a batch-norm model falls back from the structured method to Jacobian contraction, and says so', () => {
    const m = compileModel({ kind: 'mlp', inputDim: 2, layers: [{ width: 3, norm: 'batch' }] });
    const w = m.init(rng(1).stream('init'));
    const X = matrix(4, 2, [1, 2, 3, 4, 5, 6, 7, 9]);
    const r = computeTangentKernel(m, w, X, X, 'structured');
    expect(r.method).toBe('jacobian');
    expect(r.note).toMatch(/couples the examples of a batch/);
    expect(() => tangentKernelStructured(m, w, X)).toThrow(/couples examples/);
    expect(() => computeTangentKernel(m, w, X, matrix(1, 2, [0, 0]))).toThrow(/defined only within one batch/);
  });

  it('a model without batch coupling runs the method asked for, with no note', () => {
    const m = compileModel({ kind: 'mlp', inputDim: 2, outputDim: 2, layers: [{ width: 3 }] });
    const w = m.init(rng(2).stream('init'));
    const X = matrix(3, 2, [1, 2, 3, 4, 5, 6]);
    for (const method of ['structured', 'kvp', 'jacobian'] as const) {
      const r = computeTangentKernel(m, w, X, matrix(2, 2, [0, 1, 1, 0]), method);
      expect(r.method).toBe(method);
      expect(r.note).toBeNull();
      expect([r.K.rows, r.K.cols]).toEqual([6, 4]);
    }
  });
});

describe('the cross kernel between two parameter vectors', () => {
  it('equals J(X1; w1) J(X2; w2)^T built from per-example gradients', async () => {
    const { jacobian } = await import('../models/index.js');
    const { matmulTransB } = await import('../core/index.js');
    const { crossTangentKernel } = await import('./tangentKernel.js');
    const m = compileModel({ kind: 'mlp', inputDim: 2, outputDim: 2, layers: [{ width: 3, norm: 'layer' }, { width: 3, residual: true, activation: 'sin' }] });
    const w1 = m.init(rng(3).stream('init'));
    const w2 = m.init(rng(4).stream('init'));
    const X1 = matrix(3, 2, [1, 2, 3, 4, 5, 6]);
    const X2 = matrix(2, 2, [0.5, -1, 2, 0.1]);
    const K = crossTangentKernel(m, w1, X1, w2, X2);
    const ref = matmulTransB(jacobian(m, w1, X1), jacobian(m, w2, X2));
    const scale = Math.max(...Array.from(ref.data, Math.abs));
    // Same products summed in another order: well below 1e-13 of the largest entry for d = 41.
    K.data.forEach((v, i) => expect(Math.abs(v - ref.data[i]!)).toBeLessThan(1e-13 * scale));
  });
});

describe('the kernel machine at a training point that never mattered', () => {
  it('a_i is 0 where K^p and K^lp are both exactly 0, and non-finite where only K^p is 0', async () => {
    const { kernelMachineWeights } = await import('./kernelMachine.js');
    const q = {
      x: matrix(1, 1),
      f0: matrix(1, 1, [0.5]),
      fT: matrix(1, 1, [0.5]),
      pathKernel: matrix(1, 3, [0, 2, 0]),
      lossWeightedKernel: matrix(1, 3, [0, 4, 1]),
      regulariserTerm: matrix(1, 1),
    };
    const a = kernelMachineWeights(q);
    expect(a.data[0]).toBe(0);
    expect(a.data[1]).toBe(-2);
    expect(Number.isFinite(a.data[2]!)).toBe(false);
  });
});
