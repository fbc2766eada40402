/**
 * Generated cases for the orders of convergence (rate.*, sec.small-learning-rate, P2, the short-time limit of
 * the path kernel): training problems on which the laws are not degenerate. Every model has a hidden layer
 * of non-identity units, so f is nonlinear in w beyond degree 2 and the leading error terms (1/2 Delta w^T
 * Hess f Delta w per step, its third-order remainder, Euler's local error 1/2 eps^2 Hess L grad L) have
 * nonzero coefficients for generic data; one case in WIDE_EVERY has a single wide hidden layer with at least
 * MIN_WIDE_PARAMS parameters; losses, activations, parametrisations, residual connections and layer norm (on
 * layers at least MIN_NORM_WIDTH wide) vary. Built constructively: no case is filtered away.
 *
 * Also here: where a refinement in eps starts (GD stable and not far from its asymptotic range), and the
 * rounding floors that end a refinement (src/laws/verdict.ts's orderByRefinement) before its errors
 * measure rounding instead of the law.
 *
 * @module
 */
import fc from 'fast-check';
import { hessianVectorProduct, lossGradient, type TrainingProblem } from '../../src/kernels/index.js';
import { PARAMETRISATIONS, type ModelSpecInput } from '../../src/models/index.js';
import { DEEP, SEED } from './config.js';
import { mlpSpecArb } from './models.js';
import { flowCaseArb, type FlowCase, type FlowCaseOptions } from './problems.js';

/** The unit roundoff of float64, 2^-53. */
export const UNIT_ROUNDOFF = 2 ** -53;

/** Wide cases have at least this many parameters (some cases with d >= 1000). */
export const MIN_WIDE_PARAMS = 1000;

/** One case in this many is wide (the rest narrow: one or two hidden layers of width 1..6). */
export const WIDE_EVERY = 5;

/**
 * Layer norm only on layers this wide or wider: over two or three units it is a smoothed sign function with
 * a transition of width sqrt(1e-5), where GD needs eps far below 1e-3 before its error is asymptotic.
 */
export const MIN_NORM_WIDTH = 4;

/**
 * Losses with continuous derivatives of every order: the O(eps^2) comparison of GD with the modified flow
 * needs Hess L along the path and its derivatives (backward error analysis), which Huber's loss lacks at
 * |r| = delta (its L'' jumps there, and each crossing of a residual adds an O(eps^2) term whose size depends on
 * where the crossing falls in its step, so the local slopes need not settle).
 */
export const SMOOTH_LOSSES = ['squared', 'binaryLogistic', 'softmaxCrossEntropy'] as const;

/** Every loss of the zoo: Huber's is C^1 with a Lipschitz derivative, enough for the O(eps) laws. */
export const ALL_LOSSES = ['squared', 'huber', 'binaryLogistic', 'softmaxCrossEntropy'] as const;

/**
 * The activations of law cases: the smooth ones without the identity and the square. One hidden layer of
 * identity units makes f a polynomial of degree 2 in w, on which the curvature-corrected form is exact (its
 * Taylor remainder vanishes); square units have sigma'(0) = 0, so at small pre-activations they pass almost no
 * gradient and the start is nearly flat: both are degenerate cases of the laws, whose errors are then rounding
 * alone.
 */
export const LAW_ACTIVATIONS = ['tanh', 'sigmoid', 'softplus', 'sin', 'gelu'] as const;

/** Options of {@link lawCases}. */
export interface LawCaseOptions {
  /** The losses to draw from (default ALL_LOSSES). */
  readonly losses?: FlowCaseOptions['losses'];
  /** The horizon T (default 1). */
  readonly T?: number;
  /** Offsets the seed, so that two sets of cases drawn in one file differ. */
  readonly stream?: number;
}

/** One hidden layer wide enough for MIN_WIDE_PARAMS parameters. */
function wideSpecArb(): fc.Arbitrary<ModelSpecInput> {
  return fc
    .record({
      inputDim: fc.integer({ min: 1, max: 3 }),
      outputDim: fc.integer({ min: 1, max: 3 }),
      bias: fc.boolean(),
      activation: fc.constantFrom(...LAW_ACTIVATIONS),
      norm: fc.constantFrom('none' as const, 'layer' as const),
      parametrisation: fc.constantFrom(...PARAMETRISATIONS),
      // The width: 1 to 1.5 times the least width with MIN_WIDE_PARAMS parameters.
      stretch: fc.integer({ min: 0, max: 50 }),
    })
    .map(({ inputDim, outputDim, bias, activation, norm, parametrisation, stretch }) => {
      // Parameters: width (inputDim + outputDim) weights, plus width + outputDim biases.
      const perUnit = inputDim + outputDim + (bias ? 1 : 0);
      const least = Math.ceil((MIN_WIDE_PARAMS - (bias ? outputDim : 0)) / perUnit);
      const width = Math.round(least * (1 + stretch / 100));
      return { kind: 'mlp', inputDim, outputDim, bias, parametrisation, layers: [{ width, activation, residual: false, norm }] } as ModelSpecInput;
    });
}

/** Narrow law cases: one or two hidden layers of width 1..6 (12 in deep mode), 2..4 training points (8), 1..2 queries. */
export function narrowLawCaseArb(options: LawCaseOptions = {}): fc.Arbitrary<FlowCase> {
  const specs = mlpSpecArb({ minDepth: 1, maxDepth: 2, maxWidth: DEEP ? 12 : 6, layerNorm: true, minNormWidth: MIN_NORM_WIDTH, activations: LAW_ACTIVATIONS });
  return flowCaseArb({ horizons: [options.T ?? 1], minTrain: 2, maxTrain: DEEP ? 8 : 4, minQueries: 1, maxQueries: 2, losses: options.losses ?? ALL_LOSSES }, specs);
}

/** Wide law cases: d >= MIN_WIDE_PARAMS, with 2 training points and one query (the cost is d m per gradient). */
export function wideLawCaseArb(options: LawCaseOptions = {}): fc.Arbitrary<FlowCase> {
  return flowCaseArb({ horizons: [options.T ?? 1], minTrain: 2, maxTrain: 2, minQueries: 1, maxQueries: 1, losses: options.losses ?? ALL_LOSSES }, wideSpecArb());
}

/**
 * `count` law cases drawn with the run's seed: every WIDE_EVERY-th is wide, the others narrow. Drawn as a list
 * (fc.sample) so that the properties loop over them: a law's verdict is recorded, never thrown, so there is
 * nothing to shrink, and a hard failure (an identity, a NaN) reports its case at once instead of re-running
 * refinements over hundreds of shrunk candidates (what took deep mode's P2 past its limit).
 */
export function lawCases(count: number, options: LawCaseOptions = {}): FlowCase[] {
  const wide = Math.floor(count / WIDE_EVERY);
  const seed = SEED + 7919 * (options.stream ?? 0);
  const narrowCases = fc.sample(narrowLawCaseArb(options), { numRuns: count - wide, seed });
  const wideCases = wide > 0 ? fc.sample(wideLawCaseArb(options), { numRuns: wide, seed: seed + 1 }) : [];
  const out: FlowCase[] = [];
  for (let k = 0, a = 0, b = 0; k < count; k++) out.push((k + 1) % WIDE_EVERY === 0 && b < wideCases.length ? wideCases[b++]! : narrowCases[a++]!);
  return out;
}

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

/** A case that cannot show a law: nothing moves (grad L(w0) = 0: two equal inputs whose Huber derivatives cancel). */
export class Stationary extends Error {}

/** Throw Stationary when grad L(w0) vanishes. */
export function checkMoves(problem: TrainingProblem, w0: Float64Array): void {
  const g = lossGradient(problem, w0).gradient;
  if (g.every((v) => v === 0)) throw new Stationary('stationary start: grad L(w0) = 0, so nothing moves');
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

/** Euclidean norm of a - b. */
export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** Largest |a_i - b_i|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Largest |a_i|. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** A short label of a case: its architecture, loss, d and parametrisation. */
export function caseLabel(c: FlowCase, index: number): string {
  const spec = c.spec as { layers?: { width: number; activation: string; norm?: string; residual?: boolean }[]; parametrisation?: string };
  const layers = (spec.layers ?? []).map((l) => `${l.width}${l.activation}${l.norm === 'layer' ? '+LN' : ''}${l.residual ? '+res' : ''}`).join('-');
  return `#${index} ${layers} ${spec.parametrisation ?? ''} ${c.lossName} d=${c.model.paramCount} m=${c.problem.xTrain.rows}`;
}
