/**
 * Deciding a law: a measured exponent with its interval against a rule fixed from theory before measuring
 * (src/claims/evidence.ts). The stated exponent inside the interval and the named competitor outside:
 * consistent; both inside: inconclusive; the stated exponent outside: contradicted.
 *
 * For orders of convergence (deterministic errors, no noise), {@link orderByRefinement} halves the step until
 * the local slopes settle and gives the interval from how much they still move: if the local slope at level
 * k is p + c x_k + o(x_k) with x halving per level, the changes of the local slope halve from level to level
 * and s_n - p = s_(n-1) - s_n to first order, so twice the last change bounds the distance of the last slope
 * from p. Slopes whose changes do not shrink are not in that range yet, and give no interval.
 *
 * @module
 */
import type { LawRule, LawVerdict, VerdictCounts } from '../claims/index.js';

/** The verdict of one measurement: estimate +- halfWidth against the rule. */
export function decideLaw(rule: LawRule, estimate: number, halfWidth: number): LawVerdict {
  if (!Number.isFinite(estimate) || !(halfWidth >= 0)) return 'inconclusive';
  const inside = (v: number) => Math.abs(v - estimate) <= halfWidth;
  if (!inside(rule.expected)) return 'contradicted';
  return inside(rule.competitor) ? 'inconclusive' : 'consistent';
}

/** The largest share of cases that may stay inconclusive in a consistent law (the same 5% as skips). */
export const MAX_INCONCLUSIVE_SHARE = 0.05;

/** Count per-case verdicts. */
export function countVerdicts(verdicts: readonly LawVerdict[]): VerdictCounts {
  return {
    consistent: verdicts.filter((v) => v === 'consistent').length,
    inconclusive: verdicts.filter((v) => v === 'inconclusive').length,
    contradicted: verdicts.filter((v) => v === 'contradicted').length,
  };
}

/**
 * A law measured on several generated cases: contradicted when any case contradicts it (each case is a
 * counterexample in its own right), inconclusive when more than `maxInconclusiveShare` of the cases are (or
 * there are none), consistent otherwise.
 */
export function aggregateVerdicts(counts: VerdictCounts, maxInconclusiveShare = MAX_INCONCLUSIVE_SHARE): LawVerdict {
  const n = counts.consistent + counts.inconclusive + counts.contradicted;
  if (counts.contradicted > 0) return 'contradicted';
  if (n === 0 || counts.inconclusive > maxInconclusiveShare * n) return 'inconclusive';
  return 'consistent';
}

/** Options of {@link orderByRefinement}. */
export interface RefinementOptions {
  /** The refinement variable at level k, decreasing in k (for example eps_k = eps_0 / 2^k). */
  readonly x: (level: number) => number;
  /** The error at level k (positive). */
  readonly error: (level: number) => number;
  /**
   * The rounding scale of the errors: a level whose error is within ROUNDING_MARGIN of it ends the
   * refinement and is not used (its local slope would measure rounding). Default 0.
   */
  readonly floor?: number;
  /** Levels computed before the interval is looked at (at least 4: three local slopes). Default 4. */
  readonly minLevels?: number;
  /** The budget: the most levels computed. */
  readonly maxLevels: number;
  /** Refinement stops once the half-width is at most this. */
  readonly targetHalfWidth: number;
}

/** The result of {@link orderByRefinement}. */
export interface OrderEstimate {
  /** The last local slope (NaN when fewer than three were usable). */
  readonly estimate: number;
  /** Half-width of the interval (see {@link refinementInterval}); infinite while the slopes do not contract. */
  readonly halfWidth: number;
  readonly xs: readonly number[];
  readonly errors: readonly number[];
  readonly localSlopes: readonly number[];
  /** Why refinement stopped: the interval reached its target, the budget ran out, or rounding was reached. */
  readonly stop: 'settled' | 'budget' | 'rounding';
}

/**
 * Errors within this factor of their rounding scale are not used: rounding of relative size 1/ROUNDING_MARGIN
 * moves a local slope over a halving by at most 2/(ROUNDING_MARGIN ln 2), below 3e-3.
 */
export const ROUNDING_MARGIN = 1000;

/**
 * The largest ratio of the last change of the local slope to the one before for the slopes to count as
 * converging. In the asymptotic range the first correction halves per halving of x (ratio 1/2); a ratio near
 * or above 1 means the slopes are still leaving a pre-asymptotic plateau (for C x + D x^2 with C << D x they
 * sit near 2 and move by a growing amount each level), where no interval can be read off. 0.75 leaves room
 * for the second correction.
 */
export const MAX_CONTRACTION = 0.75;

/**
 * The interval of an order from the last three local slopes s_(n-2), s_(n-1), s_n (see the module's
 * comment): with changes D_(n-1) = s_(n-1) - s_(n-2) and D_n = s_n - s_(n-1) contracting by q = |D_n| / |D_(n-1)|
 * <= MAX_CONTRACTION, the slopes' limit lies within |D_n| q / (1 - q) of s_n; the half-width is twice that,
 * and at least 2 |D_n| and |D_(n-1)| (a last change far below the one before is a coincidence, not
 * convergence), plus what rounding of the last two errors does to s_n. Slopes that do not contract get an
 * infinite half-width. Changes below the rounding term count as zero.
 */
export function refinementInterval(xs: readonly number[], errors: readonly number[], floor = 0): { estimate: number; halfWidth: number; localSlopes: number[] } {
  const localSlopes = xs.slice(1).map((x, i) => Math.log(errors[i + 1]! / errors[i]!) / Math.log(x / xs[i]!));
  const n = localSlopes.length;
  if (n < 3) return { estimate: NaN, halfWidth: Infinity, localSlopes };
  const s = localSlopes;
  // Rounding of relative size floor/error in each of the last two errors, over the log of their x ratio.
  const rounding = (floor / errors[n]! + floor / errors[n - 1]!) / Math.abs(Math.log(xs[n]! / xs[n - 1]!));
  const last = Math.max(Math.abs(s[n - 1]! - s[n - 2]!) - rounding, 0);
  const before = Math.max(Math.abs(s[n - 2]! - s[n - 3]!) - rounding, 0);
  if (last === 0 && before === 0) return { estimate: s[n - 1]!, halfWidth: rounding, localSlopes };
  const q = before === 0 ? Infinity : last / before;
  if (!(q <= MAX_CONTRACTION)) return { estimate: s[n - 1]!, halfWidth: Infinity, localSlopes };
  // At least half the change before the last: a last change far below it is a coincidence, not convergence.
  return { estimate: s[n - 1]!, halfWidth: 2 * Math.max((last * q) / (1 - q), last, before / 2) + rounding, localSlopes };
}

/**
 * Measure an order of convergence by refinement: compute levels 0, 1, ... until the interval's half-width
 * reaches `targetHalfWidth`, the budget `maxLevels` runs out, or the error reaches rounding.
 */
export function orderByRefinement(options: RefinementOptions): OrderEstimate {
  const floor = options.floor ?? 0;
  const minLevels = Math.max(4, options.minLevels ?? 4);
  if (options.maxLevels < minLevels) throw new RangeError(`orderByRefinement: maxLevels ${options.maxLevels} is below the ${minLevels} levels an interval needs`);
  const xs: number[] = [];
  const errors: number[] = [];
  let stop: OrderEstimate['stop'] = 'budget';
  for (let level = 0; level < options.maxLevels; level++) {
    const e = options.error(level);
    if (!(e > floor * ROUNDING_MARGIN)) {
      stop = 'rounding';
      break;
    }
    xs.push(options.x(level));
    errors.push(e);
    if (xs.length >= minLevels && refinementInterval(xs, errors, floor).halfWidth <= options.targetHalfWidth) {
      stop = 'settled';
      break;
    }
  }
  const { estimate, halfWidth, localSlopes } = refinementInterval(xs, errors, floor);
  return { estimate, halfWidth, xs, errors, localSlopes, stop };
}

/** The half-width an order measurement should reach to tell the stated exponent from its competitor. */
export function separatingHalfWidth(rule: LawRule): number {
  return Math.abs(rule.expected - rule.competitor) / 4;
}

/** One case's measurement of a law: an exponent with the half-width of its interval. */
export interface CaseMeasurement {
  readonly estimate: number;
  readonly halfWidth: number;
}

/** A law decided over several cases: each case's verdict, their counts, the aggregate and the deciding case. */
export interface CasesDecision {
  readonly verdicts: readonly LawVerdict[];
  readonly counts: VerdictCounts;
  readonly verdict: LawVerdict;
  /**
   * The case that decides the aggregate: for 'contradicted', the contradicting case whose interval lies
   * farthest from the stated exponent; otherwise the case with the median estimate.
   */
  readonly deciding: number;
  /** The median estimate and the median half-width over the cases. */
  readonly medianEstimate: number;
  readonly medianHalfWidth: number;
}

const median = (v: readonly number[]): number => {
  const s = v.slice().sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2]! : 0.5 * (s[n / 2 - 1]! + s[n / 2]!);
};

/** Decide a law on every case ({@link decideLaw}) and aggregate the verdicts ({@link aggregateVerdicts}). */
export function decideCases(rule: LawRule, cases: readonly CaseMeasurement[], maxInconclusiveShare = MAX_INCONCLUSIVE_SHARE): CasesDecision {
  const verdicts = cases.map((c) => decideLaw(rule, c.estimate, c.halfWidth));
  const counts = countVerdicts(verdicts);
  const verdict = aggregateVerdicts(counts, maxInconclusiveShare);
  const estimates = cases.map((c) => c.estimate);
  const medianEstimate = median(estimates);
  let deciding = cases.length === 0 ? -1 : estimates.indexOf(estimates.slice().sort((a, b) => Math.abs(a - medianEstimate) - Math.abs(b - medianEstimate))[0]!);
  if (verdict === 'contradicted') {
    // How far outside its interval the stated exponent lies, in half-widths.
    const gap = (c: CaseMeasurement) => (Math.abs(c.estimate - rule.expected) - c.halfWidth) / Math.max(c.halfWidth, Number.MIN_VALUE);
    deciding = verdicts.reduce((best, v, i) => (v === 'contradicted' && (best < 0 || gap(cases[i]!) > gap(cases[best]!)) ? i : best), -1);
  }
  return { verdicts, counts, verdict, deciding, medianEstimate, medianHalfWidth: median(cases.map((c) => c.halfWidth)) };
}
