import { describe, expect, it } from 'vitest';
import { relativeError } from '../core/close.js';
import { UNIT_ROUNDOFF_F64 } from '../core/tolerance.js';
import { softmaxCrossEntropy } from './softmaxCrossEntropy.js';

const f64 = (...v: number[]): Float64Array => Float64Array.of(...v);

// Each entry is a short chain of correctly rounded operations over at most 4 logits (exp, a sum of 4 terms,
// a division, log1p); 16 u bounds it.
const FEW_ROUNDINGS = 16 * UNIT_ROUNDOFF_F64;

describe('softmaxCrossEntropy', () => {
  it('agrees with the textbook formula ln sum e^z - z_c where that formula is accurate', () => {
    const z = [0.3, -1.2, 2.0, 0.7];
    const naive = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
    for (let c = 0; c < z.length; c++) {
      expect(relativeError(softmaxCrossEntropy.value(f64(...z), f64(c)), naive - z[c]!)).toBeLessThan(FEW_ROUNDINGS);
    }
  });

  it("has L' = softmax(z) - onehot(c), whose entries sum to 0", () => {
    const z = [0.3, -1.2, 2.0];
    const s = z.reduce((a, v) => a + Math.exp(v), 0);
    const d = softmaxCrossEntropy.derivative(f64(...z), f64(2));
    z.forEach((v, k) => expect(relativeError(d[k]!, Math.exp(v) / s - (k === 2 ? 1 : 0))).toBeLessThan(FEW_ROUNDINGS));
    expect(Math.abs(d.reduce((a, v) => a + v, 0))).toBeLessThan(FEW_ROUNDINGS);
  });

  it("has L'' = diag(p) - p p^T, whose rows sum to 0", () => {
    const H = softmaxCrossEntropy.secondDerivative(f64(0.3, -1.2, 2.0), f64(0));
    for (let j = 0; j < 3; j++) {
      const rowSum = H.data[3 * j]! + H.data[3 * j + 1]! + H.data[3 * j + 2]!;
      expect(Math.abs(rowSum)).toBeLessThan(FEW_ROUNDINGS);
    }
  });

  it('stays finite for logits of magnitude 1000, where e^z overflows', () => {
    expect(softmaxCrossEntropy.value(f64(1000, -1000), f64(1))).toBe(2000);
    expect(softmaxCrossEntropy.value(f64(1000, -1000), f64(0))).toBe(0);
    expect(Array.from(softmaxCrossEntropy.derivative(f64(1000, -1000), f64(1)))).toEqual([1, -1]);
  });

  it("keeps relative accuracy in L and L'_c when p_c is within rounding of 1", () => {
    const tiny = Math.exp(-40);
    expect(relativeError(softmaxCrossEntropy.value(f64(40, 0), f64(0)), Math.log1p(tiny))).toBeLessThan(FEW_ROUNDINGS);
    expect(relativeError(softmaxCrossEntropy.derivative(f64(40, 0), f64(0))[0]!, -tiny / (1 + tiny))).toBeLessThan(FEW_ROUNDINGS);
  });

  it('accepts a logit of -Infinity as a class of probability 0', () => {
    expect(softmaxCrossEntropy.value(f64(0, -Infinity), f64(0))).toBe(0);
  });

  it('needs at least two outputs', () => {
    expect(() => softmaxCrossEntropy.check(1)).toThrow(/softmaxCrossEntropy: takes at least 2 outputs \(logits\), but the model has 1/);
  });

  it.each([3, -1, 0.5, Number.NaN])('rejects the class index %s for 3 logits, naming it', (c) => {
    expect(() => softmaxCrossEntropy.value(f64(0, 1, 2), f64(c))).toThrow(
      new RegExp(`softmaxCrossEntropy: target ${c} is not a class index in 0..2`),
    );
  });

  it('rejects NaN and +Infinity logits, naming the entry', () => {
    expect(() => softmaxCrossEntropy.value(f64(0, Number.NaN), f64(0))).toThrow(/logit 1 is NaN/);
    expect(() => softmaxCrossEntropy.derivative(f64(Infinity, 0), f64(0))).toThrow(/logit 0 is Infinity/);
    expect(() => softmaxCrossEntropy.derivative(f64(-Infinity, -Infinity), f64(0))).toThrow(/every logit is -Infinity/);
  });

  it('takes one number per target whatever the output count', () => {
    expect(softmaxCrossEntropy.targetDim(5)).toBe(1);
  });
});
