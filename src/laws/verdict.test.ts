import { describe, expect, it } from 'vitest';
import type { LawRule } from '../claims/index.js';
import { aggregateVerdicts, countVerdicts, decideLaw, orderByRefinement, refinementInterval, separatingHalfWidth } from './verdict.js';

const ORDER_ONE: LawRule = { quantity: 'order', expected: 1, competitor: 2, reason: 'test' };

describe('deciding a law by its interval', () => {
  it('is consistent when the stated exponent is inside and the competitor outside', () => {
    expect(decideLaw(ORDER_ONE, 1.02, 0.05)).toBe('consistent');
  });
  it('is inconclusive when the interval holds both', () => {
    expect(decideLaw(ORDER_ONE, 1.5, 0.6)).toBe('inconclusive');
  });
  it('is contradicted when the stated exponent is outside, whether or not the competitor is inside', () => {
    expect(decideLaw(ORDER_ONE, 1.98, 0.05)).toBe('contradicted');
    expect(decideLaw(ORDER_ONE, 3, 0.1)).toBe('contradicted');
  });
  it('is inconclusive without a finite estimate or with an infinite interval', () => {
    expect(decideLaw(ORDER_ONE, NaN, 0.1)).toBe('inconclusive');
    expect(decideLaw(ORDER_ONE, 1, Infinity)).toBe('inconclusive');
    expect(decideLaw(ORDER_ONE, 1, NaN)).toBe('inconclusive');
  });
  it('the interval edges count as inside', () => {
    expect(decideLaw(ORDER_ONE, 1.25, 0.25)).toBe('consistent');
    expect(decideLaw(ORDER_ONE, 1.5, 0.5)).toBe('inconclusive');
  });
});

describe('aggregating per-case verdicts', () => {
  it('one contradicted case contradicts the law', () => {
    expect(aggregateVerdicts({ consistent: 29, inconclusive: 0, contradicted: 1 })).toBe('contradicted');
  });
  it('inconclusive cases up to 5% leave the law consistent, more make it inconclusive', () => {
    expect(aggregateVerdicts({ consistent: 19, inconclusive: 1, contradicted: 0 })).toBe('consistent');
    expect(aggregateVerdicts({ consistent: 18, inconclusive: 2, contradicted: 0 })).toBe('inconclusive');
  });
  it('no case is inconclusive', () => {
    expect(aggregateVerdicts({ consistent: 0, inconclusive: 0, contradicted: 0 })).toBe('inconclusive');
  });
  it('counts verdicts', () => {
    expect(countVerdicts(['consistent', 'inconclusive', 'consistent', 'contradicted'])).toEqual({ consistent: 2, inconclusive: 1, contradicted: 1 });
  });
});

describe('orders by refinement', () => {
  const halving = (x0: number) => (k: number) => x0 / 2 ** k;

  it('settles on order 1 for C x + D x^2 with a large D, and the interval covers 1 (the early slopes near 2 do not settle it)', () => {
    const x = halving(0.5);
    const r = orderByRefinement({ x, error: (k) => 0.3 * x(k) + 20 * x(k) ** 2, maxLevels: 30, targetHalfWidth: separatingHalfWidth(ORDER_ONE) });
    expect(r.stop).toBe('settled');
    expect(Math.abs(r.estimate - 1)).toBeLessThanOrEqual(r.halfWidth);
    expect(decideLaw(ORDER_ONE, r.estimate, r.halfWidth)).toBe('consistent');
    // Pre-asymptotic at first: the first local slope is near 2.
    expect(r.localSlopes[0]!).toBeGreaterThan(1.5);
  });

  it('contradicts order 1 on an error that is O(x^2)', () => {
    const x = halving(0.1);
    const r = orderByRefinement({ x, error: (k) => 2 * x(k) ** 2 * (1 + x(k)), maxLevels: 20, targetHalfWidth: 0.25 });
    expect(decideLaw(ORDER_ONE, r.estimate, r.halfWidth)).toBe('contradicted');
    expect(Math.abs(r.estimate - 2)).toBeLessThan(r.halfWidth);
  });

  it('is inconclusive when the budget ends before the slopes settle', () => {
    const x = halving(1);
    const r = orderByRefinement({ x, error: (k) => 1e-3 * x(k) + 1e3 * x(k) ** 2, maxLevels: 5, targetHalfWidth: 0.25 });
    expect(r.stop).toBe('budget');
    expect(r.halfWidth).toBeGreaterThan(0.25);
  });

  it('stops at rounding and does not use levels within the margin of the floor', () => {
    const x = halving(0.5);
    const r = orderByRefinement({ x, error: (k) => 1e-9 * x(k) ** 4, floor: 1e-16, maxLevels: 30, targetHalfWidth: 1e-9 });
    expect(r.stop).toBe('rounding');
    r.errors.forEach((e) => expect(e).toBeGreaterThan(1e-13));
  });

  const withSlopes = (slopes: number[]) => {
    const xs = slopes.concat([0]).map((_, k) => 2 ** -k);
    const errors = [1];
    for (const s of slopes) errors.push(errors[errors.length - 1]! * 2 ** -s);
    return refinementInterval(xs, errors);
  };

  it('slopes that do not contract give no interval, and two that agree by chance do not narrow it', () => {
    // Local slopes 1.15, 2.16, 2.16: the last change is 0 but the one before is 1.01.
    expect(withSlopes([1.04, 1.15, 2.16, 2.16]).halfWidth).toBeGreaterThanOrEqual(1.01);
    // 2.16, 2.01, 1.28: the last change (0.73) is larger than the one before (0.15).
    expect(withSlopes([1.04, 1.15, 2.16, 2.01, 1.28]).halfWidth).toBe(Infinity);
  });

  it('slopes that contract by half give twice the last change', () => {
    const r = withSlopes([1.4, 1.2, 1.1]);
    expect(r.estimate).toBeCloseTo(1.1, 12);
    expect(r.halfWidth).toBeCloseTo(0.2, 12);
  });

  it('slopes that contract slowly give a wider interval than twice the last change', () => {
    const r = withSlopes([1.3, 1.2, 1.13]);
    // q = 0.7: the limit may be 0.07 * 0.7 / 0.3 below 1.13; twice that.
    expect(r.halfWidth).toBeCloseTo((2 * 0.07 * 0.7) / 0.3, 10);
  });

  it('refuses a budget too small for an interval', () => {
    expect(() => orderByRefinement({ x: halving(1), error: () => 1, maxLevels: 3, targetHalfWidth: 0.1 })).toThrow(/maxLevels 3/);
  });
});

describe('deciding a law over cases', () => {
  it('aggregates per-case verdicts and names the median case when nothing contradicts', async () => {
    const { decideCases } = await import('./verdict.js');
    const d = decideCases(ORDER_ONE, [
      { estimate: 1.01, halfWidth: 0.1 },
      { estimate: 0.97, halfWidth: 0.1 },
      { estimate: 1.05, halfWidth: 0.1 },
    ]);
    expect(d.verdict).toBe('consistent');
    expect(d.counts).toEqual({ consistent: 3, inconclusive: 0, contradicted: 0 });
    expect(d.deciding).toBe(0);
    expect(d.medianEstimate).toBeCloseTo(1.01, 12);
    expect(d.medianHalfWidth).toBeCloseTo(0.1, 12);
  });

  it('one contradicting case decides, and the most decisive one is named', async () => {
    const { decideCases } = await import('./verdict.js');
    const d = decideCases(ORDER_ONE, [
      { estimate: 1.0, halfWidth: 0.1 },
      { estimate: 1.5, halfWidth: 0.3 },
      { estimate: 2.0, halfWidth: 0.1 },
      { estimate: 1.3, halfWidth: 0.2 },
    ]);
    expect(d.verdicts).toEqual(['consistent', 'contradicted', 'contradicted', 'contradicted']);
    expect(d.verdict).toBe('contradicted');
    expect(d.deciding).toBe(2);
  });

  it('with no case the law is inconclusive', async () => {
    const { decideCases } = await import('./verdict.js');
    const d = decideCases(ORDER_ONE, []);
    expect(d.verdict).toBe('inconclusive');
    expect(d.deciding).toBe(-1);
  });
});
