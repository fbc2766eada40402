/**
 * rem.regularization — Remark 4: a regulariser R(w) adds -int_0^T grad_w f(x) . grad_w R(w(t)) dt to the
 * offset b; for weight decay R = lambda/2 |w|^2 the term is -lambda int_0^T grad f(x) . w(t) dt. Checked on the
 * reference flow with TrainingProblem.weightDecay = lambda > 0:
 * - f_{w(T)}(x) = f_{w0}(x) - sum_i K^lp(x, x_i) - lambda int grad f(x) . w dt at test and training points, to
 *   the identity tolerance;
 * - without the regulariser term the identity fails in every generated case, by a recorded gap far above the
 *   tolerance (the remark's term is needed, not a rounding detail);
 * - an independent check of the term itself: for a model linear in fixed features grad f(x) is constant, and
 *   the flow dw/dt = -grad L - lambda w integrates to lambda int w dt = w0 - w(T) - sum_i int L'_i grad f(x_i) dt,
 *   so the term equals grad f(x) . (w0 - w(T) - sum_i superposition_i).
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { gamma, selectRows, UNIT_ROUNDOFF_F64, type Matrix } from '../../src/core/index.js';
import { DOP853 } from '../../src/flow/index.js';
import { gradientFlow, kernelMachineOffset, lossGradient, lossWeightedPredict, type PathQuantities, type TrainingProblem } from '../../src/kernels/index.js';
import { jacobian } from '../../src/models/index.js';
import { claimTest, recordFigure } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_RTOL, IDENTITY_RTOL, SMALL_FLOW_STEP_BUDGET, checkStepBudget } from '../arbitraries/flowTolerance.js';
import { featuresSpecArb, mlpSpecArb } from '../arbitraries/models.js';
import { describeFlowCase, flowCaseArb, type FlowCase } from '../arbitraries/problems.js';

const FILE = 'properties/remarks/regularization.property.ts';

// Weight decays to draw from: large enough that the remark's term matters over T in [0.5, 2].
const LAMBDAS = [0.1, 0.3, 1] as const;

// The linear-model check compares sums over the SAME integrator stages (w, the superposition rows and the
// regulariser term all integrate stage values of one vector field, and for a linear model grad f(x) is the
// same at every stage), so the integrator's error cancels and only rounding remains: per step, gamma(s + 1)
// h sum_l |b_l| |k_l| for the stage sum plus u |y| for the addition; over N steps at most
// (gamma(s + 1) B1 + N u) T max|k|, B1 = sum_l |b_l| (12.9 for DOP853), plus gamma(d + m + 2) for forming the
// final combination. ROUNDING_SAFETY covers the integrands' maxima taken at SAMPLES recorded times only.
const ROUNDING_SAFETY = 4;
const B1 = DOP853.b.reduce((acc, b) => acc + Math.abs(b), 0);
const SAMPLES = 17;

// Layer norm over one or two units is left out of the generated MLPs: a constant or a smoothed sign function
// whose 1/sqrt(normEps) slopes make the flow stiff and slow without adding to the remark.
const specs = () => mlpSpecArb({ maxDepth: 2, maxWidth: 5 }).filter((s) => s.kind === 'mlp' && s.layers.every((l) => l.norm !== 'layer' || l.width >= 3));

/**
 * |y - f_{w(T)}| per entry, relative to the terms of the full identity, |f0| + |fT| + sum_i |K^lp| + |reg|
 * (the same scale with and without the term, so the two errors compare directly); the worst entry.
 */
function identityError(q: PathQuantities, y: Matrix): { rel: number; abs: number } {
  const m = q.lossWeightedKernel.cols;
  let rel = 0;
  let abs = 0;
  for (let r = 0; r < y.data.length; r++) {
    let scale = Math.abs(q.f0.data[r]!) + Math.abs(q.fT.data[r]!) + Math.abs(q.regulariserTerm.data[r]!);
    for (let i = 0; i < m; i++) scale += Math.abs(q.lossWeightedKernel.data[r * m + i]!);
    const d = Math.abs(y.data[r]! - q.fT.data[r]!);
    abs = Math.max(abs, d);
    rel = Math.max(rel, d / Math.max(scale, Number.MIN_VALUE));
  }
  return { rel, abs };
}

function withDecay(c: FlowCase, lambda: number): TrainingProblem {
  return { ...c.problem, weightDecay: lambda };
}

describe('Remark 4: a regulariser adds a term to the offset', () => {
  claimTest(['rem.regularization'], 'with weight decay, f_{w(T)}(x) = f_{w0}(x) - sum_i K^lp(x, x_i) - lambda int grad f(x) . w dt, and without the last term the identity fails', (ctx) => {
    let stiff = 0;
    let worst = 0;
    let smallestGap = Infinity;
    let largestGap = 0;
    let largestGapAbs = 0;
    let cases = 0;
    fc.assert(
      fc.property(flowCaseArb({}, specs()), fc.constantFrom(...LAMBDAS), (c, lambda) => {
        const where = `${describeFlowCase(c)}, lambda ${lambda}`;
        const res = gradientFlow(withDecay(c, lambda), c.w0, { queries: c.queries, trainTrain: true }, { T: c.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, maxSteps: SMALL_FLOW_STEP_BUDGET });
        if (res.status === 'max-steps') {
          stiff++;
          return;
        }
        if (res.status !== 'success') throw new Error(`flow ${res.status}: ${res.message}; ${where}; seed ${SEED}`);
        let caseGap = 0;
        for (const [at, q] of [['test', res.queries!], ['train', res.train!]] as const) {
          const full = identityError(q, lossWeightedPredict(q.lossWeightedKernel, kernelMachineOffset(q)));
          worst = Math.max(worst, full.rel);
          if (!(full.rel <= IDENTITY_RTOL)) {
            throw new Error(`the identity with the regulariser term at ${at} points: relative error ${full.rel.toExponential(3)}, absolute ${full.abs.toExponential(3)} (tolerance ${IDENTITY_RTOL}); ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
          const without = identityError(q, lossWeightedPredict(q.lossWeightedKernel, q.f0));
          caseGap = Math.max(caseGap, without.rel);
          largestGap = Math.max(largestGap, without.rel);
          largestGapAbs = Math.max(largestGapAbs, without.abs);
        }
        // The term is needed in every case: dropping it must break the identity beyond its tolerance.
        if (!(caseGap > IDENTITY_RTOL)) {
          throw new Error(`without the regulariser term the identity still holds: relative gap ${caseGap.toExponential(3)} <= ${IDENTITY_RTOL}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
        }
        smallestGap = Math.min(smallestGap, caseGap);
        cases++;
      }),
      propertyParameters(12),
    );
    recordFigure(ctx, 'cases left out (over the step budget)', stiff);
    checkStepBudget(stiff, propertyParameters(12).numRuns, SEED, replayCommand(FILE));
    recordFigure(ctx, 'worst relative error with the regulariser term', worst);
    recordFigure(ctx, 'largest relative gap without it', largestGap);
    recordFigure(ctx, 'largest absolute gap without it', largestGapAbs);
    recordFigure(ctx, 'smallest per-case relative gap without it', smallestGap);
    recordFigure(ctx, 'smallest gap over the tolerance', smallestGap / IDENTITY_RTOL);
    recordFigure(ctx, 'cases', cases);
  });

  claimTest(['rem.regularization', 'disc.superposition'], "for a linear model the regulariser term equals grad f(x) . (w0 - w(T) - sum_i int L'_i grad f(x_i) dt)", (ctx) => {
    let stiff = 0;
    let worst = 0;
    let worstRatio = 0;
    fc.assert(
      fc.property(flowCaseArb({}, featuresSpecArb()), fc.constantFrom(...LAMBDAS), (c, lambda) => {
        const where = `${describeFlowCase(c)}, lambda ${lambda}`;
        const problem = withDecay(c, lambda);
        const ts = Array.from({ length: SAMPLES }, (_, k) => (c.T * k) / (SAMPLES - 1));
        const res = gradientFlow(problem, c.w0, { queries: c.queries, superposition: true }, { T: c.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, maxSteps: SMALL_FLOW_STEP_BUDGET, ts });
        if (res.status === 'max-steps') {
          stiff++;
          return;
        }
        if (res.status !== 'success') throw new Error(`flow ${res.status}: ${res.message}; ${where}; seed ${SEED}`);
        const d = c.model.paramCount;
        const O = c.model.outputDim;
        const m = c.problem.xTrain.rows;
        const S = res.superposition!;
        // lambda int w dt, and the sum of absolute values of its parts.
        const lambdaIntW = new Float64Array(d);
        const parts = new Float64Array(d);
        for (let j = 0; j < d; j++) {
          let acc = res.w0[j]! - res.wT[j]!;
          let absAcc = Math.abs(res.w0[j]!) + Math.abs(res.wT[j]!);
          for (let i = 0; i < m; i++) {
            acc -= S.data[i * d + j]!;
            absAcc += Math.abs(S.data[i * d + j]!);
          }
          lambdaIntW[j] = acc;
          parts[j] = absAcc;
        }
        // Size of the integrands, componentwise: |dw_j/dt| <= sum_(i,k) |L'_ik| |J_(i,k) j| + lambda |w_j|,
        // and the same bounds the rates of the superposition rows; the largest over the recorded times.
        const Jtrain = jacobian(c.model, res.w0, c.problem.xTrain);
        const rates = new Float64Array(d);
        for (const w of res.ws) {
          const Lp = lossGradient(problem, w).lossDerivatives;
          for (let j = 0; j < d; j++) {
            let r = lambda * Math.abs(w[j]!);
            for (let ik = 0; ik < m * O; ik++) r += Math.abs(Lp.data[ik]!) * Math.abs(Jtrain.data[ik * d + j]!);
            rates[j] = Math.max(rates[j]!, r);
          }
        }
        const q = res.queries!;
        for (let x = 0; x < q.x.rows; x++) {
          // grad_w f_k(x) does not depend on w for this model.
          const J = jacobian(c.model, res.w0, selectRows(q.x, [x]));
          for (let k = 0; k < O; k++) {
            let expected = 0;
            let scale = Math.abs(q.regulariserTerm.data[x * O + k]!);
            let rateScale = 0;
            for (let j = 0; j < d; j++) {
              const g = Math.abs(J.data[k * d + j]!);
              expected += J.data[k * d + j]! * lambdaIntW[j]!;
              scale += g * parts[j]!;
              rateScale += g * rates[j]!;
            }
            const got = q.regulariserTerm.data[x * O + k]!;
            const err = Math.abs(got - expected);
            const bound = ROUNDING_SAFETY * ((gamma(DOP853.b.length + 1) * B1 + res.stats.acceptedSteps * UNIT_ROUNDOFF_F64) * c.T * rateScale + gamma(d + m + 2) * scale);
            worst = Math.max(worst, err === 0 ? 0 : err / scale);
            worstRatio = Math.max(worstRatio, err === 0 ? 0 : err / bound);
            if (!(err <= bound)) {
              throw new Error(`regulariser term at query ${x}, output ${k}: ${got} vs grad f . (w0 - wT - sum S_i) = ${expected}: absolute ${err.toExponential(3)}, relative ${(err / scale).toExponential(3)}, rounding bound ${bound.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
            }
          }
        }
      }),
      propertyParameters(12),
    );
    recordFigure(ctx, 'cases left out (over the step budget)', stiff);
    checkStepBudget(stiff, propertyParameters(12).numRuns, SEED, replayCommand(FILE));
    recordFigure(ctx, 'worst relative disagreement', worst);
    recordFigure(ctx, 'worst disagreement over its rounding bound', worstRatio);
  });
});
