import { describe, expect, it } from 'vitest';
import { jacobianByDifferences, richardsonDerivative, richardsonDerivativeEstimated } from './finiteDifference.js';

describe('Richardson differences', () => {
  it('have O(h^4) truncation: halving h divides the error by about 16', () => {
    const f = (t: number) => [Math.sin(1 + t)];
    const exact = Math.cos(1);
    const e1 = Math.abs(richardsonDerivative(f, 0.1)[0]! - exact);
    const e2 = Math.abs(richardsonDerivative(f, 0.05)[0]! - exact);
    expect(e1 / e2).toBeGreaterThan(14);
    expect(e1 / e2).toBeLessThan(18);
  });

  it('estimate their own error from above, also near a nearly singular point where a fixed h fails', () => {
    // A two-value normalisation d / sqrt(d^2 + eps) with eps 1e-5, 1e-3 from its transition: derivatives of
    // order k grow like eps^(-k/2), so h = 1e-3 is not in the asymptotic range.
    const eps = 1e-5;
    const d0 = 1e-3;
    const f = (t: number) => [(d0 + t) / Math.sqrt((d0 + t) ** 2 + eps), Math.exp(t)];
    const exact = [eps / (d0 * d0 + eps) ** 1.5, 1];
    for (const h of [1e-2, 1e-3, 1e-4]) {
      const { value, error } = richardsonDerivativeEstimated(f, h);
      for (let i = 0; i < 2; i++) {
        const actual = Math.abs(value[i]! - exact[i]!);
        // Rounding (about u |f| / h) is not in the estimate: allowed on top.
        expect(actual, `h ${h}, component ${i}: actual ${actual}, estimate ${error[i]}`).toBeLessThanOrEqual(error[i]! + 1e-15 / h);
      }
    }
    // At h = 1e-3 the normalisation's difference quotient is visibly uncertain, and the estimate says so.
    expect(richardsonDerivativeEstimated(f, 1e-3).error[0]!).toBeGreaterThan(1e-6 * exact[0]!);
  });
});

describe('the Jacobian by differences', () => {
  it('matches the closed form of a quadratic map, column by column', () => {
    // f(w) = (w0^2, w0 w1, 3 w1): J = [[2 w0, 0], [w1, w0], [0, 3]]. A quadratic's third derivative vanishes,
    // so only rounding remains, about u |f| / h.
    const w = Float64Array.of(0.7, -1.3);
    const J = jacobianByDifferences((v) => [v[0]! ** 2, v[0]! * v[1]!, 3 * v[1]!], w, 1e-3);
    expect([J.rows, J.cols]).toEqual([3, 2]);
    const exact = [2 * 0.7, 0, -1.3, 0.7, 0, 3];
    J.data.forEach((v, i) => expect(Math.abs(v - exact[i]!)).toBeLessThan(1e-11));
    // w itself is left as it was.
    expect(Array.from(w)).toEqual([0.7, -1.3]);
  });
});
