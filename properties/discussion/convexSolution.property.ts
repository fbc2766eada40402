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
import { gamma, matrix, norm2, rng, symmetricEigenvalues, symmetricFunction, UNIT_ROUNDOFF_F64 } from '../../src/core/index.js';
import { lossGradient, type TrainingProblem } from '../../src/kernels/index.js';
import { squared } from '../../src/losses/index.js';
import { compileModel } from '../../src/models/index.js';
import { claimTest, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';
import { caseLedger } from '../arbitraries/ledger.js';
import { COND_MAX, contractedIntegratorError, convexCaseArb, distance, flow, gradients, gram, perp, perpIntegratorError, spanBasis, spanRoundingBound, type ConvexCase } from './convexCases.js';

const FILE = 'properties/discussion/convexSolution.property.ts';

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
