/**
 * disc.convex-solution: section 3: the solution of a convex learning problem is a kernel machine, whatever
 * the optimiser, because the optimum is unique. Checked on the reference flow for L2-regularised linear
 * regression (a random-features model, squared loss, weight decay lambda) and L2-regularised logistic
 * regression (binaryLogistic), with more features than training points (d > m), so that
 * span{grad f(x_i)} = span{[phi(x_i), 1]} is a proper subspace of parameter space:
 * - from w0 = 0 the flow never leaves the span: the component of w(T) orthogonal to it is rounding;
 * - from a random w0 the orthogonal component decays exactly as e^{-lambda t} (dw/dt = -sum_i L'_i grad f(x_i)
 *   - lambda w, and the sum lies in the span): P_perp w(T) = e^{-lambda T} P_perp w0;
 * - the objective F = L + lambda/2 |w|^2 is lambda-strongly convex, so |grad F(w(t))| decays at least as
 *   e^{-lambda t} and two flows approach each other at least as fast: one optimum w*, reached from anywhere,
 *   and grad F(w*) = 0 says w* = -(1/lambda) sum_i L'_i(w*) grad f(x_i), a kernel machine with a_i = -L'_i/lambda;
 * - a pinned long-horizon ridge regression lands on the closed form w* = sum_i alpha_i [phi(x_i), 1] with
 *   alpha = (K + lambda I)^{-1} y*, K the linear kernel's Gram matrix: kernel ridge regression.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { gamma, matrix, norm2, rng, symmetricEigenvalues, symmetricFunction, UNIT_ROUNDOFF_F64, type Matrix } from '../../src/core/index.js';
import { DOP853 } from '../../src/flow/index.js';
import { gradientFlow, lossGradient, type FlowResult, type TrainingProblem } from '../../src/kernels/index.js';
import { binaryLogistic, squared } from '../../src/losses/index.js';
import { compileModel, jacobian, type Model } from '../../src/models/index.js';
import { claimTest, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_RTOL, IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';
import { caseLedger } from '../arbitraries/ledger.js';

const FILE = 'properties/discussion/convexSolution.property.ts';

// Staying in the span is exact on the flow and on every Runge-Kutta step (each stage value is a combination
// of the grad f(x_i) and of w), so only rounding takes w out of it, and the flow then damps what left the span
// as e^{-lambda (T - t)} (dv/dt = -lambda v off the span). Per unit time the gradient's VJP rounds by
// gamma(m + 1) sum_i |L'_i| |g_i| and the stage sums by gamma(s + 1) B1 |k| (B1 = sum_l |b_l|, 12.9 for
// DOP853): damped over [0, T] that is (gamma(s + 1) B1 + gamma(m + 1)) max|k| (1 - e^{-lambda T}) / lambda.
// Each step's addition rounds by u |w|, damped from its end t_k: u max|w| sum_k e^{-lambda (T - t_k)}. The
// projection, by modified Gram-Schmidt done twice, is orthonormal to a few u, and a vector in the span keeps a
// residual of about u cond(G) |v| (G the m x d matrix of the rows grad f(x_i)). ROUNDING_SAFETY covers the
// constants and the maxima taken at SAMPLES recorded times. These are worst-case bounds (every rounding at
// full size and aligned); what is observed, roundings of both signs adding like a random walk, can sit up to
// about 1e3 below them.
const ROUNDING_SAFETY = 4;
const B1 = DOP853.b.reduce((acc, b) => acc + Math.abs(b), 0);
const SAMPLES = 9;

// The bounds carry the projection's u cond(G) |v|, so nearly dependent rows grad f(x_i) (smooth features of
// one input over a few points often are) are checked at the accuracy their conditioning allows. Beyond
// cond(G) = 1e12 that accuracy (u cond(G) ~ 1e-4) no longer separates rounding from leaving the span; the
// ledger counts and skips such cases.
const COND_MAX = 1e12;

/** A regularised convex problem: a random-features model with d > m, a loss, lambda, a horizon. */
interface ConvexCase {
  readonly problem: TrainingProblem;
  readonly lossName: 'squared' | 'binaryLogistic';
  readonly lambda: number;
  readonly T: number;
  readonly queries: Matrix;
  readonly w0: Float64Array;
  readonly description: string;
}

function convexCaseArb(): fc.Arbitrary<ConvexCase> {
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
function spanBasis(G: Matrix): { Q: Float64Array[]; cond: number; lambdaMax: number } {
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

function gram(G: Matrix): Matrix {
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
function perp(Q: readonly Float64Array[], v: Float64Array): Float64Array {
  const out = v.slice();
  for (const q of Q) {
    let p = 0;
    for (let j = 0; j < v.length; j++) p += q[j]! * v[j]!;
    for (let j = 0; j < v.length; j++) out[j]! -= p * q[j]!;
  }
  return out;
}

function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j]! - b[j]!) ** 2;
  return Math.sqrt(s);
}

/** The flow of a convex case, with the ends of its integrator steps. */
function flow(c: ConvexCase, w0: Float64Array, T = c.T): FlowResult & { readonly ends: readonly number[] } {
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
function perpIntegratorError(lambda: number, ends: readonly number[]): number {
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
function contractedIntegratorError(lambda: number, ends: readonly number[], d: number, wMax: number): number {
  const T = ends[ends.length - 1]!;
  let sum = 0;
  for (let k = 1; k < ends.length; k++) sum += Math.exp(-lambda * (T - ends[k]!));
  return Math.sqrt(d) * (FLOW_ATOL + FLOW_RTOL * wMax) * sum;
}

/** The rounding bound on leaving the span, from the recorded w(t) (see ROUNDING_SAFETY). */
function spanRoundingBound(c: ConvexCase, res: FlowResult & { readonly ends: readonly number[] }, G: Matrix, cond: number): number {
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

function gradients(model: Model, X: Matrix): Matrix {
  // For a linear model grad f(x) does not depend on w; any w gives the rows [phi(x_i), 1].
  return jacobian(model, new Float64Array(model.paramCount), X);
}

function fail(what: string, abs: number, rel: number, bound: number, c: ConvexCase): never {
  throw new Error(`${what}: absolute ${abs.toExponential(3)}, relative ${rel.toExponential(3)}, bound ${bound.toExponential(3)}; ${c.description}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
}

describe('section 3: the solution of a convex problem is a kernel machine', () => {
  claimTest(['disc.convex-solution'], 'from w0 = 0 the flow of regularised linear or logistic regression stays in span{grad f(x_i)}', (ctx) => {
    const ledger = caseLedger(ctx, 'regularised convex problems', FILE);
    let worst = 0;
    let worstRatio = 0;
    let largestCond = 0;
    const losses = new Set<string>();
    fc.assert(
      fc.property(convexCaseArb(), (c) => {
        ledger.draw();
        const G = gradients(c.problem.model, c.problem.xTrain);
        const { Q, cond } = spanBasis(G);
        if (!(cond <= COND_MAX)) ledger.skip(`cond(G) over ${COND_MAX}`);
        largestCond = Math.max(largestCond, cond);
        const res = flow(c, new Float64Array(c.problem.model.paramCount));
        const residual = norm2(perp(Q, res.wT));
        const size = norm2(res.wT);
        const bound = spanRoundingBound(c, res, G, cond);
        worst = Math.max(worst, residual === 0 ? 0 : residual / size);
        worstRatio = Math.max(worstRatio, residual === 0 ? 0 : residual / bound);
        if (!(residual <= bound)) fail('|P_perp w(T)| from w0 = 0', residual, residual / size, bound, c);
        losses.add(c.lossName);
      }),
      propertyParameters(15),
    );
    recordFigure(ctx, 'worst relative residual |P_perp w(T)| / |w(T)|', worst);
    recordFigure(ctx, 'worst residual over its rounding bound', worstRatio);
    recordFigure(ctx, 'largest cond(G) checked', largestCond);
    recordFigure(ctx, 'losses', [...losses].sort().join(', '));
  }, { evidence: { 'disc.convex-solution': verifiedAgainst('closed form', 'from w0 = 0, the component of w(T) orthogonal to span{grad f(x_i)} = span{[phi(x_i), 1]} (the representer form every stationary point takes) is rounding, with the span built from the features by Gram-Schmidt') } });

  claimTest(['disc.convex-solution'], 'from a random w0 the component orthogonal to the span decays exactly as e^{-lambda t}', (ctx) => {
    const ledger = caseLedger(ctx, 'regularised convex problems', FILE);
    let worst = 0;
    let worstRatio = 0;
    let smallestDecay = Infinity;
    fc.assert(
      fc.property(convexCaseArb(), (c) => {
        ledger.draw();
        const G = gradients(c.problem.model, c.problem.xTrain);
        const { Q, cond } = spanBasis(G);
        if (!(cond <= COND_MAX)) ledger.skip(`cond(G) over ${COND_MAX}`);
        const res = flow(c, c.w0);
        const before = perp(Q, c.w0);
        const after = perp(Q, res.wT);
        const decay = Math.exp(-c.lambda * c.T);
        const expected = before.map((v) => decay * v);
        const err = distance(after, expected);
        // The integrator's error on the orthogonal component (perpIntegratorError) plus the rounding of the span.
        const bound = perpIntegratorError(c.lambda, res.ends) * norm2(before) + spanRoundingBound(c, res, G, cond);
        const rel = err === 0 ? 0 : err / norm2(expected);
        worst = Math.max(worst, rel);
        worstRatio = Math.max(worstRatio, err === 0 ? 0 : err / bound);
        smallestDecay = Math.min(smallestDecay, decay);
        if (!(err <= bound)) fail(`P_perp w(T) vs e^{-lambda T} P_perp w0 (|P_perp w0| = ${norm2(before)})`, err, rel, bound, c);
      }),
      propertyParameters(15),
    );
    recordFigure(ctx, 'worst relative error of P_perp w(T) against e^{-lambda T} P_perp w0', worst);
    recordFigure(ctx, 'worst error over its bound', worstRatio);
    recordFigure(ctx, 'smallest e^{-lambda T} checked', smallestDecay);
  }, { evidence: { 'disc.convex-solution': verifiedAgainst('closed form', 'from a random w0, P_perp w(T) against the closed form e^{-lambda T} P_perp w0 (the orthogonal part only feels the weight decay)') } });

  claimTest(['disc.convex-solution'], 'the objective is lambda-strongly convex: |grad F| and the gap between two flows decay at least as e^{-lambda t}, towards one optimum w* = -(1/lambda) sum_i L\'_i grad f(x_i)', (ctx) => {
    const ledger = caseLedger(ctx, 'regularised convex problems', FILE);
    let slowestGradRate = Infinity;
    let slowestGapRate = Infinity;
    fc.assert(
      fc.property(convexCaseArb(), (c) => {
        ledger.draw();
        const G = gradients(c.problem.model, c.problem.xTrain);
        const { lambdaMax } = spanBasis(G);
        const a = flow(c, new Float64Array(c.problem.model.paramCount));
        const b = flow(c, c.w0);
        const decay = Math.exp(-c.lambda * c.T);
        // grad F = G^T L' + lambda w, so grad F / lambda = w + (1/lambda) sum_i L'_i grad f(x_i): the distance of
        // w from the kernel-machine form that the optimum must take.
        const g0 = norm2(lossGradient(c.problem, c.w0).gradient);
        const gT = norm2(lossGradient(c.problem, b.wT).gradient);
        // w(T) is off the exact flow by IDENTITY_RTOL |w|, which moves grad F by at most ||Hess F|| times that,
        // ||Hess F|| <= lambda + max L'' lambda_max(G G^T), and L'' <= 1 (squared) or 1/4 (logistic).
        const hessian = c.lambda + lambdaMax;
        const gradBound = decay * g0 + hessian * IDENTITY_RTOL * norm2(b.wT);
        if (!(gT <= gradBound)) fail(`|grad F(w(T))| = ${gT} against e^{-lambda T} |grad F(w0)| = ${decay * g0}`, gT - decay * g0, gT / g0, gradBound, c);
        const gap0 = norm2(c.w0);
        const gapT = distance(a.wT, b.wT);
        const gapBound = decay * gap0 + IDENTITY_RTOL * (norm2(a.wT) + norm2(b.wT));
        if (!(gapT <= gapBound)) fail(`|w_a(T) - w_b(T)| = ${gapT} against e^{-lambda T} |w_a(0) - w_b(0)| = ${decay * gap0}`, gapT - decay * gap0, gapT / gap0, gapBound, c);
        slowestGradRate = Math.min(slowestGradRate, -Math.log(gT / g0) / c.T / c.lambda);
        slowestGapRate = Math.min(slowestGapRate, -Math.log(gapT / gap0) / c.T / c.lambda);
      }),
      propertyParameters(10),
    );
    recordFigure(ctx, 'slowest decay rate of |grad F| in units of lambda (>= 1)', slowestGradRate);
    recordFigure(ctx, 'slowest decay rate of the gap between two flows in units of lambda (>= 1)', slowestGapRate);
  }, { evidence: { 'disc.convex-solution': verifiedAgainst('closed form', 'the contraction bounds of a lambda-strongly convex objective: |grad F(w(T))| <= e^{-lambda T} |grad F(w0)| and |w_a(T) - w_b(T)| <= e^{-lambda T} |w_a(0) - w_b(0)|, so the optimum is unique and of the form -(1/lambda) sum_i L\'_i grad f(x_i)') } });

  claimTest(['disc.convex-solution', 'sec.linear-models'], 'ridge regression trained by the flow to a long horizon is kernel ridge regression, alpha = (K + lambda I)^{-1} y*', (ctx) => {
    // Pinned: 4 points in R^2, 10 random cosine features with a bias (d = 11 > m = 4), lambda = 1, T = 30.
    const lambda = 1;
    const T = 30;
    const model = compileModel({ kind: 'features', inputDim: 2, outputDim: 1, featureMap: { type: 'random', count: 10, activation: 'cos', seed: 7 }, bias: true });
    const xTrain = matrix(4, 2, [-1, 0.5, 0.3, -0.8, 1.2, 1.1, -0.4, -1.3]);
    const yTrain = matrix(4, 1, [0.7, -0.2, 1.1, -0.9]);
    const queries = matrix(3, 2, [0.1, 0.2, -1.4, 0.9, 0.8, -0.6]);
    const problem: TrainingProblem = { model, loss: squared, xTrain, yTrain, weightDecay: lambda };
    const w0 = model.init(rng(SEED).stream('init'));
    const c: ConvexCase = { problem, lossName: 'squared', lambda, T, queries, w0, description: `pinned ridge regression, lambda ${lambda}, T ${T}` };
    const res = flow(c, w0, T);
    const G = gradients(model, xTrain);
    const K = gram(G);
    // alpha = (K + lambda I)^{-1} y* through the eigendecomposition of the symmetric K + lambda I.
    const shifted = matrix(4, 4, K.data.map((v, i) => v + (i % 5 === 0 ? lambda : 0)));
    const inverse = symmetricFunction(shifted, (l) => 1 / l);
    const alpha = Float64Array.from({ length: 4 }, (_, i) => yTrain.data.reduce((acc, y, j) => acc + inverse.data[i * 4 + j]! * y, 0));
    const d = model.paramCount;
    const wStar = Float64Array.from({ length: d }, (_, p) => alpha.reduce((acc, a, i) => acc + a * G.data[i * d + p]!, 0));
    // |w(T) - w*| <= e^{-lambda T} |w0 - w*| (strong convexity) plus the integrator's contracted error
    // (contractedIntegratorError), plus the rounding of the closed form: the solve with K + lambda I
    // (cond <= 1 + lambda_max / lambda) at a few u.
    const eig = symmetricEigenvalues(shifted);
    const closedFormRounding = 16 * (eig[3]! / eig[0]!) * UNIT_ROUNDOFF_F64 * norm2(wStar);
    const wMax = Math.max(...res.ws.flatMap((w) => Array.from(w, Math.abs)), ...Array.from(res.wT, Math.abs));
    const bound = Math.exp(-lambda * T) * distance(w0, wStar) + contractedIntegratorError(lambda, res.ends, d, wMax) + closedFormRounding;
    const err = distance(res.wT, wStar);
    recordFigure(ctx, '|w(T) - w*| relative to |w*|', err / norm2(wStar));
    recordFigure(ctx, 'its bound', bound / norm2(wStar));
    if (!(err <= bound)) fail('|w(T) - w*| with w* = sum_i alpha_i grad f(x_i)', err, err / norm2(wStar), bound, c);
    // The trained model's predictions are the kernel machine sum_i alpha_i (phi(x) . phi(x_i) + 1).
    const fT = model.forward(res.wT, queries);
    const Gq = gradients(model, queries);
    let worst = 0;
    for (let x = 0; x < queries.rows; x++) {
      let y = 0;
      let terms = 0;
      for (let i = 0; i < 4; i++) {
        let k = 0;
        for (let p = 0; p < d; p++) k += Gq.data[x * d + p]! * G.data[i * d + p]!;
        y += alpha[i]! * k;
        terms += Math.abs(alpha[i]! * k);
      }
      const e = Math.abs(fT.data[x]! - y);
      const gq = norm2(Gq.data.subarray(x * d, (x + 1) * d));
      const tol = gq * bound + gamma(d + 4) * terms * 4;
      worst = Math.max(worst, e / terms);
      if (!(e <= tol)) fail(`f_{w(T)}(x_${x}) = ${fT.data[x]} vs the kernel ridge machine ${y}`, e, e / terms, tol, c);
    }
    recordFigure(ctx, 'worst relative error of the kernel ridge machine at the queries', worst);
    recordFigure(ctx, 'integrator steps', res.stats.acceptedSteps);
  }, {
    evidence: {
      'disc.convex-solution': verifiedAgainst('closed form', 'ridge regression trained by the flow to T = 30 against w* = sum_i alpha_i [phi(x_i), 1], alpha = (K + lambda I)^{-1} y* (eigendecomposition of K + lambda I)'),
      'sec.linear-models': verifiedAgainst('closed form', "the trained linear model's predictions against the kernel ridge machine sum_i alpha_i (phi(x) . phi(x_i) + 1) at three queries"),
    },
  });
});
