import { describe, expect, it } from 'vitest';
import { negLogProb } from './negLogProb.js';

const f64 = (...v: number[]): Float64Array => Float64Array.of(...v);

describe('negLogProb', () => {
  it("has L' = -1/p exactly (Remark 3)", () => {
    for (const p of [0.01, 0.3, 0.5, 0.999, 1]) {
      expect(negLogProb.derivative(f64(p), f64(0))[0]).toBe(-1 / p);
    }
  });

  it("has L = -ln p and L'' = 1/p^2", () => {
    expect(negLogProb.value(f64(0.25), f64(0))).toBe(-Math.log(0.25));
    expect(negLogProb.secondDerivative(f64(0.25), f64(0)).data[0]).toBe(16);
  });

  it('ignores the target', () => {
    expect(negLogProb.value(f64(0.4), f64(0))).toBe(negLogProb.value(f64(0.4), f64(7)));
  });

  it('takes exactly one output', () => {
    expect(() => negLogProb.check(2)).toThrow(/negLogProb: takes 1 output \(the probability of the correct class\), but the model has 2/);
  });

  it.each([0, -0.2, Number.NaN, Infinity])('rejects the output y = %s, naming the value', (p) => {
    const message = new RegExp(`negLogProb: the output y = ${p} is not a positive finite probability`);
    expect(() => negLogProb.value(f64(p), f64(0))).toThrow(message);
    expect(() => negLogProb.derivative(f64(p), f64(0))).toThrow(message);
    expect(() => negLogProb.secondDerivative(f64(p), f64(0))).toThrow(message);
  });
});
