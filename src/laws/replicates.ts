/**
 * Slopes fitted over replicates: a scaling law y ~ x^p measured at levels x_1, x_2, ... (widths, output scales,
 * learning rates), each level run on R replicates (initialisations, batch seeds), read on log axes. The
 * interval of p has two parts:
 *
 * - statistical: the slope is a linear combination sum_k c_k ybar_k of the level means of log y, so its
 *   standard error comes from the replicates' spread. With `paired` levels (replicate r shares its random
 *   numbers across levels: one initialisation rescaled by alpha, one batch seed at every eps) the combination
 *   is taken per replicate and its mean has R - 1 degrees of freedom; with independent levels the variance
 *   sum_k c_k^2 s_k^2 / R_k and Welch-Satterthwaite degrees of freedom. The half-width is the Student t
 *   quantile at the asked confidence times that error.
 * - settling: the estimate is the fit over the last three levels, the mean of the last two local slopes
 *   s_(n-1), s_n. If the local slopes approach their limit p geometrically, |s_k - p| shrinking by a factor
 *   q per level, that mean lies within (1 + q) / (2 (1 - q)) times |s_n - s_(n-1)| of p. A first correction
 *   c / x to y (or c x, as x shrinks) gives q -> 1/2 when x doubles per level, and q <= 3/5 already where c / x
 *   is half the leading term; SETTLING_FACTOR is the factor at q = 3/5. The change measured carries the
 *   replicates' noise too, and under noise alone |s_n - s_(n-1)| overestimates the true change by about its
 *   standard error (E|N(0, e^2)| = 0.8 e): one standard error is taken off, and the rest counts as curvature.
 *
 * What this does not catch: a curvature smaller than the noise of the last change (it is then taken for
 * noise), and local slopes that settle slower than q = 1/2 per level. More levels (deep mode) narrow both.
 *
 * @module
 */
import { studentQuantile } from './student.js';

/**
 * The factor between the last change of the local slopes and the largest distance of the three-level fit from
 * the limit: (1 + q) / (2 (1 - q)) at q = 3/5 (see the module comment).
 */
export const SETTLING_FACTOR = 2;

/** Levels the estimate is fitted on (the last ones): two local slopes. */
export const FIT_LEVELS = 3;

/** Options of {@link replicateSlope}. */
export interface ReplicateSlopeOptions {
  /** Two-sided confidence of the interval, in (0, 1), for example 1 - 0.01 / cases. */
  readonly confidence: number;
  /** Whether replicate r shares its random numbers across levels (then every level has the same R). */
  readonly paired: boolean;
}

/** A slope fitted over replicates with its interval. */
export interface ReplicateSlope {
  /** The slope of the level means of log y over the last {@link FIT_LEVELS} levels. */
  readonly estimate: number;
  /** Its standard error from the replicates. */
  readonly standardError: number;
  /** The degrees of freedom of that error (R - 1 paired, Welch-Satterthwaite otherwise). */
  readonly degreesOfFreedom: number;
  /** The t quantile times the standard error. */
  readonly statisticalHalfWidth: number;
  /** SETTLING_FACTOR times the part of |s_n - s_(n-1)| beyond one standard error of it. */
  readonly settlingHalfWidth: number;
  /** statisticalHalfWidth + settlingHalfWidth. */
  readonly halfWidth: number;
  /** Local slopes of the level means of log y between consecutive levels. */
  readonly localSlopes: readonly number[];
  /** The last change of the local slopes, s_n - s_(n-1), and its standard error. */
  readonly lastChange: number;
  readonly lastChangeError: number;
}

/** A linear combination sum_k c_k ybar_k of the level means with its standard error and degrees of freedom. */
interface Combination {
  readonly value: number;
  readonly error: number;
  readonly dof: number;
}

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const variance = (v: readonly number[]) => {
  const m = mean(v);
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
};

function combine(logs: readonly (readonly number[])[], c: readonly number[], paired: boolean): Combination {
  const used = c.map((ck, k) => [ck, k] as const).filter(([ck]) => ck !== 0);
  if (paired) {
    const R = logs[used[0]![1]]!.length;
    const per = Array.from({ length: R }, (_, r) => used.reduce((s, [ck, k]) => s + ck * logs[k]![r]!, 0));
    return { value: mean(per), error: Math.sqrt(variance(per) / R), dof: R - 1 };
  }
  let value = 0;
  let v = 0;
  let denom = 0;
  for (const [ck, k] of used) {
    const level = logs[k]!;
    const part = (ck * ck * variance(level)) / level.length;
    value += ck * mean(level);
    v += part;
    denom += (part * part) / (level.length - 1);
  }
  // Welch-Satterthwaite; with no spread at all (v = 0) the degrees of freedom are immaterial.
  return { value, error: Math.sqrt(v), dof: denom > 0 ? (v * v) / denom : Math.max(1, logs[used[0]![1]]!.length - 1) };
}

/**
 * The slope of log y against log x over the last three levels with its interval (see the module comment).
 * `ys[k][r]` is replicate r at level k (positive); at least three levels, at least two replicates per level.
 */
export function replicateSlope(xs: readonly number[], ys: readonly (readonly number[])[], options: ReplicateSlopeOptions): ReplicateSlope {
  ys.forEach((level, k) => {
    const bad = level.findIndex((y) => !(y > 0) || !Number.isFinite(y));
    if (bad >= 0) throw new RangeError(`replicateSlope: level ${k} (x = ${xs[k]}) replicate ${bad} is ${level[bad]}, not a positive finite number`);
  });
  return replicateSlopeOfLogs(xs, ys.map((level) => level.map(Math.log)), options);
}

/** {@link replicateSlope} on values already on the log axis (`logs[k][r]` = log y, or a jackknife pseudo-value of it). */
export function replicateSlopeOfLogs(xs: readonly number[], logs: readonly (readonly number[])[], options: ReplicateSlopeOptions): ReplicateSlope {
  const n = xs.length;
  if (logs.length !== n || n < FIT_LEVELS) throw new RangeError(`replicateSlope: need at least ${FIT_LEVELS} levels with values, got ${n} levels and ${logs.length} value lists`);
  if (!(options.confidence > 0 && options.confidence < 1)) throw new RangeError(`replicateSlope: confidence ${options.confidence} is outside (0, 1)`);
  logs.forEach((level, k) => {
    if (level.length < 2) throw new RangeError(`replicateSlope: level ${k} has ${level.length} replicate(s), at least 2 are needed for a spread`);
    if (options.paired && level.length !== logs[0]!.length) throw new RangeError(`replicateSlope: paired levels need equal replicate counts (level ${k} has ${level.length}, level 0 ${logs[0]!.length})`);
    const bad = level.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`replicateSlope: level ${k} (x = ${xs[k]}) replicate ${bad} is ${level[bad]} on the log axis`);
  });
  const lx = xs.map(Math.log);
  const zeros = () => new Array<number>(n).fill(0);
  // Least-squares slope over the last FIT_LEVELS levels: c_k = (lx_k - mean) / sum (lx_j - mean)^2.
  const fitFrom = n - FIT_LEVELS;
  const fitX = lx.slice(fitFrom);
  const mx = mean(fitX);
  const sxx = fitX.reduce((s, v) => s + (v - mx) ** 2, 0);
  const cSlope = zeros();
  fitX.forEach((v, j) => {
    cSlope[fitFrom + j] = (v - mx) / sxx;
  });
  const local = (k: number) => {
    const c = zeros();
    const h = lx[k + 1]! - lx[k]!;
    c[k + 1] = 1 / h;
    c[k] = -1 / h;
    return c;
  };
  const localSlopes = xs.slice(1).map((_, k) => combine(logs, local(k), options.paired).value);
  const cLast = local(n - 2);
  const cBefore = local(n - 3);
  const change = combine(logs, cLast.map((v, k) => v - cBefore[k]!), options.paired);
  const slope = combine(logs, cSlope, options.paired);
  const tail = 0.5 + options.confidence / 2;
  const tSlope = slope.error > 0 ? studentQuantile(tail, slope.dof) : 0;
  const statisticalHalfWidth = tSlope * slope.error;
  const settlingHalfWidth = SETTLING_FACTOR * Math.max(0, Math.abs(change.value) - change.error);
  return {
    estimate: slope.value,
    standardError: slope.error,
    degreesOfFreedom: slope.dof,
    statisticalHalfWidth,
    settlingHalfWidth,
    halfWidth: statisticalHalfWidth + settlingHalfWidth,
    localSlopes,
    lastChange: change.value,
    lastChangeError: change.error,
  };
}

/**
 * The two-sided confidence at which each of `cases` cases is decided so that, for a law that holds, the chance
 * that noise contradicts it in any case stays below `familyError` (Bonferroni): 1 - familyError / cases.
 */
export function caseConfidence(familyError: number, cases: number): number {
  if (!(familyError > 0 && familyError < 1) || !(cases >= 1)) throw new RangeError(`caseConfidence: family error ${familyError} and cases ${cases} must lie in (0, 1) and be at least 1`);
  return 1 - familyError / cases;
}

/**
 * Jackknife pseudo-values of a statistic of R replicates: p_r = R theta(all) - (R - 1) theta(all but r). Their
 * mean is the bias-corrected statistic and their spread gives its standard error, so a statistic that is not a
 * mean (a standard deviation across batch seeds, on log axes) can be fed to {@link replicateSlope} as paired
 * replicates.
 */
export function jackknifePseudoValues(replicates: number, statistic: (keep: readonly number[]) => number): number[] {
  if (!(Number.isInteger(replicates) && replicates >= 3)) throw new RangeError(`jackknife: ${replicates} replicates, at least 3 are needed`);
  const all = Array.from({ length: replicates }, (_, r) => r);
  const full = statistic(all);
  return all.map((r) => replicates * full - (replicates - 1) * statistic(all.filter((j) => j !== r)));
}

/**
 * A quantity of a refinement: a positive value per replicate (its level mean is taken on log axes), or a
 * positive statistic of a level's replicates together (a spread across batch seeds, the norm of a mean over
 * initialisations), whose slope's error comes from jackknife pseudo-values of its log.
 */
export type ReplicateQuantity<M> = ((replicate: M) => number) | { readonly statistic: (replicates: readonly M[]) => number };

/** Options of {@link refineReplicateSlopes}. */
export interface ReplicateRefinementOptions<M, Q extends string> {
  /** The swept value at level k (widths doubling, alphas doubling, learning rates halving, ...). */
  readonly x: (level: number) => number;
  /**
   * The replicates measured at level k in round j: round 0 is the first set; rounds 1, 2, ... add new
   * replicates to every level (for paired levels, the same new seeds at every level).
   */
  readonly measure: (level: number, round: number) => readonly M[];
  /**
   * Rounds of replicates at most (default 1): when the levels' budget is spent and an interval is still wider
   * than its target, each further round adds replicates to every level. Stopping on the interval's width, not
   * on where it lies, does not bias the estimate (for normal data the mean and the spread are independent).
   */
  readonly maxRounds?: number;
  /** The quantities whose slopes are fitted, by name. */
  readonly quantities: Readonly<Record<Q, ReplicateQuantity<M>>>;
  /** Refinement stops once every quantity's half-width is at most its target. */
  readonly targets: Readonly<Record<Q, number>>;
  /** Levels computed before the intervals are looked at (at least {@link FIT_LEVELS}). */
  readonly minLevels?: number;
  /** The budget: the most levels computed. */
  readonly maxLevels: number;
  readonly confidence: number;
  readonly paired: boolean;
}

/** The result of {@link refineReplicateSlopes}. */
export interface ReplicateRefinement<M, Q extends string> {
  readonly xs: readonly number[];
  /** levels[k][r]: replicate r at level k. */
  readonly levels: readonly (readonly M[])[];
  readonly slopes: Readonly<Record<Q, ReplicateSlope>>;
  /** Each quantity at each level: the geometric mean of its replicates, or the statistic of all of them. */
  readonly values: Readonly<Record<Q, readonly number[]>>;
  /** Rounds of replicates used. */
  readonly rounds: number;
  /** Why refinement stopped: every interval reached its target, or the budget ran out. */
  readonly stop: 'settled' | 'budget';
}

function logStatistic<M>(replicates: readonly M[], statistic: (replicates: readonly M[]) => number, level: number): (keep: readonly number[]) => number {
  return (keep) => {
    const v = statistic(keep.map((r) => replicates[r]!));
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`refineReplicateSlopes: a statistic at level ${level} is ${v}, not a positive finite number`);
    return Math.log(v);
  };
}

/** The slope of one quantity over the levels so far, and its value per level. */
function fitQuantity<M>(xs: readonly number[], levels: readonly (readonly M[])[], quantity: ReplicateQuantity<M>, options: ReplicateSlopeOptions): { slope: ReplicateSlope; values: number[] } {
  if (typeof quantity === 'function') {
    const ys = levels.map((level) => level.map(quantity));
    const values = ys.map((level) => Math.exp(level.reduce((s, y) => s + Math.log(y), 0) / level.length));
    return { slope: replicateSlope(xs, ys, options), values };
  }
  const logs = levels.map((level, k) => jackknifePseudoValues(level.length, logStatistic(level, quantity.statistic, k)));
  const values = levels.map((level, k) => Math.exp(logStatistic(level, quantity.statistic, k)(level.map((_, r) => r))));
  return { slope: replicateSlopeOfLogs(xs, logs, options), values };
}

/**
 * Refine a sweep level by level until the local slopes of every quantity have settled enough for its interval
 * to reach its target (or the budget ends); the slopes are fitted on the last three levels computed.
 */
export function refineReplicateSlopes<M, Q extends string>(options: ReplicateRefinementOptions<M, Q>): ReplicateRefinement<M, Q> {
  const minLevels = Math.max(FIT_LEVELS, options.minLevels ?? FIT_LEVELS);
  if (options.maxLevels < minLevels) throw new RangeError(`refineReplicateSlopes: maxLevels ${options.maxLevels} is below the ${minLevels} levels an interval needs`);
  const names = Object.keys(options.quantities) as Q[];
  const xs: number[] = [];
  const levels: (readonly M[])[] = [];
  const fit = () => {
    const fits = names.map((q) => fitQuantity(xs, levels, options.quantities[q], { confidence: options.confidence, paired: options.paired }));
    return {
      slopes: Object.fromEntries(names.map((q, i) => [q, fits[i]!.slope])) as Record<Q, ReplicateSlope>,
      values: Object.fromEntries(names.map((q, i) => [q, fits[i]!.values])) as Record<Q, number[]>,
    };
  };
  const settled = (slopes: Record<Q, ReplicateSlope>) => names.every((q) => slopes[q].halfWidth <= options.targets[q]);
  for (let level = 0; level < options.maxLevels; level++) {
    xs.push(options.x(level));
    levels.push(options.measure(level, 0));
    if (xs.length >= minLevels) {
      const { slopes, values } = fit();
      if (settled(slopes)) return { xs, levels, slopes, values, rounds: 1, stop: 'settled' };
    }
  }
  const maxRounds = options.maxRounds ?? 1;
  for (let round = 1; round < maxRounds; round++) {
    levels.forEach((level, k) => {
      levels[k] = [...level, ...options.measure(k, round)];
    });
    const { slopes, values } = fit();
    if (settled(slopes)) return { xs, levels, slopes, values, rounds: round + 1, stop: 'settled' };
  }
  return { xs, levels, ...fit(), rounds: maxRounds, stop: 'budget' };
}
