import { describe, expect, it } from 'vitest';
import { gaussLegendre, gaussLegendreOn } from './gaussLegendre.js';

describe('Gauss-Legendre quadrature', () => {
  it('n nodes integrate x^k over [0, 1] exactly for k <= 2n - 1, and not for k = 2n', () => {
    for (const n of [1, 2, 3, 5, 8, 16]) {
      const { nodes, weights } = gaussLegendre(n);
      for (let k = 0; k <= 2 * n; k++) {
        const q = nodes.reduce((s, t, i) => s + weights[i]! * t ** k, 0);
        // Exact rules are off only by rounding: a few u per node.
        if (k <= 2 * n - 1) expect(Math.abs(q - 1 / (k + 1)), `n ${n}, k ${k}`).toBeLessThan(16 * n * 2 ** -53);
        else if (n <= 5) {
          // The first inexact power: the error is exactly (n!)^4 / ((2n + 1) ((2n)!)^2) on [0, 1].
          const fact = (j: number): number => (j <= 1 ? 1 : j * fact(j - 1));
          const E = fact(n) ** 4 / ((2 * n + 1) * fact(2 * n) ** 2);
          expect(Math.abs(1 / (k + 1) - q - E) / E, `n ${n}`).toBeLessThan(1e-9);
        }
      }
    }
  });

  it('the weights are positive and sum to the interval length', () => {
    const { weights } = gaussLegendreOn(7, 0.25, 2);
    expect(weights.every((w) => w > 0)).toBe(true);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1.75, 14);
  });

  it('a smooth integrand converges geometrically: 8 nodes give exp to rounding', () => {
    const { nodes, weights } = gaussLegendre(8);
    const q = nodes.reduce((s, t, i) => s + weights[i]! * Math.exp(t), 0);
    // The truncation error e^xi (8!)^4 / (17 (16!)^3) < 1e-22; what is left is the rounding of 8 terms.
    expect(Math.abs(q - (Math.E - 1))).toBeLessThan(8 * 2 * 2 ** -53 * (Math.E - 1));
  });
});
