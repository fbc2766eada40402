import { describe, expect, it } from 'vitest';
import { richardsonDerivative, richardsonDerivativeEstimated } from './finiteDifference.js';

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
