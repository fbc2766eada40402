import { describe, expect, it } from 'vitest';
import { rng } from '../core/index.js';
import { caseConfidence, jackknifePseudoValues, refineReplicateSlopes, replicateSlope, replicateSlopeOfLogs, SETTLING_FACTOR } from './replicates.js';

const levels = (x0: number, ratio: number, n: number) => Array.from({ length: n }, (_, k) => x0 * ratio ** k);

describe('slopes fitted over replicates', () => {
  it('an exact power law gives its exponent with a zero-width interval', () => {
    const xs = levels(8, 4, 3);
    const ys = xs.map((x) => [3 * x ** -0.5, 3 * x ** -0.5]);
    const r = replicateSlope(xs, ys, { confidence: 0.99, paired: true });
    expect(r.estimate).toBeCloseTo(-0.5, 12);
    expect(r.halfWidth).toBeLessThan(1e-12);
    r.localSlopes.forEach((s) => expect(s).toBeCloseTo(-0.5, 12));
  });

  it('covers the true slope at about the asked confidence (independent levels, 2000 simulated sweeps)', () => {
    const g = rng(7).stream('data');
    const xs = levels(16, 4, 3);
    let covered = 0;
    const sims = 2000;
    for (let s = 0; s < sims; s++) {
      // Unequal spreads per level: Welch's degrees of freedom must cope.
      const ys = xs.map((x, k) => Array.from({ length: 6 }, () => x ** -1 * Math.exp((0.2 + 0.2 * k) * g.normal())));
      const r = replicateSlope(xs, ys, { confidence: 0.9, paired: false });
      if (Math.abs(r.estimate + 1) <= r.halfWidth) covered++;
    }
    expect(covered / sims).toBeGreaterThan(0.87);
    expect(covered / sims).toBeLessThan(0.95);
  });

  it('paired replicates cancel a factor each replicate shares across levels', () => {
    const g = rng(11).stream('data');
    const xs = levels(1, 2, 4);
    const shared = Array.from({ length: 8 }, () => Math.exp(g.normal()));
    const ys = xs.map((x) => shared.map((c) => c * x ** -1 * Math.exp(0.01 * g.normal())));
    const paired = replicateSlope(xs, ys, { confidence: 0.99, paired: true });
    const unpaired = replicateSlope(xs, ys, { confidence: 0.99, paired: false });
    expect(Math.abs(paired.estimate + 1)).toBeLessThan(paired.halfWidth);
    expect(paired.halfWidth).toBeLessThan(0.1);
    expect(unpaired.halfWidth).toBeGreaterThan(10 * paired.halfWidth);
  });

  it('a pre-asymptotic correction that noise cannot explain widens the interval enough to cover the limit', () => {
    // y = x^-1 (1 + c / x) at x = 1, 2, 4: the three-level fit misses -1 by 0.21 (c = 1/2) and 0.12 (c = 1/4).
    for (const c of [0.5, 0.25]) {
      const xs = levels(1, 2, 3);
      const ys = xs.map((x) => [1, 1.0001].map((k) => k * x ** -1 * (1 + c / x)));
      const r = replicateSlope(xs, ys, { confidence: 0.99, paired: true });
      expect(r.estimate).toBeLessThan(-1.1);
      expect(r.settlingHalfWidth).toBeCloseTo(SETTLING_FACTOR * (Math.abs(r.lastChange) - r.lastChangeError), 6);
      expect(Math.abs(r.estimate + 1)).toBeLessThanOrEqual(r.halfWidth);
    }
  });

  it('under noise alone the settling term is small and the interval still covers the slope', () => {
    const g = rng(3).stream('data');
    const xs = levels(16, 4, 3);
    let covered = 0;
    let settling = 0;
    let statistical = 0;
    for (let s = 0; s < 400; s++) {
      const ys = xs.map((x) => Array.from({ length: 8 }, () => x ** -0.5 * Math.exp(0.3 * g.normal())));
      const r = replicateSlope(xs, ys, { confidence: 0.95, paired: false });
      if (Math.abs(r.estimate + 0.5) <= r.halfWidth) covered++;
      settling += r.settlingHalfWidth;
      statistical += r.statisticalHalfWidth;
    }
    expect(covered / 400).toBeGreaterThan(0.95);
    // One standard error of the change is taken off: noise leaves a settling term well below the statistical one.
    expect(settling).toBeLessThan(statistical);
  });

  it('fits the last three levels only', () => {
    const xs = levels(1, 2, 5);
    // Slope -3 on the first two intervals, -1 on the last three.
    const base = [1, 1 / 8, 1 / 64, 1 / 128, 1 / 256];
    const r = replicateSlope(xs, base.map((b) => [b, b]), { confidence: 0.9, paired: true });
    expect(r.estimate).toBeCloseTo(-1, 12);
    expect(r.localSlopes.map((s) => Math.round(s))).toEqual([-3, -3, -1, -1]);
  });

  it('refuses too few levels, too few replicates, unequal paired counts and non-positive values', () => {
    expect(() => replicateSlope([1, 2], [[1, 1], [1, 1]], { confidence: 0.9, paired: true })).toThrow(/at least 3 levels/);
    expect(() => replicateSlope([1, 2, 4], [[1], [1], [1]], { confidence: 0.9, paired: false })).toThrow(/at least 2/);
    expect(() => replicateSlope([1, 2, 4], [[1, 1], [1, 1, 1], [1, 1]], { confidence: 0.9, paired: true })).toThrow(/equal replicate counts/);
    expect(() => replicateSlope([1, 2, 4], [[1, 1], [1, 0], [1, 1]], { confidence: 0.9, paired: true })).toThrow(/level 1 \(x = 2\) replicate 1 is 0/);
    expect(() => replicateSlopeOfLogs([1, 2, 4], [[1, 1], [1, NaN], [1, 1]], { confidence: 0.9, paired: true })).toThrow(/replicate 1 is NaN/);
  });
});

describe('case confidence and jackknife', () => {
  it('Bonferroni: each of n cases at 1 - familyError / n', () => {
    expect(caseConfidence(0.01, 30)).toBeCloseTo(1 - 0.01 / 30, 15);
    expect(() => caseConfidence(0, 30)).toThrow(/family error/);
  });

  it('the pseudo-values of a mean are the values themselves', () => {
    const v = [1, 4, 2, 8, 5];
    const p = jackknifePseudoValues(v.length, (keep) => keep.reduce((s, i) => s + v[i]!, 0) / keep.length);
    p.forEach((x, i) => expect(x).toBeCloseTo(v[i]!, 12));
  });

  it('the pseudo-values of log sd give an interval that covers the log of the true sd', () => {
    const g = rng(5).stream('data');
    let covered = 0;
    const sims = 400;
    for (let s = 0; s < sims; s++) {
      const v = Array.from({ length: 24 }, () => 2 * g.normal());
      const logSd = (keep: readonly number[]) => {
        const m = keep.reduce((a, i) => a + v[i]!, 0) / keep.length;
        return 0.5 * Math.log(keep.reduce((a, i) => a + (v[i]! - m) ** 2, 0) / (keep.length - 1));
      };
      const p = jackknifePseudoValues(v.length, logSd);
      const mean = p.reduce((a, b) => a + b, 0) / p.length;
      const se = Math.sqrt(p.reduce((a, b) => a + (b - mean) ** 2, 0) / (p.length - 1) / p.length);
      if (Math.abs(mean - Math.log(2)) <= 2.07 * se) covered++;
    }
    expect(covered / sims).toBeGreaterThan(0.9);
  });
});

describe('refinement over replicates', () => {
  it('adds levels until the pre-asymptotic correction has faded, then stops', async () => {
    const { refineReplicateSlopes } = await import('./replicates.js');
    let measured = 0;
    const r = refineReplicateSlopes({
      x: (k) => 2 ** k,
      measure: (k) => {
        measured++;
        const x = 2 ** k;
        return [1, 1.001].map((c) => c * x ** -1 * (1 + 4 / x));
      },
      quantities: { y: (v: number) => v },
      targets: { y: 0.1 },
      maxLevels: 12,
      confidence: 0.99,
      paired: true,
    });
    expect(r.stop).toBe('settled');
    expect(measured).toBe(r.xs.length);
    expect(r.xs.length).toBeGreaterThan(4);
    expect(Math.abs(r.slopes.y.estimate + 1)).toBeLessThanOrEqual(r.slopes.y.halfWidth);
  });

  it('reports the budget when the intervals never reach their target', async () => {
    const { refineReplicateSlopes } = await import('./replicates.js');
    const g = rng(1).stream('data');
    const r = refineReplicateSlopes({ x: (k) => 2 ** k, measure: () => [0, 1, 2].map(() => Math.exp(g.normal())), quantities: { y: (v: number) => v }, targets: { y: 0.01 }, maxLevels: 4, confidence: 0.99, paired: false });
    expect(r.stop).toBe('budget');
    expect(r.xs).toEqual([1, 2, 4, 8]);
  });
});

describe('statistics of a level', () => {
  it('a spread across paired seeds gets its slope and interval from jackknife pseudo-values', async () => {
    const { refineReplicateSlopes } = await import('./replicates.js');
    const g = rng(21).stream('data');
    // Replicate r at level k: sqrt(x_k) z_r with z_r shared across levels, plus small independent noise: the
    // spread across replicates grows like x^(1/2).
    const z = Array.from({ length: 40 }, () => g.normal());
    const sd = (v: readonly number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
    };
    const r = refineReplicateSlopes({
      x: (k) => 4 ** -k,
      measure: (k) => z.map((zr) => Math.sqrt(4 ** -k) * (zr + 0.05 * g.normal())),
      quantities: { spread: { statistic: sd } },
      targets: { spread: 0 },
      maxLevels: 3,
      confidence: 0.99,
      paired: true,
    });
    expect(Math.abs(r.slopes.spread.estimate - 0.5)).toBeLessThanOrEqual(r.slopes.spread.halfWidth);
    expect(r.slopes.spread.halfWidth).toBeLessThan(0.1);
    expect(r.values.spread[0]).toBeCloseTo(sd(z), 1);
  });
});

describe('rounds of replicates', () => {
  it('adds replicates to every level while an interval is too wide, and stops once it is narrow', async () => {
    const { refineReplicateSlopes } = await import('./replicates.js');
    const g = rng(9).stream('data');
    const calls: [number, number][] = [];
    const r = refineReplicateSlopes({
      x: (k) => 4 ** k,
      measure: (k, round) => {
        calls.push([k, round]);
        return Array.from({ length: 4 }, () => (4 ** k) ** -0.5 * Math.exp(0.3 * g.normal()));
      },
      quantities: { y: (v: number) => v },
      targets: { y: 0.15 },
      maxLevels: 3,
      maxRounds: 40,
      confidence: 0.99,
      paired: false,
    });
    expect(r.stop).toBe('settled');
    expect(r.rounds).toBeGreaterThan(1);
    expect(r.levels.every((level) => level.length === 4 * r.rounds)).toBe(true);
    expect(calls.filter(([, round]) => round === 1).map(([k]) => k)).toEqual([0, 1, 2]);
    expect(Math.abs(r.slopes.y.estimate + 0.5)).toBeLessThanOrEqual(r.slopes.y.halfWidth);
  });
});

describe('the edges of the replicate fits', () => {
  it('refuses a confidence outside (0, 1), at either end', () => {
    const xs = levels(8, 4, 3);
    const logs = xs.map(() => [0, 1]);
    for (const confidence of [0, -0.5, 1, 1.5]) expect(() => replicateSlopeOfLogs(xs, logs, { confidence, paired: false })).toThrow(/confidence .* is outside \(0, 1\)/);
  });

  it('decides a single case at the family error itself', () => {
    expect(caseConfidence(0.01, 1)).toBe(0.99);
    expect(() => caseConfidence(0.01, 0)).toThrow(/cases 0/);
  });

  it("reports a function quantity's value per level as the geometric mean of its replicates", () => {
    const reps = [[1, 4], [2, 8], [0.5, 2], [3, 12]];
    const r = refineReplicateSlopes({ x: (k) => 2 ** k, measure: (k) => reps[k]!, quantities: { q: (v: number) => v }, targets: { q: Infinity }, maxLevels: 4, confidence: 0.9, paired: true });
    // Geometric means: 2, 4, 1, 6 (the square root of each product), to a few u.
    r.values.q.forEach((v, k) => expect(Math.abs(v - Math.sqrt(reps[k]![0]! * reps[k]![1]!))).toBeLessThan(1e-14 * v));
  });
});
