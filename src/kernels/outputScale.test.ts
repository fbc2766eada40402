import { describe, expect, it } from 'vitest';
import { gamma, maxAbs, matrix, rng, type Matrix } from '../core/index.js';
// The structured rule reads the base model's sites; this checks that it stays right on the wrapper.
import { tangentKernelJacobian, tangentKernelKvp, tangentKernelStructured } from './tangentKernel.js';
import { compileModel } from '../models/compile.js';
import { jacobian } from '../models/derivatives.js';
import { outputScaled } from '../models/outputScale.js';

// The three kernel methods sum the same products in different orders: the difference is a few units of
// rounding of the largest entry per contraction of length d (d <= 60 here); 1e-13 of the largest entry covers it.
const KERNEL_RTOL = 1e-13;

function maxDiff(a: Matrix, b: Matrix): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

const specs = [
  { kind: 'mlp', inputDim: 2, outputDim: 2, layers: [{ width: 4 }, { width: 3, activation: 'sin' }], parametrisation: 'ntk' },
  { kind: 'mlp', inputDim: 2, layers: [{ width: 5, norm: 'layer' }], parametrisation: 'mup' },
  { kind: 'features', inputDim: 2, featureMap: { type: 'polynomial', degree: 2 }, bias: true },
] as const;

describe('the output-scaled model alpha (f_w - f_w0)', () => {
  it('is zero at its centre and alpha (f_w - f_w0) elsewhere', () => {
    const base = compileModel(specs[0]);
    const w0 = base.init(rng(1).stream('init'));
    const g = outputScaled(base, 3, w0);
    const X = matrix(3, 2, [0.3, -1, 1.2, 0.4, -0.7, 2]);
    expect(maxAbs(g.forward(g.init(rng(9)), X))).toBe(0);
    const w = base.init(rng(2).stream('init'));
    const f = base.forward(w, X);
    const f0 = base.forward(w0, X);
    // Two roundings (the difference, then the product) per entry.
    g.forward(w, X).data.forEach((v, i) => expect(Math.abs(v - 3 * (f.data[i]! - f0.data[i]!))).toBeLessThanOrEqual(4 * Number.EPSILON * Math.abs(v)));
  });

  it("has alpha times the base's Jacobian, so its tangent kernel is alpha^2 times the base's", () => {
    const base = compileModel(specs[0]);
    const w0 = base.init(rng(3).stream('init'));
    const w = base.init(rng(4).stream('init'));
    const X = matrix(2, 2, [0.5, 1, -1, 0.25]);
    const alpha = 7.5;
    const g = outputScaled(base, alpha, w0);
    const Jg = jacobian(g, w, X);
    const Jf = jacobian(base, w, X);
    // alpha enters at the top of the reverse pass instead of multiplying its result: each entry's chain of at
    // most ~12 products and short sums is reassociated, so entries agree to gamma(16) of the largest entry.
    const tol = gamma(16) * maxAbs(Jg);
    Jg.data.forEach((v, i) => expect(Math.abs(v - alpha * Jf.data[i]!)).toBeLessThanOrEqual(tol));
  });

  it('gives the same tangent kernel by the structured, kernel-vector and Jacobian methods, at and away from its centre', () => {
    specs.forEach((spec, s) => {
      const base = compileModel(spec);
      const w0 = base.init(rng(10 + s).stream('init'));
      const X1 = matrix(3, 2, [0.3, -1, 1.2, 0.4, -0.7, 2]);
      const X2 = matrix(2, 2, [1, 1, -0.5, 0.1]);
      for (const alpha of [0.1, 1, 16]) {
        const g = outputScaled(base, alpha, w0);
        for (const w of [w0, base.init(rng(20 + s).stream('init'))]) {
          const ref = tangentKernelJacobian(g, w, X1, X2);
          const scale = maxAbs(ref);
          expect(scale).toBeGreaterThan(0);
          expect(maxDiff(tangentKernelStructured(g, w, X1, X2), ref), `${spec.kind} #${s}, alpha ${alpha}, structured`).toBeLessThanOrEqual(KERNEL_RTOL * scale);
          expect(maxDiff(tangentKernelKvp(g, w, X1, X2), ref), `${spec.kind} #${s}, alpha ${alpha}, kvp`).toBeLessThanOrEqual(KERNEL_RTOL * scale);
          const baseK = tangentKernelJacobian(base, w, X1, X2);
          expect(maxDiff(ref, matrix(baseK.rows, baseK.cols, baseK.data.map((v) => alpha * alpha * v)))).toBeLessThanOrEqual(KERNEL_RTOL * scale);
        }
      }
    });
  });

  it('refuses a non-positive scale and a centre of the wrong length, naming them', () => {
    const base = compileModel(specs[2]);
    const w0 = base.init(rng(5).stream('init'));
    expect(() => outputScaled(base, 0, w0)).toThrow(/alpha 0 is not a positive finite number/);
    expect(() => outputScaled(base, Infinity, w0)).toThrow(/alpha Infinity/);
    expect(() => outputScaled(base, 1, w0.subarray(1))).toThrow(/the centre has \d+ values, the base model \d+/);
  });
});
