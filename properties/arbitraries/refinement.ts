/**
 * How the laws' refinements run (src/laws/verdict.ts's orderByRefinement) on the generated cases of
 * lawCases.ts: where a refinement in eps starts (the horizon and coarsest step from the curvature at w0, so
 * that GD is stable and not far from its asymptotic range), the options every law shares, the work budget per
 * case, the levels run once each (with a finer start where GD diverges), and the rounding floors that end a
 * refinement before its errors measure rounding instead of the law.
 *
 * @module
 */
import type { Matrix } from '../../src/core/index.js';
import { hessianVectorProduct, lossGradient, type TrainingProblem } from '../../src/kernels/index.js';
import { jacobian } from '../../src/models/index.js';
import { DEEP } from './config.js';

/** The unit roundoff of float64, 2^-53. */
export const UNIT_ROUNDOFF = 2 ** -53;

/** The largest curvature of L at w: |lambda_max(Hess L(w))| by power iteration on Hessian-vector products. */
export function curvatureScale(problem: TrainingProblem, w: Float64Array, iterations = 20): number {
  let v: Float64Array = Float64Array.from(w, (_, j) => Math.cos(1 + j));
  let lambda = 0;
  for (let it = 0; it < iterations; it++) {
    const norm = Math.hypot(...v);
    if (norm === 0) return 0;
    v = v.map((x) => x / norm);
    const hv = hessianVectorProduct(problem, w, v);
    lambda = Math.hypot(...hv);
    v = hv;
  }
  return lambda;
}

/**
 * The horizon in units of the fastest time scale 1/lambda (lambda the curvature scale at w0): T lambda is at
 * most this. GD's error expands in powers of eps lambda and a refinement costs T / eps steps per level, so
 * the same dimensionless accuracy on a problem with lambda = 1500 (a wide layer in the standard
 * parametrisation, whose tangent kernel grows with the width) would take 100 times the steps of one with
 * lambda = 15 at a unit horizon.
 */
export const HORIZON_STIFFNESS = 16;

/**
 * ... and at least this, up to MAX_HORIZON: on a slow start a unit horizon moves w little and the laws' errors
 * sit closer to rounding (a second-order error against GD's rounding gains sqrt(T)); over T lambda = 1 the flow
 * moves on its own time scale.
 */
export const HORIZON_SLOWNESS = 1;

/**
 * The longest horizon: the curvature at w0 does not see the flow speed up as it leaves a slow start, and a
 * long stretch puts GD's coarse levels at eps lambda(t) far above 1 once it has, so the stretch stays modest.
 */
export const MAX_HORIZON = 8;

/** The fewest steps of a refinement's coarsest level. */
export const MIN_COARSEST_STEPS = 4;

/** Where a case's refinement starts: its horizon T, its curvature scale lambda, and the coarsest step count S0. */
export interface RefinementStart {
  readonly T: number;
  readonly lambda: number;
  readonly S0: number;
}

/** The least power of two S0 >= MIN_COARSEST_STEPS with S0 >= T lambda (eps0 lambda <= 1). */
function coarsest(T: number, lambda: number): number {
  let S0 = MIN_COARSEST_STEPS;
  while (S0 < T * lambda) S0 *= 2;
  return S0;
}

/**
 * A case's refinement start: T = 1, halved while T lambda > HORIZON_STIFFNESS and doubled while T lambda <
 * HORIZON_SLOWNESS (up to MAX_HORIZON); S0 the least power of two with S0 >= MIN_COARSEST_STEPS and
 * S0 >= T lambda, so that eps0 lambda is in (1/2, 1] (or below 1/2 when T lambda < 2): GD is stable
 * (eps lambda < 2) with room for lambda to double along the path, a coarser start would only add
 * pre-asymptotic levels, and a finer one would give away levels above rounding (a second-order error falls
 * four times per halving while GD's rounding grows). Powers of two keep eps = T / S exact and S eps = T
 * exactly.
 */
export function refinementStart(problem: TrainingProblem, w0: Float64Array): RefinementStart {
  const lambda = curvatureScale(problem, w0);
  let T = 1;
  while (T * lambda > HORIZON_STIFFNESS) T /= 2;
  while (T * lambda < HORIZON_SLOWNESS && T < MAX_HORIZON) T *= 2;
  return { T, lambda, S0: coarsest(T, lambda) };
}

/** How often a horizon may be halved because a flow over it exceeded its step budget. */
export const MAX_HORIZON_HALVINGS = 4;

/**
 * The start with its horizon halved until `fits(T)` (a flow over [0, T] within its step budget): the curvature
 * at w0 does not see a flow that stiffens later (a layer norm whose inputs draw together), but the first part of
 * that flow is a case like any other. S0 follows T. Null when T was halved MAX_HORIZON_HALVINGS times in vain.
 */
export function fittingStart(start: RefinementStart, fits: (T: number) => boolean): { start: RefinementStart; halvings: number } | null {
  let T = start.T;
  for (let halvings = 0; halvings <= MAX_HORIZON_HALVINGS; halvings++, T /= 2) {
    if (fits(T)) return { start: { T, lambda: start.lambda, S0: coarsest(T, start.lambda) }, halvings };
  }
  return null;
}

/**
 * The resolution of a refined order: a case's half-width is at least this. The refinement reads the limit of
 * the local slopes off their last three values, assuming a regular expansion p + a x + b x^2 + ...; what it does
 * not see (a Huber kink crossed inside a step, whose share depends on where in the step it falls; a third
 * correction) moves that limit by hundredths, more than a geometric tail of the last change allows for. A
 * fifth of the separating half-width 0.25: it cannot bring a competitor one unit away inside.
 */
export const ORDER_RESOLUTION = 0.05;

/**
 * The rounding margin of these laws' refinements (orderByRefinement's roundingMargin): errors within 100 times
 * their rounding scale end a refinement. Rounding of relative size 1/100 moves a local slope by at most
 * 2 / (100 ln 2) = 0.03, an eighth of the separating half-width 0.25 (1 vs 2), and the interval adds that term
 * itself; the default 1000 would leave out the finest levels of second-order errors of nearly linear (wide)
 * models, which fall four times per halving from about 1e-10 of f.
 */
export const ROUNDING_MARGIN_LAWS = 100;

/**
 * The refinement options every law here shares (src/laws/verdict.ts): rounding margin ROUNDING_MARGIN_LAWS,
 * the last two changes of the local slopes of one sign, a half-width of at least ORDER_RESOLUTION, and an
 * integer limit (the orders of these regular expansions are integers, so an interval holding none has not
 * settled).
 */
export const LAW_REFINEMENT = { roundingMargin: ROUNDING_MARGIN_LAWS, sameSign: true, minHalfWidth: ORDER_RESOLUTION, integerLimit: true } as const;

/**
 * The work a refinement may spend on one case, in parameter-steps (sum over levels of S_k d): GD's cost is
 * about d per step for the small batches here. It leaves narrow cases (d below 100) their whole MAX_LEVELS and
 * stops wide ones (d >= 1000) near S = 1024 from S0 = 16 (eps lambda down to about 1e-2), so that one wide case
 * costs seconds, not minutes; a case the budget stops before its slopes settle is inconclusive, and says so.
 */
export const LEVEL_WORK = DEEP ? 2e7 : 4e6;

/** The levels a case's refinement may use: at most maxLevels, and S0 (2^L - 1) d <= LEVEL_WORK, at least 4. */
export function levelBudget(S0: number, d: number, maxLevels: number): number {
  let L = 4;
  while (L < maxLevels && S0 * (2 ** (L + 1) - 1) * d <= LEVEL_WORK) L++;
  return L;
}

/**
 * For laws whose first-order range is checked independently (RefinementOptions.asymptotic): changes of the
 * local slopes below a quarter of ORDER_RESOLUTION count as converged whatever their signs (the irregular
 * corrections of Huber's kinks flip them); the independent check keeps a plateau from passing for a limit.
 */
export const CHECKED_REFINEMENT = { ...LAW_REFINEMENT, settledBelow: ORDER_RESOLUTION / 4 } as const;

/**
 * A case that cannot show a law: nothing moves (grad L(w0) = 0: two equal inputs whose Huber derivatives
 * cancel), or a query's output does not move (grad_w f(x; w0) = 0: x = 0 in a network without biases whose
 * activations vanish at 0, where f(0; w) = 0 for every w and every law's error is identically zero).
 */
export class Stationary extends Error {}

/** Throw Stationary when grad L(w0) vanishes, or when grad_w f(x; w0) vanishes at one of the queries. */
export function checkMoves(problem: TrainingProblem, w0: Float64Array, queries?: Matrix): void {
  const g = lossGradient(problem, w0).gradient;
  if (g.every((v) => v === 0)) throw new Stationary('stationary start: grad L(w0) = 0, so nothing moves');
  if (!queries) return;
  const J = jacobian(problem.model, w0, queries);
  const d = problem.model.paramCount;
  for (let r = 0; r < J.rows; r++) {
    if (J.data.subarray(r * d, (r + 1) * d).every((v) => v === 0)) throw new Stationary(`stationary query: grad_w f(x; w0) = 0 at query output ${r} (f does not depend on w there to first order)`);
  }
}

/** GD ran into non-finite parameters at this step count. */
export class Diverged extends Error {}

/** Whether an exception is the trainer's divergence (its parameters stopped being finite). */
export function isDivergence(e: unknown): boolean {
  return e instanceof Diverged || (e instanceof RangeError && /diverged/.test(e.message));
}

/** The levels of a refinement: S_k = S0 2^k steps at eps_k = T / S_k, each run once. */
export interface RefinementLevels<L> {
  readonly T: number;
  readonly S0: number;
  readonly S: (k: number) => number;
  readonly eps: (k: number) => number;
  readonly level: (k: number) => L;
  /** How many times the start moved one level finer because GD diverged there. */
  readonly restarts: number;
}

/** How often a divergence at the coarsest level may move the start finer before the case is given up. */
export const MAX_RESTARTS = 3;

/**
 * The levels of a case's refinement from `start`, running level 0 at once: where GD diverges there (lambda
 * grew along the path beyond 2 / eps0), the start moves one level finer, at most MAX_RESTARTS times; a
 * divergence beyond that (or at a finer level) is thrown as Diverged for the caller to count.
 */
export function refinementLevels<L>(start: RefinementStart, run: (T: number, S: number) => L): RefinementLevels<L> {
  let S0 = start.S0;
  let restarts = 0;
  const runs: L[] = [];
  const attempt = (S: number): L => {
    try {
      return run(start.T, S);
    } catch (e) {
      if (isDivergence(e)) throw new Diverged(`GD diverged at eps = ${start.T}/${S}`);
      throw e;
    }
  };
  for (;;) {
    try {
      runs[0] = attempt(S0);
      break;
    } catch (e) {
      if (!(e instanceof Diverged) || restarts >= MAX_RESTARTS) throw e;
      S0 *= 2;
      restarts++;
    }
  }
  const S = (k: number) => S0 * 2 ** k;
  return { T: start.T, S0, S, eps: (k) => start.T / S(k), level: (k) => (runs[k] ??= attempt(S(k))), restarts };
}

/**
 * The first-order part eps_k C of a quantity Q_k = eps_k C + eps_k^2 D + O(eps^3) measured at the levels of
 * {@link refinementLevels} (eps halves per level), by Richardson's elimination of D over two levels:
 * eps_k C = 2 Q_k - Q_(k-1) / 2, and at level 0 twice level 1's. The refinements use it to tell whether a level
 * is in the first-order range of an error whose O(eps) term is predicted (the modified flow's deviation, the
 * curvature term): that prediction carries its own eps^2 part, which dominates it where C nearly vanishes (a
 * query near a zero of C), so comparing the prediction itself with the rest would pass a plateau at order 2
 * as first-order.
 */
export function firstOrderPart(q: (level: number) => ArrayLike<number>, k: number): Float64Array {
  if (k === 0) return firstOrderPart(q, 1).map((v) => 2 * v);
  const [now, before] = [q(k), q(k - 1)];
  return Float64Array.from(now, (v, i) => 2 * v - before[i]! / 2);
}

/** Whether the first-order part `first` of an error is at least the rest of it, error - first (Euclidean). */
export function firstOrderLeads(first: ArrayLike<number>, error: ArrayLike<number>): boolean {
  let lead = 0;
  let rest = 0;
  for (let i = 0; i < first.length; i++) {
    lead += first[i]! ** 2;
    rest += (error[i]! - first[i]!) ** 2;
  }
  return lead >= rest;
}

/**
 * The rounding scale of S GD steps in w: each update w + Delta w rounds at about u |w| per step, with signs
 * that do not conspire, so S of them add up to about sqrt(S) u |w| (the probabilistic bound of Higham and
 * Mary 2019 for sums of S terms: sqrt(S) u instead of the worst case S u, which the measured rounding
 * plateaus of these errors stay below by two to three orders). orderByRefinement keeps only errors
 * ROUNDING_MARGIN = 1000 times above it.
 */
export function gdRoundingFloor(steps: number, wScale: number): number {
  return Math.sqrt(steps) * UNIT_ROUNDOFF * wScale;
}

/**
 * |J o w|_2 = sqrt(sum_(r, j) J_rj^2 w_j^2): the size of J delta for a rounding error delta_j = u w_j xi_j of
 * the parameters (xi_j of size at most 1/2), i.e. how much GD's rounding of w moves the outputs per step.
 */
export function jacobianTimesParams(J: { readonly rows: number; readonly cols: number; readonly data: Float64Array }, w: Float64Array): number {
  let s = 0;
  for (let r = 0; r < J.rows; r++) for (let j = 0; j < J.cols; j++) s += (J.data[r * J.cols + j]! * w[j]!) ** 2;
  return Math.sqrt(s);
}
