import { describe, expect, it } from 'vitest';
import { fitLogLog } from './fit.js';

describe('log-log fits', () => {
  it('an exact power law is fitted exactly, with a zero-width interval', () => {
    const xs = [0.1, 0.05, 0.025, 0.0125];
    const f = fitLogLog(xs, xs.map((x) => 3 * x ** 2));
    expect(f.slope).toBeCloseTo(2, 12);
    expect(Math.exp(f.intercept)).toBeCloseTo(3, 10);
    expect(f.slopeHalfWidth95).toBeLessThan(1e-10);
    f.localSlopes.forEach((s) => expect(s).toBeCloseTo(2, 12));
  });

  it('noise widens the interval, which still covers the true slope', () => {
    const xs = [1, 2, 4, 8, 16, 32];
    const noise = [1.05, 0.97, 1.02, 0.96, 1.04, 0.99];
    const f = fitLogLog(xs, xs.map((x, i) => x ** -0.5 * noise[i]!));
    expect(f.slopeHalfWidth95).toBeGreaterThan(0);
    expect(Math.abs(f.slope + 0.5)).toBeLessThan(f.slopeHalfWidth95);
  });

  it('non-positive points are refused, naming the point', () => {
    expect(() => fitLogLog([1, 2], [1, 0])).toThrow(/point 1 \(2, 0\) is not positive/);
  });
});

describe('asymptotic fits', () => {
  it('a pre-asymptotic head is dropped and the settled slope is fitted', async () => {
    const { fitAsymptotic } = await import('./fit.js');
    // y = x + 40 x^2: slope near 2 at large x, settling to 1 as x shrinks.
    const xs = [0.2, 0.1, 0.05, 0.0025, 0.00125, 0.000625];
    const f = fitAsymptotic(xs, xs.map((x) => x + 40 * x * x));
    expect(f.firstKept).toBeGreaterThan(0);
    expect(Math.abs(f.slope - 1)).toBeLessThan(0.1);
  });

  it('judges settling by the spread of the kept local slopes, not by the first against the last', async () => {
    const { fitAsymptotic, fitLogLog } = await import('./fit.js');
    // Errors whose local slopes run 1.04, 1.15, 2.16, 2.01, 1.28, 1.11, 1.05: first and last agree, the middle does not.
    const ys = [5.3e-1, 2.57e-1, 1.16e-1, 2.59e-2, 6.45e-3, 2.65e-3, 1.23e-3, 5.95e-4];
    const xs = ys.map((_, k) => 2 ** -(6 + k));
    const f = fitAsymptotic(xs, ys, 0.1);
    expect(f.firstKept).toBe(5);
    expect(Math.max(...f.localSlopes) - Math.min(...f.localSlopes)).toBeLessThanOrEqual(0.1);
    expect(fitLogLog(xs, ys).slope).toBeGreaterThan(1.3);
  });
});
