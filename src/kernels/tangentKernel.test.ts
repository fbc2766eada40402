import { describe, expect, it } from 'vitest';
import { matrix, rng } from '../core/index.js';
import { compileModel } from '../models/index.js';
import { matmul, matmulTransB, transpose } from '../core/index.js';
import { jacobian } from '../models/index.js';
import {
  computeTangentKernel,
  crossTangentKernel,
  kernelVectorProduct,
  tangentKernel,
  tangentKernelJacobian,
  tangentKernelKvp,
  tangentKernelStructured,
} from './tangentKernel.js';

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

describe('the tangent kernel entry points', () => {
  const m = compileModel({ kind: 'mlp', inputDim: 2, outputDim: 2, layers: [{ width: 4, activation: 'tanh' }, { width: 3, norm: 'layer' }] });
  const w = m.init(rng(6).stream('init'));
  const X1 = matrix(3, 2, [1, -2, 0.3, 4, -5, 0.6]);
  const X2 = matrix(2, 2, [0.5, -1, 2, 0.1]);

  it('the default method is the structured one, and each method name runs its own route (bit for bit)', () => {
    // The three routes sum the same products in different orders, so they differ in the last bits: the
    // comparison below tells the routes apart, which a tolerance could not.
    const structured = tangentKernelStructured(m, w, X1, X2);
    const kvp = tangentKernelKvp(m, w, X1, X2);
    const byJacobian = tangentKernelJacobian(m, w, X1, X2);
    expect(Array.from(kvp.data)).not.toEqual(Array.from(byJacobian.data));
    expect(Array.from(structured.data)).not.toEqual(Array.from(byJacobian.data));
    expect(tangentKernel(m, w, X1, X2).data).toEqual(structured.data);
    expect(computeTangentKernel(m, w, X1, X2).K.data).toEqual(structured.data);
    expect(tangentKernel(m, w, X1, X2, 'kvp').data).toEqual(kvp.data);
    expect(tangentKernel(m, w, X1, X2, 'jacobian').data).toEqual(byJacobian.data);
  });

  it('the kernel-vector product is J1 J2^T V, on two point sets and on one', () => {
    const r = rng(7).stream('V');
    for (const [A, B] of [[X1, X2], [X1, X1]] as const) {
      const V = matrix(B.rows, 2, Array.from({ length: B.rows * 2 }, () => r.normal()));
      const J1 = jacobian(m, w, A);
      const ref = matmul(J1, matmul(transpose(jacobian(m, w, B)), matrix(B.rows * 2, 1, V.data)));
      const got = kernelVectorProduct(m, w, A, B, V);
      const scale = Math.max(...Array.from(ref.data, Math.abs));
      expect(got.rows * got.cols).toBe(A.rows * 2);
      // One VJP and one JVP against two Jacobian products: the same terms in another order.
      got.data.forEach((v, i) => expect(Math.abs(v - ref.data[i]!)).toBeLessThan(1e-13 * scale));
    }
  });

  it('the cross kernel at two parameter vectors on one point set takes each vector\'s own gradients', () => {
    const w2 = m.init(rng(8).stream('init'));
    const K = crossTangentKernel(m, w, X1, w2, X1);
    const ref = matmulTransB(jacobian(m, w, X1), jacobian(m, w2, X1));
    const scale = Math.max(...Array.from(ref.data, Math.abs));
    K.data.forEach((v, i) => expect(Math.abs(v - ref.data[i]!)).toBeLessThan(1e-13 * scale));
  });
});
