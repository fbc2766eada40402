import { describe, expect, it } from 'vitest';
import { matrix } from '../core/index.js';
import { squared } from '../losses/index.js';
import { compileModel } from '../models/index.js';
import { hessianVectorProduct, modifiedFlowField } from './modifiedFlow.js';

// f(x; w) = w . x with the squared loss: L(w) = 1/2 |X w - y|^2, grad L = X^T (X w - y), Hess L = X^T X exactly.
const model = compileModel({ kind: 'features', inputDim: 3, outputDim: 1, featureMap: { type: 'identity' }, bias: false });
const X = matrix(4, 3, [1, 2, 0.5, -1, 0.3, 2, 0.7, -0.2, 1.1, 0.4, 0.9, -1.5]);
const y = matrix(4, 1, [0.3, -1, 2, 0.5]);
const problem = { model, loss: squared, xTrain: X, yTrain: y };
const XtX = (v: ArrayLike<number>) => {
  const Xv = Array.from({ length: 4 }, (_, i) => [0, 1, 2].reduce((s, j) => s + X.data[i * 3 + j]! * v[j]!, 0));
  return [0, 1, 2].map((j) => Xv.reduce((s, x, i) => s + X.data[i * 3 + j]! * x, 0));
};
const w = Float64Array.from([0.2, -0.4, 0.9]);
const gradient = () => {
  const r = Array.from({ length: 4 }, (_, i) => [0, 1, 2].reduce((s, j) => s + X.data[i * 3 + j]! * w[j]!, 0) - y.data[i]!);
  return [0, 1, 2].map((j) => r.reduce((s, x, i) => s + X.data[i * 3 + j]! * x, 0));
};

describe('the modified flow', () => {
  it("the Hessian-vector product is X^T X v on a quadratic objective (the central difference's truncation vanishes there)", () => {
    const v = Float64Array.from([0.5, 1, -2]);
    const hv = hessianVectorProduct(problem, w, v);
    XtX(v).forEach((e, j) => expect(Math.abs(hv[j]! - e)).toBeLessThan(1e-9 * Math.hypot(...XtX(v))));
  });

  it('its field is -(grad L + (eps/2) Hess L grad L), the negative gradient of L + (eps/4) |grad L|^2', () => {
    const eps = 0.1;
    const out = new Float64Array(3);
    modifiedFlowField(problem, eps)(0, w, out);
    const g = gradient();
    const hg = XtX(g);
    g.forEach((gj, j) => expect(Math.abs(out[j]! + gj + (eps / 2) * hg[j]!)).toBeLessThan(1e-9 * (Math.hypot(...g) + Math.hypot(...hg))));
  });
});
