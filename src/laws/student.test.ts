import { describe, expect, it } from 'vitest';
import { lnGamma, regularisedIncompleteBeta, studentCdf, studentQuantile } from './student.js';

// Closed forms of Student's t quantile: nu = 1 (Cauchy), nu = 2, nu = 4 (a cubic in t^2, solved by cosines).
const cauchy = (p: number) => Math.tan(Math.PI * (p - 0.5));
const two = (p: number) => (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
const four = (p: number) => {
  const a = 4 * p * (1 - p);
  const q = Math.cos(Math.acos(Math.sqrt(a)) / 3) / Math.sqrt(a);
  return Math.sign(p - 0.5) * 2 * Math.sqrt(q - 1);
};

describe("Student's t", () => {
  it('ln Gamma has its closed forms at the integers and half-integers: (n - 1)! and (2n)! sqrt(pi) / (4^n n!)', () => {
    let factorial = 1;
    for (let n = 1; n <= 60; n++) {
      // Gamma(n) = (n - 1)!, and Gamma(n + 1/2) = (2n)! sqrt(pi) / (4^n n!), summed on the log axis.
      const lnFact = (k: number) => Array.from({ length: k }, (_, j) => Math.log(j + 1)).reduce((a, b) => a + b, 0);
      const half = lnFact(2 * n) + 0.5 * Math.log(Math.PI) - n * Math.log(4) - lnFact(n);
      expect(Math.abs(lnGamma(n) - Math.log(factorial))).toBeLessThan(1e-13 * Math.max(1, Math.log(factorial)));
      expect(Math.abs(lnGamma(n + 0.5) - half)).toBeLessThan(1e-13 * Math.max(1, Math.abs(half)));
      factorial *= n;
    }
    expect(Math.abs(lnGamma(0.5) - 0.5 * Math.log(Math.PI))).toBeLessThan(1e-14);
  });

  it('the incomplete beta has its closed forms: I_x(a, 1) = x^a and I_x(1, b) = 1 - (1 - x)^b', () => {
    for (const x of [0.01, 0.3, 0.7, 0.99]) {
      expect(regularisedIncompleteBeta(x, 2.5, 1)).toBeCloseTo(x ** 2.5, 13);
      expect(regularisedIncompleteBeta(x, 1, 3.5)).toBeCloseTo(1 - (1 - x) ** 3.5, 13);
    }
  });

  it('quantiles agree with the closed forms for 1, 2 and 4 degrees of freedom, far into the tail', () => {
    for (const p of [0.6, 0.9, 0.975, 0.995, 0.9999, 1 - 1e-6, 0.2, 1e-5]) {
      for (const [nu, exact] of [[1, cauchy], [2, two], [4, four]] as const) {
        const t = exact(p);
        expect(Math.abs(studentQuantile(p, nu) - t)).toBeLessThan(1e-9 * Math.max(1, Math.abs(t)));
      }
    }
  });

  it('the distribution function inverts the quantile, and matches the printed 97.5% table', () => {
    const table: Record<number, number> = { 1: 12.706, 3: 3.182, 5: 2.571, 10: 2.228, 20: 2.086, 30: 2.042 };
    for (const [nu, t] of Object.entries(table)) expect(studentQuantile(0.975, Number(nu))).toBeCloseTo(t, 3);
    for (const nu of [1.5, 3.7, 12, 250]) for (const p of [0.7, 0.99, 0.99995]) expect(studentCdf(studentQuantile(p, nu), nu)).toBeCloseTo(p, 12);
  });

  it('tends to the normal quantile for many degrees of freedom', () => {
    // Phi^{-1}(0.975) = 1.959964, Phi^{-1}(0.9995) = 3.290527.
    expect(studentQuantile(0.975, 1e6)).toBeCloseTo(1.959964, 5);
    expect(studentQuantile(0.9995, 1e6)).toBeCloseTo(3.290527, 4);
  });

  it('refuses p outside (0, 1) and non-positive degrees of freedom', () => {
    expect(() => studentQuantile(1, 3)).toThrow(/outside/);
    expect(() => studentQuantile(0.9, 0)).toThrow(/degrees of freedom/);
  });
});

describe("Student's t distribution at the edges of its domain", () => {
  it('refuses an incomplete-beta argument outside [0, 1] (NaN included) and non-positive shapes', () => {
    for (const x of [-1e-12, 1 + 1e-12, NaN, -Infinity]) expect(() => regularisedIncompleteBeta(x, 2, 3)).toThrow(/outside \[0, 1\]/);
    expect(() => regularisedIncompleteBeta(0.5, 0, 3)).toThrow(/must be positive/);
    expect(() => regularisedIncompleteBeta(0.5, 2, -1)).toThrow(/must be positive/);
  });

  it('the incomplete beta is exactly 0 at x = 0 and 1 at x = 1, and its symmetry I_x(a, b) = 1 - I_{1-x}(b, a) holds across the branch point', () => {
    for (const [a, b] of [[0.5, 0.5], [2.5, 7], [40, 0.5]] as const) {
      expect(regularisedIncompleteBeta(0, a, b)).toBe(0);
      expect(regularisedIncompleteBeta(1, a, b)).toBe(1);
      // The two sides of the branch x = (a + 1) / (a + b + 2) take different continued fractions.
      for (const x of [0.05, 0.4, (a + 1) / (a + b + 2), 0.93]) {
        const sum = regularisedIncompleteBeta(x, a, b) + regularisedIncompleteBeta(1 - x, b, a);
        expect(Math.abs(sum - 1)).toBeLessThan(1e-13);
      }
    }
  });

  it('gives NaN for a NaN argument, and 0 and 1 at minus and plus infinity', () => {
    expect(studentCdf(NaN, 3)).toBeNaN();
    expect(studentCdf(Infinity, 3)).toBe(1);
    expect(studentCdf(-Infinity, 3)).toBe(0);
  });
});
