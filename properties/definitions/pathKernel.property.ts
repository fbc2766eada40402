/**
 * def.path-kernel: K^p is additive over concatenated segments, and over [0, h] it is h K^g(w0) + O(h^2).
 *
 * Additivity is checked against a second integration by the same integrator (the flow restarted at w(T1)):
 * an integral carried as ODE state is additive whatever its integrand, so this shows the integrator's
 * restart and step-sequence independence to its tolerance, not the kernel; it is recorded as holding by
 * construction. The short-time limit is a law over generated non-degenerate cases: K^p([0, h]) / h against
 * K^g(w0) computed from explicit Jacobians (a second implementation of the flow's structured integrand),
 * with h halved until the local slopes settle.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import type { LawRule } from '../../src/claims/index.js';
import { gradientFlow, tangentKernelJacobian, type FlowResult } from '../../src/kernels/index.js';
import { orderByRefinement, separatingHalfWidth, type OrderEstimate } from '../../src/laws/index.js';
import { byConstruction, claimTest, recordFigure } from '../arbitraries/claims.js';
import { DEEP, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_MAX_STEPS, FLOW_RTOL, IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';
import { caseLabel, checkMoves, curvatureScale, distance, fittingStart, LAW_REFINEMENT, lawCases, MAX_HORIZON, refinementStart, Stationary, UNIT_ROUNDOFF } from '../arbitraries/lawCases.js';
import { caseLedger } from '../arbitraries/ledger.js';
import { measuredCase, recordLaw, type MeasuredCase } from '../arbitraries/lawRecord.js';
import { describeFlowCase, type FlowCase } from '../arbitraries/problems.js';

const FILE = 'properties/definitions/pathKernel.property.ts';

/** The short-time limit of Definition 2. */
export const SHORT_TIME_LIMIT: LawRule = {
  quantity: '|K^p([0, h]) / h - K^g(w0)| (Frobenius, over queries x training points) against h',
  expected: 1,
  competitor: 0,
  reason: 'K^p([0, h]) / h = (1/h) int_0^h K^g(w(t)) dt = K^g(w0) + (h/2) dK^g/dt(0) + O(h^2), and dK^g/dt = d/dt [J J^T] does not vanish where the flow moves and f is nonlinear in w (a hidden layer): order 1; order 0, a gap that does not close, means the integrand is not the tangent kernel along the path (a wrong factor, a wrong kernel, a wrong start)',
};

const CASES = DEEP ? 90 : 30;
const ADDITIVITY_CASES = DEEP ? 60 : 30;
// The first h: a tenth of the fastest time scale 1/lambda (the curvature scale at w0), at most MAX_HORIZON, a
// power of two; K^g changes by O(h lambda) relative over [0, h], so the O(h^2) correction starts below a tenth.
const START_SHARE = 0.1;
const MAX_LEVELS = DEEP ? 16 : 14;
// The flow's tolerance, and a second integration at CHECK_FACTOR times it: their difference bounds the
// error of K^p / h (gradientFlowLimit.property.ts's reasoning).
const REFERENCE_RTOL = 1e-13;
const CHECK_FACTOR = 100;
const REFERENCE_ATOL = 1e-16;

const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));

/** A case left out (a flow over its step budget): counted by the ledger. */
class LeftOut extends Error {}

/** K^p([0, h]) at rtol, or null when the flow fails (its step budget). */
function pathKernelOver(c: FlowCase, h: number, rtol: number): Float64Array | null {
  const flow = gradientFlow(c.problem, c.w0, { queries: c.queries }, { T: h, rtol, atol: REFERENCE_ATOL, maxSteps: FLOW_MAX_STEPS });
  return flow.status === 'success' ? flow.queries!.pathKernel.data : null;
}

describe('the path kernel (Definition 2)', () => {
  claimTest(['def.path-kernel'], 'the path kernel is additive over concatenated segments (to the integrator\'s tolerance)', (ctx) => {
    const ledger = caseLedger(ctx, 'additivity', FILE);
    let worstAdd = 0;
    const split = fc.sample(fc.integer({ min: 10, max: 90 }), { numRuns: ADDITIVITY_CASES, seed: SEED + 5 });
    for (const [i, c] of lawCases(ADDITIVITY_CASES, { stream: 4 }).entries()) {
      ledger.draw();
      // Each case's horizon from its curvature scale (T lambda <= HORIZON_STIFFNESS), cut at a generated share.
      // (halved where the flow stiffens beyond its step budget later).
      const opts = { rtol: FLOW_RTOL, atol: FLOW_ATOL, maxSteps: FLOW_MAX_STEPS };
      let flows: FlowResult[] = [];
      const fitted = fittingStart(refinementStart(c.problem, c.w0), (T) => {
        const T1 = (split[i]! / 100) * T;
        const whole = gradientFlow(c.problem, c.w0, { queries: c.queries }, { T, ...opts });
        const first = gradientFlow(c.problem, c.w0, { queries: c.queries }, { T: T1, ...opts });
        const second = gradientFlow(c.problem, first.wT, { queries: c.queries }, { T: T - T1, ...opts });
        flows = [whole, first, second];
        return flows.every((f) => f.status === 'success');
      });
      if (fitted === null) {
        ledger.leaveOut(`flow over its ${FLOW_MAX_STEPS}-step budget at every horizon`);
        continue;
      }
      if (fitted.halvings > 0) ledger.find('the flow stiffened beyond its budget: the horizon was halved');
      const [whole, first, second] = flows as [FlowResult, FlowResult, FlowResult];
      const T = fitted.start.T;
      const T1 = (split[i]! / 100) * T;
      const K = whole.queries!.pathKernel;
      const K1 = first.queries!.pathKernel;
      const K2 = second.queries!.pathKernel;
      const scale = K.data.reduce((s, v) => Math.max(s, Math.abs(v)), 0) + 1e-300;
      K.data.forEach((v, j) => {
        const err = Math.abs(v - K1.data[j]! - K2.data[j]!);
        worstAdd = Math.max(worstAdd, err / scale);
        if (!(err <= IDENTITY_RTOL * scale)) throw new Error(`case ${caseLabel(c, i)}: K^p[0,T] - K^p[0,T1] - K^p[T1,T] = ${err.toExponential(3)} (relative ${(err / scale).toExponential(3)}) at entry ${j}, T = ${T}, T1 = ${T1}; ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
      });
    }
    recordFigure(ctx, 'worst relative additivity error', worstAdd);
  }, {
    evidence: {
      'def.path-kernel': byConstruction("additivity against a second integration by the same integrator, restarted at w(T1): an integral carried as ODE state is additive whatever its integrand, so this checks the integrator's restart to its tolerance, not the kernel"),
    },
  });

  claimTest(['def.path-kernel'], 'over [0, h] the path kernel is h K^g(w0) + O(h^2): K^p / h tends to the tangent kernel at w0 with order 1', (ctx) => {
    const ledger = caseLedger(ctx, 'short-time limit', FILE);
    const cases: MeasuredCase[] = [];
    for (const [i, c] of lawCases(CASES, { stream: 3 }).entries()) {
      ledger.draw();
      // The second implementation: explicit Jacobians, J(x; w0) J(x_i; w0)^T.
      const Kg = tangentKernelJacobian(c.model, c.w0, c.queries, c.problem.xTrain).data;
      try {
        checkMoves(c.problem, c.w0, c.queries);
      } catch (e) {
        if (!(e instanceof Stationary)) throw e;
        ledger.leaveOut(e.message);
        continue;
      }
      const lambda = curvatureScale(c.problem, c.w0);
      let h0 = MAX_HORIZON;
      while (h0 * lambda > START_SHARE && h0 > 2 ** -30) h0 /= 2;
      const h = (k: number) => h0 / 2 ** k;
      const floors: number[] = [];
      const sqrtD = Math.sqrt(c.model.paramCount);
      const error = (k: number) => {
        const Kp = pathKernelOver(c, h(k), REFERENCE_RTOL);
        const check = pathKernelOver(c, h(k), CHECK_FACTOR * REFERENCE_RTOL);
        if (Kp === null || check === null) throw new LeftOut(`flow over [0, ${h(k)}] over its ${FLOW_MAX_STEPS}-step budget`);
        // The integration's error (against the check), and the rounding of both kernels' dot products of length
        // d (about sqrt(d) u |K^g| each).
        floors[k] = distance(Kp, check) / h(k) + 2 * sqrtD * UNIT_ROUNDOFF * norm(Kg);
        const e = distance(Kp.map((v) => v / h(k)), Kg);
        if (!Number.isFinite(e)) throw new Error(`|K^p / h - K^g| is ${e} at h = ${h(k)}; ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
        return e;
      };
      let r: OrderEstimate;
      try {
        r = orderByRefinement({ x: h, error, floor: (k) => floors[k] ?? 0, ...LAW_REFINEMENT, maxLevels: MAX_LEVELS, targetHalfWidth: separatingHalfWidth(SHORT_TIME_LIMIT) });
      } catch (e) {
        if (!(e instanceof LeftOut)) throw e;
        ledger.leaveOut(e.message);
        continue;
      }
      cases.push(measuredCase(SHORT_TIME_LIMIT, caseLabel(c, i), c.model.paramCount, r));
    }
    recordLaw(ctx, 'def.path-kernel', SHORT_TIME_LIMIT, cases, { what: 'order of |K^p([0, h]) / h - K^g(w0)|', xLabel: 'h', yLabel: '|K^p([0, h]) / h - K^g(w0)|' });
  });
});
