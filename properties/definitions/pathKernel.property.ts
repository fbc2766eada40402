/**
 * def.path-kernel: K^p is additive over concatenated segments, and K^p over [0, h] is h K^g(w0) + O(h^2).
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { dot, gamma, richardsonDerivative, richardsonDerivativeEstimated, rng } from '../../src/core/index.js';
import { gradientFlow, lossGradient, tangentKernel } from '../../src/kernels/index.js';
import { fitAsymptotic, fitLogLog } from '../../src/laws/index.js';
import { jacobian } from '../../src/models/index.js';
import { gdStep, gradientDescent, objective } from '../../src/train/index.js';
import { claimTest, recordFigure, recordSeries } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_MAX_STEPS, FLOW_RTOL, IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';
import { describeFlowCase, flowCaseArb, type FlowCase } from '../arbitraries/problems.js';

const FILE = 'properties/definitions/pathKernel.property.ts';

const ORDER_ONE_INTERVAL = [0.9, 1.1] as const;

describe('the path kernel (Definition 2)', () => {
  claimTest(['def.path-kernel'], 'the path kernel is additive over concatenated segments, and over [0, h] it is h K^g(w0) + O(h^2)', (ctx) => {
    let worstAdd = 0;
    fc.assert(
      fc.property(flowCaseArb({ batchNorm: false }), fc.integer({ min: 10, max: 90 }), (c, pct) => {
        const T1 = (pct / 100) * c.T;
        const opts = { rtol: FLOW_RTOL, atol: FLOW_ATOL, maxSteps: FLOW_MAX_STEPS };
        const whole = gradientFlow(c.problem, c.w0, { queries: c.queries }, { T: c.T, ...opts });
        fc.pre(whole.status !== 'max-steps');
        const first = gradientFlow(c.problem, c.w0, { queries: c.queries }, { T: T1, ...opts });
        const second = gradientFlow(c.problem, first.wT, { queries: c.queries }, { T: c.T - T1, ...opts });
        const K = whole.queries!.pathKernel;
        const K1 = first.queries!.pathKernel;
        const K2 = second.queries!.pathKernel;
        const scale = K.data.reduce((s, v) => Math.max(s, Math.abs(v)), 0) + 1e-300;
        K.data.forEach((v, i) => {
          const err = Math.abs(v - K1.data[i]! - K2.data[i]!);
          worstAdd = Math.max(worstAdd, err / scale);
          if (err > IDENTITY_RTOL * scale) throw new Error(`K^p[0,T] - K^p[0,T1] - K^p[T1,T] = ${err.toExponential(3)} (relative ${(err / scale).toExponential(3)}) at entry ${i}; ${describeFlowCase(c)}; seed ${SEED}`);
        });
      }),
      propertyParameters(10),
    );
    recordFigure(ctx, 'worst relative additivity error', worstAdd);
    // The short-time limit on one pinned case: |K^p([0, h]) / h - K^g(w0)| shrinks like h.
    const c = fc.sample(flowCaseArb({ maxOutputDim: 1 }), { numRuns: 1, seed: SEED })[0]!;
    const Kg = tangentKernel(c.model, c.w0, c.queries, c.problem.xTrain);
    const hs = [0.02, 0.01, 0.005, 0.0025];
    const errors = hs.map((h) => {
      const Kp = gradientFlow(c.problem, c.w0, { queries: c.queries }, { T: h, rtol: FLOW_RTOL, atol: FLOW_ATOL }).queries!.pathKernel;
      return Math.max(...Array.from(Kp.data, (v, i) => Math.abs(v / h - Kg.data[i]!)));
    });
    const fit = fitLogLog(hs, errors);
    recordFigure(ctx, 'fitted order of K^p(0,h)/h - K^g(w0)', fit.slope);
    recordSeries(ctx, { name: 'short-time limit of the path kernel', xLabel: 'h', yLabel: 'max |K^p([0, h]) / h - K^g(w0)|', x: hs, y: errors, fit: { slope: fit.slope, intercept: fit.intercept, halfWidth95: fit.slopeHalfWidth95 } });
    expect(fit.slope, `errors ${errors}`).toBeGreaterThan(ORDER_ONE_INTERVAL[0]);
    expect(fit.slope).toBeLessThan(ORDER_ONE_INTERVAL[1]);
  });
});
