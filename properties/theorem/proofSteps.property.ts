/**
 * The proof of Theorem 1 step by step (labels P1-P8 of ../shared/reference/paper.md):
 * - step.gd-update (P1): the trainer's update (w_{s+1} - w_s)/eps is -grad_w L(w_s);
 * - step.loss-additivity (P5): grad_w L = sum_i L'_i grad_w f(x_i) for an additive loss;
 * - step.swap-sums (P6): exchanging the sums over examples i and parameters j changes nothing but rounding;
 * - step.chain-rule (P3) and step.substitute-flow (P4): along the integrated flow, dy/dt = grad f . dw/dt,
 *   and dw/dt = -grad L;
 * - step.tangent-kernel-form (P7): dy/dt = -sum_i L'_i K^g(x, x_i), pointwise at random times;
 * (P2 is in properties/theorem/gradientFlowLimit.property.ts, Definition 2 in properties/definitions/pathKernel.property.ts.)
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

const FILE = 'properties/theorem/proofSteps.property.ts';

// Derivatives of the objective by Richardson differences at h = 1e-4 (value at h/2): truncation h^4 |L^(5)| / 480
// and rounding ~3 u |L| / h (about 7e-12 relative), both far below 1e-6 of the objective's scale for smooth
// problems. Near a layer norm over nearly equal pre-activations (a two-value normalisation is a smoothed sign of
// width sqrt(normEps)) the fifth derivative is large for any fixed h (deep runs found 1.1e-6 at h = 1e-3 and at
// 1e-4), so the differences carry their own estimate |R(h) - R(h/2)| and the check allows it on top of FD_RTOL;
// the report counts such cases.
const FD_STEP = 1e-4;
const FD_RTOL = 1e-6;
// d/dt of the dense output by differences with step 1e-4: the interpolant's error (about FLOW_RTOL |w|)
// is amplified by 1/h to ~1e-7 relative; truncation h^4 |y^(5)| / 480 is negligible.
const TIME_STEP = 1e-4;
const TIME_RTOL = 1e-5;

function jacobianOf(c: FlowCase, w: Float64Array, X = c.problem.xTrain) {
  return jacobian(c.model, w, X);
}

describe('the proof of Theorem 1, step by step', () => {
  claimTest(['step.gd-update', 'step.loss-additivity'], "the GD update is -eps grad L, and grad L = sum_i L'_i grad f(x_i) agrees with differences of the total loss", (ctx) => {
    let worst = 0;
    let uncertainDifferences = 0;
    fc.assert(
      fc.property(flowCaseArb(), fc.integer({ min: 1, max: 1000 }), fc.nat(), (c, epsK, dirSeed) => {
        const eps = epsK / 1000;
        const w = c.w0;
        const { w: next, lossDerivatives: Lp } = gdStep(c.problem, w, eps);
        // P5 by hand: sum over examples i and outputs k of L'_{ik} times row (i, k) of the Jacobian.
        const J = jacobianOf(c, w);
        const d = c.model.paramCount;
        const byHand = new Float64Array(d);
        for (let r = 0; r < J.rows; r++) for (let j = 0; j < d; j++) byHand[j]! += Lp.data[r]! * J.data[r * d + j]!;
        const { gradient } = lossGradient(c.problem, w);
        const scale = byHand.reduce((s, v) => s + Math.abs(v), 0) + 1e-300;
        for (let j = 0; j < d; j++) {
          const stepErr = Math.abs((next[j]! - w[j]!) / eps + gradient[j]!);
          // P1: the update is formed as w - eps g; (w_{s+1} - w_s)/eps recovers g to u (|w| / eps + |g|).
          if (stepErr > 4 * 2 ** -53 * (Math.abs(w[j]!) / eps + Math.abs(gradient[j]!)) + 1e-300) throw new Error(`P1: component ${j} of the update is off by ${stepErr}; ${describeFlowCase(c)}; seed ${SEED}`);
          const addErr = Math.abs(gradient[j]! - byHand[j]!);
          if (addErr > 16 * gamma(J.rows + c.model.layout.length * 4) * scale) throw new Error(`P5: component ${j}: VJP ${gradient[j]} vs sum_i L'_i grad f(x_i) ${byHand[j]}; ${describeFlowCase(c)}; seed ${SEED}`);
        }
        // The total loss's directional derivative, by differences: independent of every derivative rule.
        const r = rng(dirSeed);
        const v = Float64Array.from({ length: d }, () => r.normal());
        const differences = richardsonDerivativeEstimated((tau) => [objective(c.problem, w.map((wj, j) => wj + tau * v[j]!))], FD_STEP);
        const fd = differences.value[0]!;
        const fdError = differences.error[0]!;
        const gv = dot(byHand, v);
        const err = Math.abs(fd - gv);
        const rel = err / (1 + Math.abs(fd));
        if (fdError > FD_RTOL * (1 + Math.abs(fd))) uncertainDifferences++;
        else worst = Math.max(worst, rel);
        if (err > FD_RTOL * (1 + Math.abs(fd)) + fdError) throw new Error(`P5: grad L . v = ${gv} vs finite differences ${fd} (their own error estimate ${fdError.toExponential(3)}): absolute ${err.toExponential(3)}, relative ${rel.toExponential(3)}; ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
      }),
      propertyParameters(40),
    );
    recordFigure(ctx, 'worst relative error of grad L vs differences', worst);
    recordFigure(ctx, 'cases whose differences were uncertain beyond 1e-6 (held to their own error estimate)', uncertainDifferences);
  });

  claimTest(['step.swap-sums'], 'exchanging the sums over examples and parameters changes the result only by rounding', () => {
    fc.assert(
      fc.property(flowCaseArb(), (c) => {
        const w = c.w0;
        const Jtrain = jacobianOf(c, w);
        const Jq = jacobianOf(c, w, c.model.batchCoupled ? c.problem.xTrain : c.queries);
        const { lossDerivatives: Lp } = lossGradient(c.problem, w);
        const d = c.model.paramCount;
        for (let q = 0; q < Jq.rows; q++) {
          // sum_j (sum_i L'_i dy_i/dw_j) dy/dw_j
          let outer = 0;
          for (let j = 0; j < d; j++) {
            let inner = 0;
            for (let r = 0; r < Jtrain.rows; r++) inner += Lp.data[r]! * Jtrain.data[r * d + j]!;
            outer += inner * Jq.data[q * d + j]!;
          }
          // sum_i L'_i (sum_j dy/dw_j dy_i/dw_j)
          let swapped = 0;
          let magnitude = 0;
          for (let r = 0; r < Jtrain.rows; r++) {
            let k = 0;
            for (let j = 0; j < d; j++) {
              k += Jq.data[q * d + j]! * Jtrain.data[r * d + j]!;
              magnitude += Math.abs(Lp.data[r]! * Jq.data[q * d + j]! * Jtrain.data[r * d + j]!);
            }
            swapped += Lp.data[r]! * k;
          }
          // Both orders sum the same m d products: 2 gamma(m d) times their absolute sum.
          const tol = 2 * gamma(Jtrain.rows * d + 1) * magnitude;
          if (Math.abs(outer - swapped) > tol) throw new Error(`P6: ${outer} vs ${swapped} (tolerance ${tol}); ${describeFlowCase(c)}; seed ${SEED}`);
        }
      }),
      propertyParameters(40),
    );
  });

  claimTest(['step.chain-rule', 'step.substitute-flow', 'step.tangent-kernel-form'], "along the integrated flow dy/dt = grad f . dw/dt = -grad f . grad L = -sum_i L'_i K^g(x, x_i) at random times", (ctx) => {
    let worst = 0;
    fc.assert(
      fc.property(flowCaseArb({ batchNorm: false }), fc.integer({ min: 1, max: 99 }), (c, pct) => {
        const res = gradientFlow(c.problem, c.w0, {}, { T: c.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, dense: true, maxSteps: FLOW_MAX_STEPS });
        fc.pre(res.status !== 'max-steps');
        const w = res.w!;
        const t = (pct / 100) * c.T;
        const wt = w(t);
        const X = c.queries;
        const yAt = (s: number) => c.model.forward(w(Math.min(Math.max(s, 0), c.T)), X).data;
        const dydt = richardsonDerivative((h) => yAt(t + h), TIME_STEP);
        const dwdt = richardsonDerivative((h) => w(t + h), TIME_STEP);
        const J = jacobianOf(c, wt, X);
        const d = c.model.paramCount;
        const { gradient, lossDerivatives: Lp } = lossGradient(c.problem, wt);
        const K = tangentKernel(c.model, wt, X, c.problem.xTrain);
        const O = c.model.outputDim;
        const m = c.problem.xTrain.rows;
        for (let r = 0; r < J.rows; r++) {
          let p3 = 0;
          let p4 = 0;
          let p7 = 0;
          for (let j = 0; j < d; j++) {
            p3 += J.data[r * d + j]! * dwdt[j]!;
            p4 -= J.data[r * d + j]! * gradient[j]!;
          }
          for (let i = 0; i < m * O; i++) p7 -= Lp.data[i]! * K.data[r * m * O + i]!;
          const scale = 1 + Math.abs(dydt[r]!);
          for (const [step, value] of [['P3', p3], ['P4', p4], ['P7', p7]] as const) {
            const err = Math.abs(value - dydt[r]!);
            worst = Math.max(worst, err / scale);
            if (err > TIME_RTOL * scale) {
              throw new Error(`${step} at t = ${t}, output ${r}: ${value} vs dy/dt ${dydt[r]} (absolute ${err.toExponential(3)}, relative ${(err / scale).toExponential(3)}); ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
            }
          }
        }
      }),
      propertyParameters(15),
    );
    recordFigure(ctx, 'worst relative error of dy/dt', worst);
  });

});
