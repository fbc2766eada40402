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
   * refinement and is not used (its local slope would measure rounding). Default 0. A function gives each
   * level its own (GD's rounding grows with its step count).
   */
  readonly floor?: number | ((level: number) => number);
  /**
   * Errors within this factor of their floor end the refinement (default ROUNDING_MARGIN). Rounding of
   * relative size 1/margin moves a local slope by at most 2/(margin ln 2), and the interval adds that term
   * itself: a margin of 100 (0.03) suits intervals of a quarter, where the default's 1000 (3e-3) would leave
   * out the finest levels of errors that shrink fast (a second-order error drops four times per halving).
   */
  readonly roundingMargin?: number;
  /** Levels computed before the interval is looked at (at least 4: three local slopes). Default 4. */
  readonly minLevels?: number;
  /** The budget: the most levels computed. */
  readonly maxLevels: number;
  /** Refinement stops once the half-width is at most this. */
  readonly targetHalfWidth: number;
  /**
   * Require the last two changes of the local slope to have the same sign before an interval is read off
   * (default false). In the asymptotic range s_k = p + a x_k + b x_k^2 + ... the changes are -a x_k (1 + O(x_k))
   * for halving x, all of one sign (or, with a = 0, -3 b x_k^2, again of one sign); a sign change means the
   * slopes are still turning (pre-asymptotic), where a small last change is a coincidence: slopes 0.69, 0.55,
   * 0.60 on their way to 1 from below would otherwise give 0.60 +- 0.14.
   */
  readonly sameSign?: boolean;
  /**
   * The least half-width of a finite interval (default 0): the resolution of an estimate read off three local
   * slopes, below which corrections the extrapolation does not see (a third term, an irregular one) decide.
   */
  readonly minHalfWidth?: number;
  /**
   * The exponent is an integer (default false): the limit of the local slopes of a regular expansion
   * C x^p (1 + a x + ...) with integer p. An interval that holds no integer has not reached that limit (slopes
   * passing from a pre-asymptotic plateau towards it), so it counts as not settled: infinite half-width.
   */
  readonly integerLimit?: boolean;
  /**
   * Whether level k is in the asymptotic range by an independent measurement (default: every level is): for
   * example the leading term of the error, computed on its own, at least as large as the rest. A level that is
   * not cannot end the refinement as settled, and when the last level computed is not, the interval is
   * infinite: the local slopes there measure the remainder's order (a plateau at the competitor), not the law's.
   */
  readonly asymptotic?: (level: number) => boolean;
  /**
   * Changes of the local slopes this small count as converged whatever their signs and ratio (default 0: never):
   * the half-width is then twice the sum of the last two changes (plus rounding). Irregular corrections (a
   * kink crossed inside a step, at a place that moves with the step) make tiny changes flip sign or grow,
   * which the sign and contraction tests read as not settled forever. Safe only with `asymptotic`: on a
   * pre-asymptotic plateau the changes are tiny too before they grow, and only an independent check tells.
   */
  readonly settledBelow?: number;
}

/** The options of {@link refinementInterval} (see {@link RefinementOptions}). */
export interface IntervalOptions {
  readonly sameSign?: boolean;
  readonly minHalfWidth?: number;
  readonly integerLimit?: boolean;
  readonly settledBelow?: number;
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
export function refinementInterval(xs: readonly number[], errors: readonly number[], floor: number | readonly number[] = 0, options: IntervalOptions = {}): { estimate: number; halfWidth: number; localSlopes: number[] } {
  const raw = rawInterval(xs, errors, floor, options);
  if (!Number.isFinite(raw.halfWidth)) return raw;
  const halfWidth = Math.max(raw.halfWidth, options.minHalfWidth ?? 0);
  // No integer inside: not the limit of a regular expansion's slopes yet (RefinementOptions.integerLimit).
  if (options.integerLimit && Math.abs(raw.estimate - Math.round(raw.estimate)) > halfWidth) return { ...raw, halfWidth: Infinity };
  return { ...raw, halfWidth };
}

function rawInterval(xs: readonly number[], errors: readonly number[], floor: number | readonly number[], options: IntervalOptions): { estimate: number; halfWidth: number; localSlopes: number[] } {
  const localSlopes = xs.slice(1).map((x, i) => Math.log(errors[i + 1]! / errors[i]!) / Math.log(x / xs[i]!));
  const n = localSlopes.length;
  if (n < 3) return { estimate: NaN, halfWidth: Infinity, localSlopes };
  const s = localSlopes;
  // Rounding of relative size floor/error in each of the last two errors, over the log of their x ratio.
  const floorAt = (i: number) => (typeof floor === 'number' ? floor : (floor[i] ?? 0));
  const rounding = (floorAt(n) / errors[n]! + floorAt(n - 1) / errors[n - 1]!) / Math.abs(Math.log(xs[n]! / xs[n - 1]!));
  const last = Math.max(Math.abs(s[n - 1]! - s[n - 2]!) - rounding, 0);
  const before = Math.max(Math.abs(s[n - 2]! - s[n - 3]!) - rounding, 0);
  if (last === 0 && before === 0) return { estimate: s[n - 1]!, halfWidth: rounding, localSlopes };
  const settledBelow = options.settledBelow ?? 0;
  if (last <= settledBelow && before <= settledBelow) return { estimate: s[n - 1]!, halfWidth: 2 * (last + before) + rounding, localSlopes };
  // Changes of opposite signs (both beyond rounding): the slopes are still turning (see RefinementOptions.sameSign).
  if (options.sameSign && last > 0 && before > 0 && Math.sign(s[n - 1]! - s[n - 2]!) !== Math.sign(s[n - 2]! - s[n - 3]!)) return { estimate: s[n - 1]!, halfWidth: Infinity, localSlopes };
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
  const floorOf = (level: number) => (typeof options.floor === 'function' ? options.floor(level) : (options.floor ?? 0));
  const floors: number[] = [];
  const minLevels = Math.max(4, options.minLevels ?? 4);
  const interval: IntervalOptions = { sameSign: options.sameSign ?? false, minHalfWidth: options.minHalfWidth ?? 0, integerLimit: options.integerLimit ?? false, settledBelow: options.settledBelow ?? 0 };
  const margin = options.roundingMargin ?? ROUNDING_MARGIN;
  if (options.maxLevels < minLevels) throw new RangeError(`orderByRefinement: maxLevels ${options.maxLevels} is below the ${minLevels} levels an interval needs`);
  const xs: number[] = [];
  const errors: number[] = [];
  let stop: OrderEstimate['stop'] = 'budget';
  let lastAsymptotic = true;
  for (let level = 0; level < options.maxLevels; level++) {
    const e = options.error(level);
    // NaN or an infinite error is a broken computation (or a divergence), never "rounding reached".
    if (!Number.isFinite(e)) throw new RangeError(`orderByRefinement: the error at level ${level} (x = ${options.x(level)}) is ${e}`);
    const floor = floorOf(level);
    if (!(e > floor * margin)) {
      stop = 'rounding';
      break;
    }
    xs.push(options.x(level));
    errors.push(e);
    floors.push(floor);
    lastAsymptotic = options.asymptotic ? options.asymptotic(level) : true;
    if (xs.length >= minLevels && lastAsymptotic && refinementInterval(xs, errors, floors, interval).halfWidth <= options.targetHalfWidth) {
      stop = 'settled';
      break;
    }
  }
  const { estimate, halfWidth, localSlopes } = refinementInterval(xs, errors, floors, interval);
  return { estimate, halfWidth: lastAsymptotic ? halfWidth : Infinity, xs, errors, localSlopes, stop };
}

/** The half-width an order measurement should reach to tell the stated exponent from its competitor. */
export function separatingHalfWidth(rule: LawRule): number {
  return Math.abs(rule.expected - rule.competitor) / 4;
}

/** One case of a law measured over generated cases. */
export interface LawCase {
  /** Names the case (for the detail of the evidence and failure messages). */
  readonly label: string;
  readonly estimate: number;
  readonly halfWidth: number;
  readonly verdict: LawVerdict;
}

/** A law over several cases, summarised for its evidence (see {@link summarizeLaw}). */
export interface LawSummary {
  readonly verdict: LawVerdict;
  readonly counts: VerdictCounts;
  /** The median of the per-case estimates, or the deciding case's (see `basis`). */
  readonly estimate: number;
  /** The median of the per-case half-widths, or the deciding case's. */
  readonly halfWidth: number;
  /** `median` over the cases, or the `deciding case` of a contradicted law. */
  readonly basis: 'median' | 'deciding case';
  /** The deciding case of a contradicted law (the one whose interval lies farthest from the stated exponent). */
  readonly deciding: LawCase | null;
  /** Smallest and largest finite per-case estimates. */
  readonly range: readonly [number, number];
}

function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const v = [...values].sort((a, b) => a - b);
  const k = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[k]! : (v[k - 1]! + v[k]!) / 2;
}

/**
 * Summarise per-case verdicts of one law: the aggregate verdict ({@link aggregateVerdicts}); for a contradicted
 * law the estimate and half-width of its deciding case (the contradicting case whose interval ends farthest
 * from the stated exponent: |estimate - expected| - halfWidth largest), otherwise the medians of the per-case
 * estimates and half-widths (an infinite half-width counts as infinite).
 */
export function summarizeLaw(rule: LawRule, cases: readonly LawCase[], maxInconclusiveShare = MAX_INCONCLUSIVE_SHARE): LawSummary {
  const counts = countVerdicts(cases.map((c) => c.verdict));
  const verdict = aggregateVerdicts(counts, maxInconclusiveShare);
  const finite = cases.map((c) => c.estimate).filter(Number.isFinite);
  const range: [number, number] = finite.length > 0 ? [Math.min(...finite), Math.max(...finite)] : [NaN, NaN];
  if (verdict === 'contradicted') {
    const miss = (c: LawCase) => Math.abs(c.estimate - rule.expected) - c.halfWidth;
    const deciding = cases.filter((c) => c.verdict === 'contradicted').reduce((a, b) => (miss(b) > miss(a) ? b : a));
    return { verdict, counts, estimate: deciding.estimate, halfWidth: deciding.halfWidth, basis: 'deciding case', deciding, range };
  }
  return { verdict, counts, estimate: median(finite), halfWidth: median(cases.map((c) => c.halfWidth).filter((h) => !Number.isNaN(h))), basis: 'median', deciding: null, range };
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

/**
 * Decide a law on every case ({@link decideLaw}) and aggregate the verdicts through {@link summarizeLaw}; the
 * deciding case is the contradicting case farthest from the stated exponent, otherwise the case whose estimate
 * is nearest the median.
 */
export function decideCases(rule: LawRule, cases: readonly CaseMeasurement[], maxInconclusiveShare = MAX_INCONCLUSIVE_SHARE, overrides: readonly (LawVerdict | null)[] = []): CasesDecision {
  const verdicts = cases.map((c, i) => overrides[i] ?? decideLaw(rule, c.estimate, c.halfWidth));
  const summary = summarizeLaw(rule, cases.map((c, i) => ({ label: String(i), estimate: c.estimate, halfWidth: c.halfWidth, verdict: verdicts[i]! })), maxInconclusiveShare);
  const medianEstimate = median(cases.map((c) => c.estimate).filter(Number.isFinite));
  const nearest = cases.reduce((best, c, i) => (best < 0 || Math.abs(c.estimate - medianEstimate) < Math.abs(cases[best]!.estimate - medianEstimate) ? i : best), -1);
  const deciding = summary.deciding ? Number(summary.deciding.label) : nearest;
  return { verdicts, counts: summary.counts, verdict: summary.verdict, deciding, medianEstimate, medianHalfWidth: median(cases.map((c) => c.halfWidth).filter((h) => !Number.isNaN(h))) };
}

/** A contradicted case measured again on fresh replicates, and what the two measurements decide together. */
export interface Confirmation {
  readonly index: number;
  readonly first: CaseMeasurement;
  readonly second: CaseMeasurement;
  readonly secondVerdict: LawVerdict;
  /** 'contradicted' when both measurements are; otherwise 'inconclusive' (the two disagree). */
  readonly verdict: LawVerdict;
}

/**
 * Decide a law measured on random replicates, with a confirmation step fixed before any measurement: a case
 * whose first measurement contradicts the rule is measured once more on fresh replicates at the same levels
 * (`remeasure`, which must draw replicates independent of the first), and counts as contradicted only if
 * the second measurement contradicts too; where the two disagree, the case is inconclusive. With independent
 * measurements, a law that holds is contradicted on a case with probability at most alpha^2 (alpha the
 * per-case error of one measurement) instead of alpha; a law that fails on a case is still contradicted there
 * with the square of the single test's power. The contradicted case then reports its second (unselected)
 * measurement. Cases not contradicted at first are decided as by {@link decideCases}.
 */
export function decideCasesConfirmed(rule: LawRule, cases: readonly CaseMeasurement[], remeasure: (index: number) => CaseMeasurement, maxInconclusiveShare = MAX_INCONCLUSIVE_SHARE): CasesDecision & { readonly confirmations: readonly Confirmation[]; readonly measurements: readonly CaseMeasurement[] } {
  const confirmations: Confirmation[] = [];
  const measurements = cases.slice();
  const overrides: (LawVerdict | null)[] = cases.map(() => null);
  cases.forEach((c, index) => {
    if (decideLaw(rule, c.estimate, c.halfWidth) !== 'contradicted') return;
    const second = remeasure(index);
    const secondVerdict = decideLaw(rule, second.estimate, second.halfWidth);
    const verdict: LawVerdict = secondVerdict === 'contradicted' ? 'contradicted' : 'inconclusive';
    confirmations.push({ index, first: c, second, secondVerdict, verdict });
    overrides[index] = verdict;
    if (verdict === 'contradicted') measurements[index] = second;
  });
  return { ...decideCases(rule, measurements, maxInconclusiveShare, overrides), confirmations, measurements };
}
