import { describe, expect, it } from 'vitest';
import { matrix, rng } from '../core/index.js';
import { checkParams, compileModel } from './compile.js';
import { jacobian, outputJvp } from './derivatives.js';

// Each model's own refusals, past the spec's schema: inputs and parameter vectors of the wrong size, a bad
// value at the first index, and the defaults the schema fills in.
// The mean of 400 squares of N(0, 1/400) draws has standard deviation sqrt(2 / 400) / 400 = 1.8e-4: five of them.
// A scale of sqrt(F) or 1 / F in place of 1 / sqrt(F) moves the variance by 2.5e-3 or more.
// J v and the forward-mode JVP sum the same products in different orders: rounding of a few units in 1e-16 per
// term over some twenty parameters; a row out of place is off by O(1).
const JV_TOLERANCE = 1e-13;
const INIT_VARIANCE_TOLERANCE = (5 * Math.SQRT2) / 20 / 400;

describe("the models' input checks", () => {
  const mlp = compileModel({ kind: 'mlp', inputDim: 2, layers: [{ width: 3 }] });
  const sine = compileModel({ kind: 'sine' });

  it('a non-finite value at index 0 is named like any other', () => {
    expect(() => checkParams(mlp, [Infinity, ...new Array(12).fill(0)])).toThrow(/^model\.params\[0\]: value Infinity is not finite$/);
  });

  it('an MLP refuses inputs of the wrong width and a parameter vector of the wrong length', () => {
    const w = new Float64Array(mlp.paramCount);
    expect(() => mlp.forward(w, matrix(1, 3, [1, 2, 3]))).toThrow(/^inputs: expected 2 columns, got 3$/);
    expect(() => mlp.forward(new Float64Array(mlp.paramCount + 1), matrix(1, 2, [1, 2]))).toThrow(/^parameters: expected 13 values, got 14$/);
  });

  it('the sine model refuses more than one input column and other than three parameters', () => {
    expect(() => sine.forward(Float64Array.of(1, 1, 0), matrix(1, 2, [1, 2]))).toThrow(/^inputs: the sine model takes 1 column, got 2$/);
    expect(() => sine.forward(Float64Array.of(1, 1), matrix(1, 1, [1]))).toThrow(/^parameters: expected 3 values \[a, b, c\], got 2$/);
  });

  it('a JVP refuses a direction of the wrong length', () => {
    const w = mlp.init(rng(1));
    expect(() => outputJvp(mlp, w, matrix(1, 2, [1, 2]), new Float64Array(mlp.paramCount + 2))).toThrow(/^direction: expected 13 values, got 15$/);
  });

  it("the Jacobian's rows are ordered example-major, output-minor: J v is the JVP along v, with and without batch norm", () => {
    for (const norm of ['none', 'batch'] as const) {
      const m = compileModel({ kind: 'mlp', inputDim: 2, outputDim: 2, layers: [{ width: 3, activation: 'tanh', norm }] });
      const w = m.init(rng(2));
      const X = matrix(3, 2, [0.1, -0.4, 0.7, 0.2, -0.3, 0.5]);
      const J = jacobian(m, w, X);
      const r = rng(4);
      const v = Float64Array.from({ length: m.paramCount }, () => r.normal());
      const Jv = Array.from({ length: J.rows }, (_, row) => v.reduce((s, vj, j) => s + J.data[row * J.cols + j]! * vj, 0));
      const jvp = outputJvp(m, w, X, v).data;
      expect(m.batchCoupled).toBe(norm === 'batch');
      Jv.forEach((value, row) => expect(Math.abs(value - jvp[row]!)).toBeLessThan(JV_TOLERANCE * (1 + Math.abs(jvp[row]!))));
    }
  });

  it('a features model defaults to no bias and to cos random features; its init has variance 1 / featureCount', () => {
    const m = compileModel({ kind: 'features', inputDim: 2, featureMap: { type: 'random', count: 400 } });
    expect(m.paramCount).toBe(400);
    expect(m.spec).toMatchObject({ bias: false, featureMap: { activation: 'cos' } });
    const w = m.init(rng(3));
    const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
    expect(Math.abs(variance - 1 / 400)).toBeLessThan(INIT_VARIANCE_TOLERANCE);
  });
});
