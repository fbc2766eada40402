import { describe, expect, it } from 'vitest';
import { relativeError } from '../core/close.js';
import { UNIT_ROUNDOFF_F64 } from '../core/tolerance.js';
import { binaryLogistic } from './binaryLogistic.js';

const f64 = (...v: number[]): Float64Array => Float64Array.of(...v);

// A handful of correctly rounded operations (exp, log1p, one division, one addition) each contribute at most
// u relative error; 8 u bounds the composition with room to spare.
const FEW_ROUNDINGS = 8 * UNIT_ROUNDOFF_F64;

describe('binaryLogistic', () => {
  it('agrees with the textbook formula ln(1 + e^z) - y* z for moderate logits', () => {
    for (const z of [-3, -0.5, 0, 0.8, 2.5]) {
      for (const t of [0, 1]) {
        const softplus = Math.log(1 + Math.exp(z));
        // The textbook formula is itself inexact: forming 1 + e^z loses u in absolute terms (which the log
        // passes on unchanged near 1), and the difference cancels (for t = 1, z = 2.5 both terms are near 2.5,
        // the result 0.08), so its error is relative to 1 plus the size of its terms, not to the result.
        const scale = 1 + Math.abs(softplus) + Math.abs(t * z);
        expect(Math.abs(binaryLogistic.value(f64(z), f64(t)) - (softplus - t * z))).toBeLessThan(FEW_ROUNDINGS * scale);
      }
    }
  });

  it("has L' = sigmoid(z) - y* and L'' = sigmoid(z)(1 - sigmoid(z))", () => {
    const s = 1 / (1 + Math.exp(-0.6));
    expect(relativeError(binaryLogistic.derivative(f64(0.6), f64(1))[0]!, s - 1)).toBeLessThan(FEW_ROUNDINGS);
    expect(relativeError(binaryLogistic.derivative(f64(0.6), f64(0))[0]!, s)).toBeLessThan(FEW_ROUNDINGS);
    expect(relativeError(binaryLogistic.secondDerivative(f64(0.6), f64(0)).data[0]!, s * (1 - s))).toBeLessThan(FEW_ROUNDINGS);
  });

  it('stays finite and exact for logits of magnitude 800, where e^z overflows', () => {
    expect(binaryLogistic.value(f64(800), f64(1))).toBe(0);
    expect(binaryLogistic.value(f64(-800), f64(0))).toBe(0);
    expect(binaryLogistic.value(f64(800), f64(0))).toBe(800);
    expect(binaryLogistic.value(f64(-800), f64(1))).toBe(800);
    expect(binaryLogistic.derivative(f64(-800), f64(1))[0]).toBe(-1);
    expect(binaryLogistic.secondDerivative(f64(800), f64(1)).data[0]).toBe(0);
  });

  it("keeps L' and L'' in the far tail, where e^-z overflows and sigmoid(z) = e^z / (1 + e^z) is subnormal", () => {
    // sigmoid(-720) = e^-720 (1 - e^-720) ~ 2.3e-313, below the smallest normal number: formed as
    // 1 / (1 + e^720) it would be 1 / Infinity = 0. A subnormal carries about 2^-1074 absolute, so 2.3e-313
    // is held to a relative 1e-9 (4.7e10 units of the last place).
    const SUBNORMAL_RTOL = 1e-9;
    const tail = Math.exp(-720);
    expect(tail).toBeGreaterThan(0);
    expect(relativeError(binaryLogistic.derivative(f64(-720), f64(0))[0]!, tail)).toBeLessThan(SUBNORMAL_RTOL);
    expect(relativeError(binaryLogistic.secondDerivative(f64(-720), f64(0)).data[0]!, tail)).toBeLessThan(SUBNORMAL_RTOL);
    expect(relativeError(binaryLogistic.derivative(f64(720), f64(1))[0]!, -tail)).toBeLessThan(SUBNORMAL_RTOL);
  });

  it("keeps relative accuracy in L and L' when sigmoid(z) is within rounding of the label", () => {
    // At z = 40, sigmoid(z) - 1 = -e^-40 / (1 + e^-40) rounds to 0 if formed as a difference.
    const tiny = Math.exp(-40);
    expect(relativeError(binaryLogistic.derivative(f64(40), f64(1))[0]!, -tiny / (1 + tiny))).toBeLessThan(FEW_ROUNDINGS);
    expect(relativeError(binaryLogistic.value(f64(40), f64(1)), Math.log1p(tiny))).toBeLessThan(FEW_ROUNDINGS);
  });

  it('takes exactly one output', () => {
    expect(() => binaryLogistic.check(2)).toThrow(/binaryLogistic: takes 1 output \(a logit\), but the model has 2/);
  });

  it.each([2, -1, Number.NaN])('rejects the target %s, naming it', (t) => {
    expect(() => binaryLogistic.value(f64(0), f64(t))).toThrow(new RegExp(`binaryLogistic: target ${t} is not a label in \\[0, 1\\]`));
  });

  it('rejects a NaN logit', () => {
    expect(() => binaryLogistic.derivative(f64(Number.NaN), f64(1))).toThrow(/binaryLogistic: the logit is NaN/);
  });
});
