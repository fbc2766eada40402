/**
 * Generated cases for the orders of convergence (rate.*, sec.small-learning-rate, P2, the short-time limit of
 * the path kernel): training problems on which the laws are not degenerate. Every model has a hidden layer
 * of non-identity units, so f is nonlinear in w beyond degree 2 and the leading error terms (1/2 Delta w^T
 * Hess f Delta w per step, its third-order remainder, Euler's local error 1/2 eps^2 Hess L grad L) have
 * nonzero coefficients for generic data; one case in WIDE_EVERY has a single wide hidden layer with at least
 * MIN_WIDE_PARAMS parameters; losses, activations, parametrisations, residual connections and layer norm (on
 * layers at least MIN_NORM_WIDTH wide) vary. Built constructively: no case is filtered away.
 *
 * How their refinements run (starts, options, budgets, floors) is in refinement.ts, re-exported here.
 *
 * @module
 */
import fc from 'fast-check';
import { PARAMETRISATIONS, type ModelSpecInput } from '../../src/models/index.js';
import { DEEP, SEED } from './config.js';
import { mlpSpecArb } from './models.js';
import { flowCaseArb, type FlowCase, type FlowCaseOptions } from './problems.js';

export * from './refinement.js';

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

/** Euclidean norm of a - b. */
export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** Largest |a_i - b_i|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} against ${b.length}`);
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
