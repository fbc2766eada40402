import { describe, expect, it } from 'vitest';
import { matrix, matmulTransB, rng } from '../core/index.js';
import { compileModel, jacobian } from '../models/index.js';
import { segmentCrossKernel } from './segmentKernel.js';
import { siteFactors } from './tangentKernel.js';

// Both routes sum the same products in other orders than J J^T: well below 1e-13 of the largest entry here.
const ROUTE_RTOL = 1e-13;

describe('the segment-averaged cross kernel', () => {
  it('equals sum_q c_q J(X1; w_q) J(X2; w2)^T on both routes (node by node and averaged Jacobian blocks)', () => {
    const specs = [
      // The output layer (out = 1) and a one-input first layer take the averaged-block route, hidden layers
      // the structured one (with and without bias, one and two outputs, NTK multipliers).
      { kind: 'mlp', inputDim: 2, layers: [{ width: 12, activation: 'tanh' }, { width: 12, activation: 'sin' }] },
      { kind: 'mlp', inputDim: 1, outputDim: 2, bias: false, parametrisation: 'ntk', layers: [{ width: 4, activation: 'gelu' }] },
      { kind: 'mlp', inputDim: 1, outputDim: 2, layers: [{ width: 6, activation: 'tanh' }, { width: 6 }] },
      { kind: 'mlp', inputDim: 2, outputDim: 2, parametrisation: 'ntk', layers: [{ width: 5, norm: 'layer' }, { width: 5, residual: true }] },
    ];
    for (const spec of specs) {
      const model = compileModel(spec);
      const r = rng(11);
      const w2 = model.init(r.stream('init'));
      const dw = model.init(r.stream('step')).map((v) => 0.1 * v);
      const data = r.stream('data');
      const X1 = matrix(5, model.inputDim, Array.from({ length: 5 * model.inputDim }, () => data.normal()));
      const X2 = matrix(6, model.inputDim, Array.from({ length: 6 * model.inputDim }, () => data.normal()));
      const taus = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95];
      const weights = taus.map(() => 1 / taus.length);
      const nodes = taus.map((tau) => w2.map((v, j) => v + tau * dw[j]!));
      const K = segmentCrossKernel(nodes.map((w) => siteFactors(model, model.trace(w, X1))), weights, siteFactors(model, model.trace(w2, X2)));
      const J2 = jacobian(model, w2, X2);
      const ref = new Float64Array(K.data.length);
      nodes.forEach((w, q) => matmulTransB(jacobian(model, w, X1), J2).data.forEach((v, i) => (ref[i]! += weights[q]! * v)));
      const scale = Math.max(...Array.from(ref, Math.abs));
      K.data.forEach((v, i) => expect(Math.abs(v - ref[i]!), `${JSON.stringify(spec)} entry ${i}`).toBeLessThan(ROUTE_RTOL * scale));
    }
  });

  it('refuses factors and weights of different counts', () => {
    const model = compileModel({ kind: 'mlp', inputDim: 1, layers: [{ width: 2 }] });
    const F = siteFactors(model, model.trace(model.init(rng(1).stream('init')), matrix(1, 1, [0.5])));
    expect(() => segmentCrossKernel([F], [0.5, 0.5], F)).toThrow(/1 nodes' factors for 2 weights/);
  });
});
