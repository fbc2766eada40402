import { describe, expect, it } from 'vitest';
import type { LawRule } from '../claims/index.js';
import { aggregateVerdicts, countVerdicts, decideLaw, orderByRefinement, refinementInterval, separatingHalfWidth, summarizeLaw, type LawCase } from './verdict.js';

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

  const withSlopes = (slopes: number[], sameSign = false) => {
    const xs = slopes.concat([0]).map((_, k) => 2 ** -k);
    const errors = [1];
    for (const s of slopes) errors.push(errors[errors.length - 1]! * 2 ** -s);
    return refinementInterval(xs, errors, 0, { sameSign });
  };

  it('with sameSign, slopes that turn give no interval, and slopes that approach from one side do', () => {
    // Measured on a Huber case of P2 on the way to order 1 from below: 0.69, 0.55, 0.60 (changes -0.14, +0.05).
    expect(withSlopes([0.69, 0.55, 0.6]).halfWidth).toBeLessThan(0.15);
    expect(withSlopes([0.69, 0.55, 0.6], true).halfWidth).toBe(Infinity);
    // The same case later: 0.843, 0.909, 0.950 (changes +0.066, +0.041): an interval that covers 1.
    const later = withSlopes([0.843, 0.909, 0.95], true);
    expect(later.halfWidth).toBeLessThan(0.25);
    expect(Math.abs(later.estimate - 1)).toBeLessThanOrEqual(later.halfWidth);
  });

  it('with sameSign, a refinement through a turning pre-asymptotic range settles only after the turn', () => {
    // e = x (1 - 3 x + 40 x^2): local slopes dip below 1, turn, then approach 1 from below.
    const x = (k: number) => 0.25 / 2 ** k;
    const error = (k: number) => x(k) * (1 - 3 * x(k) + 40 * x(k) ** 2);
    const plain = orderByRefinement({ x, error, maxLevels: 30, targetHalfWidth: 0.25 });
    const strict = orderByRefinement({ x, error, maxLevels: 30, targetHalfWidth: 0.25, sameSign: true });
    expect(strict.stop).toBe('settled');
    expect(Math.abs(strict.estimate - 1)).toBeLessThanOrEqual(strict.halfWidth);
    expect(strict.xs.length).toBeGreaterThanOrEqual(plain.xs.length);
  });

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

  it('with minHalfWidth, a finite interval is never narrower than it; an infinite one stays infinite', () => {
    expect(withSlopes([1.4, 1.2, 1.1]).halfWidth).toBeCloseTo(0.2, 12);
    const xs = [1, 0.5, 0.25, 0.125];
    const errors = [1, 0.5, 0.25, 0.125];
    expect(refinementInterval(xs, errors, 0, { minHalfWidth: 0.05 }).halfWidth).toBe(0.05);
    expect(refinementInterval(xs, errors.map((e, k) => e * (k % 2 === 0 ? 1 : 1.3)), 0, { minHalfWidth: 0.05 }).halfWidth).toBe(Infinity);
  });

  it('with integerLimit, an interval that holds no integer is not settled, and the refinement goes on past it', () => {
    // Slopes 2.45, 2.33, 2.26: a first-order error passing a plateau near 2 (its first coefficient small).
    const slopes = [2.45, 2.33, 2.26];
    const xs = [1, 0.5, 0.25, 0.125];
    const errors = [1];
    for (const s of slopes) errors.push(errors[errors.length - 1]! * 2 ** -s);
    expect(Number.isFinite(refinementInterval(xs, errors).halfWidth)).toBe(true);
    expect(refinementInterval(xs, errors, 0, { integerLimit: true }).halfWidth).toBe(Infinity);
  });

  it('with asymptotic, a plateau at the competitor does not settle: the refinement goes on until the leading term dominates', () => {
    // C x + D x^2 (1 + 3x) with C << D: the slopes sit near 2 (and settle there, contradicting order 1) until
    // x < C/D; told that a level is asymptotic only where the leading term C x is at least the rest, the
    // refinement goes past the plateau.
    const x = halving(0.5);
    const lead = (k: number) => 1e-4 * x(k);
    const rest = (k: number) => x(k) ** 2 * (1 + 3 * x(k));
    const options = { x, error: (k: number) => lead(k) + rest(k), maxLevels: 40, targetHalfWidth: 0.25, sameSign: true, integerLimit: true, minHalfWidth: 0.05 };
    expect(decideLaw(ORDER_ONE, orderByRefinement(options).estimate, orderByRefinement(options).halfWidth)).toBe('contradicted');
    const r = orderByRefinement({ ...options, asymptotic: (k) => lead(k) >= rest(k) });
    expect(r.stop).toBe('settled');
    expect(decideLaw(ORDER_ONE, r.estimate, r.halfWidth)).toBe('consistent');
    // Within a budget that ends on the plateau: no interval.
    expect(orderByRefinement({ ...options, maxLevels: 8, asymptotic: (k) => lead(k) >= rest(k) }).halfWidth).toBe(Infinity);
  });

  it('with settledBelow, tiny changes of either sign count as converged; without it they never settle', () => {
    // Slopes 1.000, 1.003, 0.999, 1.002: changes of 3e-3 and 4e-3 flipping sign (an irregular correction).
    expect(withSlopes([1.0, 1.003, 0.999, 1.002], true).halfWidth).toBe(Infinity);
    const xs = [1, 0.5, 0.25, 0.125, 0.0625];
    const errors = [1];
    for (const s of [1.0, 1.003, 0.999, 1.002]) errors.push(errors[errors.length - 1]! * 2 ** -s);
    const r = refinementInterval(xs, errors, 0, { sameSign: true, settledBelow: 0.0125 });
    expect(r.halfWidth).toBeCloseTo(2 * (0.003 + 0.004), 9);
  });

  it('takes a floor per level, and stops where the error meets its own level\'s floor', () => {
    const x = halving(0.5);
    // The floor grows like the step count 1/x, as GD's rounding does; a constant floor at level 0 would not stop.
    const floor = (k: number) => 1e-16 / x(k);
    const r = orderByRefinement({ x, error: (k) => 1e-3 * x(k) ** 2 * (1 + x(k)), floor, maxLevels: 40, targetHalfWidth: 1e-9 });
    expect(r.stop).toBe('rounding');
    r.errors.forEach((e, k) => expect(e).toBeGreaterThan(1000 * floor(k)));
    expect(orderByRefinement({ x, error: (k) => 1e-3 * x(k) ** 2 * (1 + x(k)), floor: floor(0), maxLevels: 12, targetHalfWidth: 1e-9 }).stop).toBe('budget');
  });

  it('takes a rounding margin: a smaller one keeps finer levels, never one within the margin of its floor', () => {
    const x = halving(0.5);
    const error = (k: number) => 1e-3 * x(k) ** 2 * (1 + x(k));
    const strict = orderByRefinement({ x, error, floor: 1e-15, maxLevels: 40, targetHalfWidth: 1e-9 });
    const loose = orderByRefinement({ x, error, floor: 1e-15, roundingMargin: 100, maxLevels: 40, targetHalfWidth: 1e-9 });
    expect(loose.xs.length).toBeGreaterThan(strict.xs.length);
    loose.errors.forEach((e) => expect(e).toBeGreaterThan(100 * 1e-15));
    expect(strict.errors[strict.errors.length - 1]!).toBeGreaterThan(1000 * 1e-15);
  });

  it('throws on an error that is NaN or infinite instead of taking it for rounding', () => {
    expect(() => orderByRefinement({ x: halving(1), error: (k) => (k === 2 ? NaN : 2 ** -k), maxLevels: 8, targetHalfWidth: 0.1 })).toThrow(/level 2/);
    expect(() => orderByRefinement({ x: halving(1), error: () => Infinity, maxLevels: 8, targetHalfWidth: 0.1 })).toThrow(/Infinity/);
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

  it('a contradicted case counts only when its confirmation on fresh replicates contradicts too', async () => {
    const { decideCasesConfirmed } = await import('./verdict.js');
    const cases = [
      { estimate: 1.0, halfWidth: 0.1 },
      { estimate: 1.5, halfWidth: 0.1 },
      { estimate: 2.0, halfWidth: 0.1 },
      { estimate: 0.99, halfWidth: 0.05 },
    ];
    const asked: number[] = [];
    // Case 1's confirmation is consistent, case 2's contradicts again (at another estimate).
    const second = [null, { estimate: 1.02, halfWidth: 0.1 }, { estimate: 1.9, halfWidth: 0.1 }, null];
    const d = decideCasesConfirmed(ORDER_ONE, cases, (i) => {
      asked.push(i);
      return second[i]!;
    });
    expect(asked).toEqual([1, 2]);
    expect(d.verdicts).toEqual(['consistent', 'inconclusive', 'contradicted', 'consistent']);
    expect(d.verdict).toBe('contradicted');
    expect(d.deciding).toBe(2);
    expect(d.measurements[2]).toEqual({ estimate: 1.9, halfWidth: 0.1 });
    expect(d.measurements[1]).toEqual(cases[1]);
    expect(d.confirmations.map((c) => [c.index, c.secondVerdict, c.verdict])).toEqual([
      [1, 'consistent', 'inconclusive'],
      [2, 'contradicted', 'contradicted'],
    ]);
    // Nothing to confirm: the same decision as without the step, and no remeasurement.
    const plain = decideCasesConfirmed(ORDER_ONE, [cases[0]!, cases[3]!], () => {
      throw new Error('not asked');
    });
    expect(plain.verdict).toBe('consistent');
    expect(plain.confirmations).toEqual([]);
  });

  it('with no case the law is inconclusive', async () => {
    const { decideCases } = await import('./verdict.js');
    const d = decideCases(ORDER_ONE, []);
    expect(d.verdict).toBe('inconclusive');
    expect(d.deciding).toBe(-1);
  });
});

describe('summarising a law over cases', () => {
  const c = (estimate: number, halfWidth: number, label = 'case'): LawCase => ({ label, estimate, halfWidth, verdict: decideLaw(ORDER_ONE, estimate, halfWidth) });

  it('gives the medians of the estimates and half-widths when no case contradicts', () => {
    const s = summarizeLaw(ORDER_ONE, [c(0.98, 0.1), c(1.02, 0.2), c(1.1, 0.3), c(1.2, Infinity)]);
    expect(s.verdict).toBe('inconclusive');
    expect(s.counts).toEqual({ consistent: 3, inconclusive: 1, contradicted: 0 });
    expect(s.basis).toBe('median');
    expect(s.estimate).toBeCloseTo(1.06, 12);
    expect(s.halfWidth).toBeCloseTo(0.25, 12);
    expect(s.range).toEqual([0.98, 1.2]);
  });

  it('gives the deciding case of a contradicted law: the one farthest from the stated exponent', () => {
    const s = summarizeLaw(ORDER_ONE, [c(1, 0.1), c(1.5, 0.1, 'near'), c(2, 0.1, 'far'), c(1.9, 0.5)]);
    expect(s.verdict).toBe('contradicted');
    expect(s.basis).toBe('deciding case');
    expect(s.deciding?.label).toBe('far');
    expect([s.estimate, s.halfWidth]).toEqual([2, 0.1]);
  });

  it('is inconclusive with no case', () => {
    const s = summarizeLaw(ORDER_ONE, []);
    expect(s.verdict).toBe('inconclusive');
    expect(Number.isNaN(s.estimate)).toBe(true);
  });
});

// Levels whose local slopes are exact in binary: x_k = 4^-k and errors 2^-c_k give slopes (c_(k+1) - c_k) / 2
// (Math.log of powers of two divides to the exact half-integer).
const X4 = [1, 1 / 4, 1 / 16, 1 / 64];
const powersOfHalf = (...c: number[]) => c.map((v) => 2 ** -v);
const LN4 = Math.log(4);
// The rounding term is a sum of two quotients over ln 4: a few u.
const CLOSED_FORM_RTOL = 1e-14;

describe('the interval of an order: each branch against its closed form', () => {
  it('slopes that do not move: the half-width is the rounding term (floor / error of the last two levels over ln 4), from a number or per level', () => {
    const errors = powersOfHalf(0, 2, 4, 6); // slopes 1, 1, 1
    const floor = 1e-6;
    const expected = (floor / errors[3]! + floor / errors[2]!) / LN4;
    const byNumber = refinementInterval(X4, errors, floor);
    expect(byNumber.estimate).toBe(1);
    expect(Math.abs(byNumber.halfWidth - expected) / expected).toBeLessThan(CLOSED_FORM_RTOL);
    const byLevel = refinementInterval(X4, errors, [0, 0, floor, floor]);
    expect(Math.abs(byLevel.halfWidth - expected) / expected).toBeLessThan(CLOSED_FORM_RTOL);
  });

  it('a change after two equal slopes is not convergence: infinite half-width', () => {
    expect(refinementInterval(X4, powersOfHalf(0, 2, 4, 7)).halfWidth).toBe(Infinity); // slopes 1, 1, 1.5
  });

  it('changes that do not contract give an infinite half-width; contracting ones 2 max(last q / (1 - q), last, before / 2)', () => {
    expect(refinementInterval(X4, powersOfHalf(0, 2, 5, 7)).halfWidth).toBe(Infinity); // slopes 1, 1.5, 1: q = 1
    const r = refinementInterval(X4, powersOfHalf(0, 2, 6, 9)); // slopes 1, 2, 1.5: before 1, last 0.5, q = 1/2
    expect(r.estimate).toBe(1.5);
    expect(r.halfWidth).toBe(2 * Math.max((0.5 * 0.5) / 0.5, 0.5, 0.5));
  });

  it('changes at most settledBelow count as settled, the bound included', () => {
    // slopes 1, 1.5, 2: both changes exactly 0.5.
    const r = refinementInterval(X4, powersOfHalf(0, 2, 5, 9), 0, { settledBelow: 0.5 });
    expect(r.halfWidth).toBe(2 * (0.5 + 0.5));
    expect(refinementInterval(X4, powersOfHalf(0, 2, 5, 9), 0, { settledBelow: 0.25 }).halfWidth).toBe(Infinity);
  });

  it('with sameSign, changes of one sign still contract to a finite interval (and opposite signs do not)', () => {
    const same = refinementInterval(X4, powersOfHalf(0, 2, 6, 11), 0, { sameSign: true }); // slopes 1, 2, 2.5
    expect(same.halfWidth).toBe(2 * Math.max(0.5, 0.5, 0.5));
    const turning = refinementInterval(X4, powersOfHalf(0, 2, 6, 9), 0, { sameSign: true }); // slopes 1, 2, 1.5
    expect(turning.halfWidth).toBe(Infinity);
    expect(turning.estimate).toBe(1.5);
  });

  it('integerLimit: an integer exactly at the edge of the interval is inside it', () => {
    // slopes 1.5, 1.5, 1.5 with a half-width of 0.5: the integer 2 lies on the edge.
    const errors = powersOfHalf(0, 3, 6, 9);
    expect(refinementInterval(X4, errors, 0, { integerLimit: true, minHalfWidth: 0.5 }).halfWidth).toBe(0.5);
    expect(refinementInterval(X4, errors, 0, { integerLimit: true, minHalfWidth: 0.4 }).halfWidth).toBe(Infinity);
  });
});

describe('refinement: its options reach the interval', () => {
  const x = (k: number) => 4 ** -k;
  it('integerLimit is passed through: an order of 1.5 never settles', () => {
    const r = orderByRefinement({ x, error: (k) => 2 ** (-3 * k), maxLevels: 6, targetHalfWidth: 0.1, integerLimit: true });
    expect(r.stop).toBe('budget');
    expect(r.halfWidth).toBe(Infinity);
    expect(orderByRefinement({ x, error: (k) => 2 ** (-3 * k), maxLevels: 6, targetHalfWidth: 0.1 }).stop).toBe('settled');
  });
  it('settles as soon as the half-width reaches the target, equality included', () => {
    const r = orderByRefinement({ x, error: (k) => 4 ** -k, maxLevels: 6, targetHalfWidth: 0 });
    expect(r.stop).toBe('settled');
    expect(r.xs.length).toBe(4);
  });
});

describe('summaries and decisions over cases: the medians and the range', () => {
  it('leaves cases without a finite estimate out of the median and the range', () => {
    const c = (estimate: number): LawCase => ({ label: String(estimate), estimate, halfWidth: 0.1, verdict: decideLaw(ORDER_ONE, estimate, 0.1) });
    const s = summarizeLaw(ORDER_ONE, [c(1.0), c(NaN), c(1.06)]);
    expect(s.range).toEqual([1.0, 1.06]);
    expect(s.estimate).toBeCloseTo(1.03, 14);
  });
  it('names the case nearest the median, wherever it stands', async () => {
    const { decideCases } = await import('./verdict.js');
    const d = decideCases(ORDER_ONE, [
      { estimate: 1.05, halfWidth: 0.1 },
      { estimate: 0.97, halfWidth: 0.1 },
      { estimate: 1.01, halfWidth: 0.1 },
    ]);
    expect(d.deciding).toBe(2);
  });
});
