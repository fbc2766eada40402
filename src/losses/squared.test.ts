import { describe, expect, it } from 'vitest';
import { identity } from '../core/matrix.js';
import { squared } from './squared.js';

const f64 = (...v: number[]): Float64Array => Float64Array.of(...v);

describe('squared', () => {
  it("has L' = y - y* exactly (Remark 3)", () => {
    const y = f64(0.3, -1.7, 2.25);
    const yStar = f64(1.1, 0.4, 2.25);
    expect(Array.from(squared.derivative(y, yStar))).toEqual([0.3 - 1.1, -1.7 - 0.4, 0]);
  });

  it('has L = 1/2 |y - y*|^2', () => {
    expect(squared.value(f64(3, -1), f64(1, 1))).toBe(4);
  });

  it("has L'' = I for any number of outputs", () => {
    for (const O of [1, 2, 5]) {
      const y = new Float64Array(O).fill(0.5);
      expect(squared.secondDerivative(y, new Float64Array(O))).toEqual(identity(O));
    }
  });

  it('takes a target with as many numbers as outputs, and says so when it does not', () => {
    expect(squared.targetDim(3)).toBe(3);
    expect(() => squared.value(f64(1, 2), f64(1))).toThrow(/squared: a target has 2 number\(s\) for 2 output\(s\), got 1/);
  });

  it('rejects a model with no outputs', () => {
    expect(() => squared.check(0)).toThrow(/squared: output count 0 is not a positive integer/);
  });
});
