/**
 * The regularised convex problems of disc.convex-solution (properties/discussion/convexSolution.property.ts):
 * their generator, the span of the training gradients, and the bounds the property holds the flow to.
 *
 * @module
 */
import fc from 'fast-check';
import { gamma, matrix, norm2, rng, symmetricEigenvalues, UNIT_ROUNDOFF_F64, type Matrix } from '../../src/core/index.js';
import { DOP853 } from '../../src/flow/index.js';
import { gradientFlow, lossGradient, type FlowResult, type TrainingProblem } from '../../src/kernels/index.js';
import { binaryLogistic, squared } from '../../src/losses/index.js';
import { compileModel, jacobian, type Model } from '../../src/models/index.js';
import { SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_RTOL, IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';

// Staying in the span is exact on the flow and on every Runge-Kutta step (each stage value is a combination
// of the grad f(x_i) and of w), so only rounding takes w out of it, and the flow then damps what left the span
// as e^{-lambda (T - t)} (dv/dt = -lambda v off the span). Per unit time the gradient's VJP rounds by
// gamma(m + 1) sum_i |L'_i| |g_i| and the stage sums by gamma(s + 1) B1 |k| (B1 = sum_l |b_l|, 12.9 for
// DOP853): damped over [0, T] that is (gamma(s + 1) B1 + gamma(m + 1)) max|k| (1 - e^{-lambda T}) / lambda.
// Each step's addition rounds by u |w|, damped from its end t_k: u max|w| sum_k e^{-lambda (T - t_k)}. The
// projection, by modified Gram-Schmidt done twice, is orthonormal to a few u, and a vector in the span keeps a
// residual of about u cond(G) |v| (G the m x d matrix of the rows grad f(x_i)). ROUNDING_SAFETY covers the
// constants and the maxima taken at SAMPLES recorded times. These are worst-case bounds (every rounding at
// full size and aligned); what is observed, roundings of both signs adding like a random walk, sits well
// below them (the worst ratio is a recorded figure).
export const ROUNDING_SAFETY = 4;
const B1 = DOP853.b.reduce((acc, b) => acc + Math.abs(b), 0);
export const SAMPLES = 9;

// The bounds carry the projection's u cond(G) |v|, so nearly dependent rows grad f(x_i) (smooth features of
// one input over a few points often are) are checked at the accuracy their conditioning allows. Beyond
// cond(G) = 1e12 that accuracy (u cond(G) ~ 1e-4) no longer separates rounding from leaving the span; the
// ledger counts and skips such cases.
export const COND_MAX = 1e12;

/** A regularised convex problem: a random-features model with d > m, a loss, lambda, a horizon. */
export interface ConvexCase {
  readonly problem: TrainingProblem;
  readonly lossName: 'squared' | 'binaryLogistic';
  readonly lambda: number;
  readonly T: number;
  readonly queries: Matrix;
  readonly w0: Float64Array;
  readonly description: string;
}

/** Regularised convex problems: random cosine features with d > m, squared or logistic loss, lambda, T. */
export function convexCaseArb(): fc.Arbitrary<ConvexCase> {
  return fc
    .record({
      inputDim: fc.integer({ min: 1, max: 3 }),
      m: fc.integer({ min: 2, max: 5 }),
      extra: fc.integer({ min: 1, max: 6 }),
      // Cosine features only: the random features' phases are uniform in [0, 2 pi), where tanh saturates to a
      // constant for most of them and the rows grad f(x_i) become numerically dependent.
      activation: fc.constant('cos' as const),
      featureSeed: fc.nat({ max: 1000 }),
      bias: fc.boolean(),
      lossName: fc.constantFrom('squared' as const, 'binaryLogistic' as const),
      lambda: fc.constantFrom(0.2, 0.5, 1),
      T: fc.constantFrom(1, 2),
      seed: fc.nat({ max: 2 ** 31 - 1 }),
    })
    .map((r): ConvexCase => {
        // Inputs uniform in [-1.5, 1.5]^n from the case's seed: fast-check's integers favour small and repeated
        // values, and two equal training points make the rows grad f(x_i) exactly dependent.
        const inputs = rng(r.seed).stream('inputs');
        const points = (rows: number) => matrix(rows, r.inputDim, Array.from({ length: rows * r.inputDim }, () => inputs.uniformIn(-1.5, 1.5)));
        const xTrain = points(r.m);
        const queries = points(2);
        const spec = { kind: 'features' as const, inputDim: r.inputDim, outputDim: 1, featureMap: { type: 'random' as const, count: r.m + r.extra, activation: r.activation, seed: r.featureSeed }, bias: r.bias };
        const model = compileModel(spec);
        const data = rng(r.seed).stream('data');
        const yTrain = matrix(r.m, 1, Array.from({ length: r.m }, () => (r.lossName === 'squared' ? data.uniformIn(-1, 1) : data.int(2))));
        const problem: TrainingProblem = { model, loss: r.lossName === 'squared' ? squared : binaryLogistic, xTrain, yTrain, weightDecay: r.lambda };
        return {
          problem,
          lossName: r.lossName,
          lambda: r.lambda,
          T: r.T,
          queries,
          w0: model.init(rng(r.seed).stream('init')),
          description: `features ${JSON.stringify(spec)}, loss ${r.lossName}, lambda ${r.lambda}, m ${r.m}, T ${r.T}, seed ${r.seed}`,
        };
      });
}

/** Orthonormal rows spanning the rows of G (modified Gram-Schmidt, twice), and cond(G) from G G^T. */
export function spanBasis(G: Matrix): { Q: Float64Array[]; cond: number; lambdaMax: number } {
  const d = G.cols;
  const Q: Float64Array[] = [];
  for (let i = 0; i < G.rows; i++) {
    const v = G.data.slice(i * d, (i + 1) * d);
    for (let pass = 0; pass < 2; pass++) {
      for (const q of Q) {
        let p = 0;
        for (let j = 0; j < d; j++) p += q[j]! * v[j]!;
        for (let j = 0; j < d; j++) v[j]! -= p * q[j]!;
      }
    }
    const n = norm2(v);
    Q.push(v.map((x) => x / n));
  }
  const K = gram(G);
  const eig = symmetricEigenvalues(K);
  return { Q, cond: Math.sqrt(eig[eig.length - 1]! / eig[0]!), lambdaMax: eig[eig.length - 1]! };
}

/** G G^T, the Gram matrix of the rows of G. */
export function gram(G: Matrix): Matrix {
  const d = G.cols;
  const K = matrix(G.rows, G.rows);
  for (let i = 0; i < G.rows; i++) {
    for (let j = 0; j < G.rows; j++) {
      let acc = 0;
      for (let p = 0; p < d; p++) acc += G.data[i * d + p]! * G.data[j * d + p]!;
      K.data[i * G.rows + j] = acc;
    }
  }
  return K;
}

/** v - Q^T Q v: the component of v orthogonal to the span. */
export function perp(Q: readonly Float64Array[], v: Float64Array): Float64Array {
  const out = v.slice();
  for (const q of Q) {
    let p = 0;
    for (let j = 0; j < v.length; j++) p += q[j]! * v[j]!;
    for (let j = 0; j < v.length; j++) out[j]! -= p * q[j]!;
  }
  return out;
}

/** |a - b|_2. */
export function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j]! - b[j]!) ** 2;
  return Math.sqrt(s);
}

/** The flow of a convex case, with the ends of its integrator steps. */
export function flow(c: ConvexCase, w0: Float64Array, T = c.T): FlowResult & { readonly ends: readonly number[] } {
  const ts = Array.from({ length: SAMPLES }, (_, k) => (T * k) / (SAMPLES - 1));
  const ends: number[] = [0];
  const res = gradientFlow(c.problem, w0, {}, { T, rtol: FLOW_RTOL, atol: FLOW_ATOL, ts, onProgress: (t) => ends.push(t) });
  if (res.status !== 'success') throw new Error(`flow ${res.status}: ${res.message}; ${c.description}; seed ${SEED}`);
  return { ...res, ends };
}

// The component orthogonal to the span obeys dv/dt = -lambda v exactly (the loss term lies in the span), and a
// Runge-Kutta step maps it by the stability function R(-lambda h) of the method, which DOP853 (order 8) matches
// to e^{-lambda h} up to terms of degree 9 and more: |R(z) - e^z| <= 2 |z|^9 / 9! for |z| <= 1. So P_perp w(T)
// = prod_k R(-lambda h_k) P_perp w0, off e^{-lambda T} P_perp w0 by at most sum_k 2 (lambda h_k)^9 / 9! of it.
const NINE_FACTORIAL = 362_880;
/** The integrator's relative error on the component orthogonal to the span (see above). */
export function perpIntegratorError(lambda: number, ends: readonly number[]): number {
  let sum = 0;
  for (let k = 0; k + 1 < ends.length; k++) {
    const z = lambda * (ends[k + 1]! - ends[k]!);
    if (z > 1) return IDENTITY_RTOL;
    sum += (2 * z ** 9) / NINE_FACTORIAL;
  }
  return sum;
}

// A lambda-strongly convex flow contracts at rate lambda or faster, so a local error committed at t_k reaches T
// shrunk by e^{-lambda (T - t_k)}. The controller keeps each step's scaled error (RMS over the d components) at
// most 1, a 2-norm of at most sqrt(d) (atol + rtol max_j |w_j|): the integrator's error in w(T) is at most
// sqrt(d) (atol + rtol max|w|) sum_k e^{-lambda (T - t_k)}.
/** The integrator's error in w(T) on a lambda-strongly convex flow (see above). */
export function contractedIntegratorError(lambda: number, ends: readonly number[], d: number, wMax: number): number {
  const T = ends[ends.length - 1]!;
  let sum = 0;
  for (let k = 1; k < ends.length; k++) sum += Math.exp(-lambda * (T - ends[k]!));
  return Math.sqrt(d) * (FLOW_ATOL + FLOW_RTOL * wMax) * sum;
}

/** The rounding bound on leaving the span, from the recorded w(t) (see ROUNDING_SAFETY). */
export function spanRoundingBound(c: ConvexCase, res: FlowResult & { readonly ends: readonly number[] }, G: Matrix, cond: number): number {
  const m = G.rows;
  const d = G.cols;
  const rowNorms = Array.from({ length: m }, (_, i) => norm2(G.data.subarray(i * d, (i + 1) * d)));
  let maxW = 0;
  let maxK = 0;
  for (const w of res.ws) {
    const Lp = lossGradient(c.problem, w).lossDerivatives;
    let k = c.lambda * norm2(w);
    for (let i = 0; i < m; i++) k += Math.abs(Lp.data[i]!) * rowNorms[i]!;
    maxW = Math.max(maxW, norm2(w));
    maxK = Math.max(maxK, k);
  }
  const damped = (1 - Math.exp(-c.lambda * res.T)) / c.lambda;
  let additions = 0;
  for (let k = 1; k < res.ends.length; k++) additions += Math.exp(-c.lambda * (res.T - res.ends[k]!));
  const stages = (gamma(DOP853.b.length + 1) * B1 + gamma(m + 1)) * maxK * damped;
  return ROUNDING_SAFETY * (stages + additions * UNIT_ROUNDOFF_F64 * maxW + (m + cond) * UNIT_ROUNDOFF_F64 * norm2(res.wT));
}

/** The rows grad f(x_i) of a linear model, at any w. */
export function gradients(model: Model, X: Matrix): Matrix {
  // For a linear model grad f(x) does not depend on w; any w gives the rows [phi(x_i), 1].
  return jacobian(model, new Float64Array(model.paramCount), X);
}

