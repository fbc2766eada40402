/**
 * disc.boosting: section 3: gradient descent is boosting; each step weights the examples by their loss
 * derivatives and decreases the loss. On the flow: dL/dt = grad L . dw/dt = -|grad L|^2 <= 0. Checked on the
 * reference flow of generated problems (one and several outputs, every loss that fits):
 * - at saved times t_0 < t_1 < ... (FlowOptions.ts) the total loss never increases, allowing only for the
 *   integrator's error in w(t) and the rounding of the loss;
 * - at random times, the derivative of the total loss along the integrated path (Richardson differences of
 *   L(w(t)) on the dense output, FlowOptions.dense) equals -|grad L(w(t))|^2.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { gamma, norm2, richardsonDerivativeEstimated } from '../../src/core/index.js';
import { gradientFlow, lossGradient, type TrainingProblem } from '../../src/kernels/index.js';
import { totalLoss } from '../../src/losses/index.js';
import { jacobian } from '../../src/models/index.js';
import { claimTest, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_MAX_STEPS, FLOW_RTOL, IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';
import { caseLedger } from '../arbitraries/ledger.js';
import { mlpSpecArb } from '../arbitraries/models.js';
import { describeFlowCase, flowCaseArb } from '../arbitraries/problems.js';

const FILE = 'properties/discussion/boosting.property.ts';

// Saved times per flow (equally spaced in [0, T], both ends included).
const SAVED = 9;

// Monotonicity: the recorded w(t_k) is off the exact flow by at most IDENTITY_RTOL |w| (flowTolerance.ts), which
// moves the loss by at most |grad L| IDENTITY_RTOL |w|; evaluating L rounds by gamma(n) sum_i L_i with n the
// length of the longest sum in the forward pass and the loss (d + m O bounds it), doubled for safety. An
// increase beyond both ends' allowances would contradict dL/dt <= 0.
function lossAllowance(problem: TrainingProblem, w: Float64Array, loss: number): number {
  const grad = lossGradient(problem, w).gradient;
  return IDENTITY_RTOL * norm2(grad) * norm2(w) + 2 * gamma(problem.model.paramCount + problem.xTrain.rows * problem.model.outputDim) * Math.abs(loss);
}

// dL/dt by Richardson differences of L(w(t)) on the dense output, step h = 1e-4. Three errors, with a bound each:
// - the dense output's defect dw~/dt + grad L(w~): its error is at most the step's tolerance, FLOW_RTOL |w| +
//   FLOW_ATOL per component, and differentiating it over a step of length H multiplies by at most
//   DENSE_DERIVATIVE_FACTOR / H, hence |grad L| times that in dL/dt;
// - rounding: L is evaluated to delta = gamma(m O + 1) |L| + sum_r |L'_r| gamma(n) (|y_r| + sum_j |dy_r/dw_j| |w_j|),
//   the loss's sum and each output's forward-pass rounding weighted by |L'| (n = d + m O bounds every sum's
//   length; near a fit L is far smaller than the rounding of its residuals), and the Richardson combination
//   (4 D(h/2) - D(h)) / 3 turns that into about 3 delta / h;
// - truncation, and a kink of the piecewise interpolant inside the stencil: the a-posteriori |R(2h) - R(h)|.
// RATE_SAFETY covers the constants of these first-order bounds. The worst error over this bound is recorded as
// a figure; a wrong rate (e.g. -1.0001 |grad L|^2) is off by 1e-4 |grad L|^2, far outside.
const FD_STEP = 1e-4;
// Markov's inequality: a polynomial of degree n bounded by e on an interval of length H has a derivative of at
// most 2 n^2 e / H. The dense output's error on a step is (to leading order) a polynomial of degree 8, one
// above the interpolant's 7. Markov's bound is met only by error shapes that oscillate like a Chebyshev
// polynomial; smoother errors have derivatives up to 2 n^2 below it, so where this term dominates the
// observed error can sit that far below the tolerance.
const DENSE_DERIVATIVE_FACTOR = 2 * 8 ** 2;
const RATE_SAFETY = 4;
function rateTolerance(problem: TrainingProblem, w: Float64Array, g: number, H: number, truncation: number): number {
  const { model, xTrain } = problem;
  const d = model.paramCount;
  const J = jacobian(model, w, xTrain);
  const y = model.forward(w, xTrain).data;
  const { lossDerivatives: Lp, loss: L } = lossGradient(problem, w);
  const n = d + J.rows;
  let delta = gamma(J.rows + 1) * Math.abs(L);
  for (let r = 0; r < J.rows; r++) {
    let size = Math.abs(y[r]!);
    for (let j = 0; j < d; j++) size += Math.abs(J.data[r * d + j]! * w[j]!);
    delta += Math.abs(Lp.data[r]!) * gamma(n) * size;
  }
  const defect = (DENSE_DERIVATIVE_FACTOR * (FLOW_RTOL * (norm2(w) + H * g) + Math.sqrt(d) * FLOW_ATOL)) / H;
  return RATE_SAFETY * (g * defect + (3 * delta) / FD_STEP + truncation);
}

/** The shortest integrator step among those that meet [t - reach, t + reach] (step ends from onProgress). */
function shortestStepNear(ends: readonly number[], t: number, reach: number): number {
  let H = Infinity;
  for (let k = 0; k + 1 < ends.length; k++) if (ends[k + 1]! >= t - reach && ends[k]! <= t + reach) H = Math.min(H, ends[k + 1]! - ends[k]!);
  return H;
}

// Huber's L is only once differentiable in y: where a residual crosses delta, L(w(t)) has a jump in its second
// derivative, and differences straddling it have an O(h) error. Such stencils are detected (the pattern of
// L'' changes between t - h and t + h) and moved off, not checked.
function straddlesKink(problem: TrainingProblem, wMinus: Float64Array, wPlus: Float64Array): boolean {
  const { model, loss: l, xTrain, yTrain } = problem;
  if (l.name !== 'huber') return false;
  const a = model.forward(wMinus, xTrain);
  const b = model.forward(wPlus, xTrain);
  const O = model.outputDim;
  for (let i = 0; i < xTrain.rows; i++) {
    const target = yTrain.data.subarray(i * O, (i + 1) * O);
    const Ha = l.secondDerivative(a.data.subarray(i * O, (i + 1) * O), target);
    const Hb = l.secondDerivative(b.data.subarray(i * O, (i + 1) * O), target);
    for (let k = 0; k < Ha.data.length; k++) if (Ha.data[k] !== Hb.data[k]) return true;
  }
  return false;
}

function loss(problem: TrainingProblem, w: Float64Array): number {
  return totalLoss(problem.loss, problem.model.forward(w, problem.xTrain), problem.yTrain);
}

// Without layer norm, whose 1/sqrt(var + eps) slopes make some flows stiff (thousands of steps; a skipped one
// would be over the ledger's share in a property of 15 cases): the claim is about any differentiable model,
// and P3-P8 check layer norm.
const specs = () => mlpSpecArb({ maxDepth: 2, maxWidth: 5, layerNorm: false });

describe('section 3: gradient descent is boosting', () => {
  claimTest(['disc.boosting'], 'the total loss never increases along the gradient flow', (ctx) => {
    const ledger = caseLedger(ctx, 'generated flows', FILE);
    let largestRise = -Infinity;
    let largestRiseRatio = -Infinity;
    let smallestDrop = Infinity;
    fc.assert(
      fc.property(flowCaseArb({}, specs()), (c) => {
        ledger.draw();
        const where = describeFlowCase(c);
        const ts = Array.from({ length: SAVED }, (_, k) => (c.T * k) / (SAVED - 1));
        const res = gradientFlow(c.problem, c.w0, {}, { T: c.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, maxSteps: FLOW_MAX_STEPS, ts });
        if (res.status === 'max-steps') ledger.skip(`stiff: over ${FLOW_MAX_STEPS} integrator steps`);
        if (res.status !== 'success') throw new Error(`flow ${res.status}: ${res.message}; ${where}; seed ${SEED}`);
        const Ls = res.ws.map((w) => loss(c.problem, w));
        for (let k = 0; k + 1 < Ls.length; k++) {
          const before = Ls[k]!;
          const after = Ls[k + 1]!;
          const allowance = lossAllowance(c.problem, res.ws[k]!, before) + lossAllowance(c.problem, res.ws[k + 1]!, after);
          const rise = after - before;
          largestRise = Math.max(largestRise, rise / Math.max(before, Number.MIN_VALUE));
          largestRiseRatio = Math.max(largestRiseRatio, rise / allowance);
          smallestDrop = Math.min(smallestDrop, -rise / Math.max(before, Number.MIN_VALUE));
          if (!(rise <= allowance)) {
            throw new Error(`L(t = ${res.ts[k + 1]}) = ${after} > L(t = ${res.ts[k]}) = ${before}: absolute rise ${rise.toExponential(3)}, relative ${(rise / before).toExponential(3)}, allowance ${allowance.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
        }
      }),
      propertyParameters(15),
    );
    recordFigure(ctx, 'largest relative change upwards between saved times (negative: always down)', largestRise);
    recordFigure(ctx, 'largest change upwards over its allowance', largestRiseRatio);
    recordFigure(ctx, 'smallest relative drop between saved times', smallestDrop);
  }, { evidence: { 'disc.boosting': verifiedAgainst('finite differences', 'the sign of dL/dt by differences: L(w(t_{k+1})) - L(w(t_k)) between 9 saved times of the integrated flow, from forward passes of the loss, never rises beyond the integrator\'s and rounding\'s allowance') } });

  claimTest(['disc.boosting'], 'at random times dL/dt along the integrated flow equals -|grad L(w(t))|^2', (ctx) => {
    const ledger = caseLedger(ctx, 'flows at random times', FILE);
    let worst = 0;
    let worstRatio = 0;
    let worstAbs = 0;
    fc.assert(
      fc.property(flowCaseArb({}, specs()), fc.integer({ min: 1, max: 99 }), (c, pct) => {
        ledger.draw();
        const where = describeFlowCase(c);
        const ends: number[] = [0];
        const res = gradientFlow(c.problem, c.w0, {}, { T: c.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, maxSteps: FLOW_MAX_STEPS, dense: true, onProgress: (t) => ends.push(t) });
        if (res.status === 'max-steps') ledger.skip(`stiff: over ${FLOW_MAX_STEPS} integrator steps`);
        if (res.status !== 'success') throw new Error(`flow ${res.status}: ${res.message}; ${where}; seed ${SEED}`);
        const w = res.w!;
        let t = (pct / 100) * c.T;
        // Move the stencil [t - 2h, t + 2h] off a kink of Huber's loss (at most a few per flow).
        for (let tries = 0; straddlesKink(c.problem, w(t - 2 * FD_STEP), w(t + 2 * FD_STEP)) && tries < 20; tries++) {
          ledger.find('stencil moved off a kink of Huber\'s loss');
          t = Math.min(t + 5 * FD_STEP, c.T - 2 * FD_STEP);
        }
        const wt = w(t);
        // Value at FD_STEP, with |R(2 FD_STEP) - R(FD_STEP)| bounding its truncation.
        const fd = richardsonDerivativeEstimated((tau) => [loss(c.problem, w(t + tau))], 2 * FD_STEP);
        const rate = fd.value[0]!;
        const g = norm2(lossGradient(c.problem, wt).gradient);
        const expected = -g * g;
        const err = Math.abs(rate - expected);
        const tol = rateTolerance(c.problem, wt, g, shortestStepNear(ends, t, 2 * FD_STEP), fd.error[0]!);
        worst = Math.max(worst, err / (g * g));
        worstRatio = Math.max(worstRatio, err === 0 ? 0 : err / tol);
        worstAbs = Math.max(worstAbs, err);
        if (!(err <= tol)) {
          throw new Error(`dL/dt at t = ${t} by differences ${rate} vs -|grad L|^2 = ${expected}: absolute ${err.toExponential(3)}, relative ${(err / (g * g)).toExponential(3)}, tolerance ${tol.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
        }
      }),
      propertyParameters(15),
    );
    recordFigure(ctx, 'worst relative error of dL/dt (relative to |grad L|^2)', worst);
    recordFigure(ctx, 'worst error over its tolerance', worstRatio);
    recordFigure(ctx, 'worst absolute error of dL/dt', worstAbs);
  }, { evidence: { 'disc.boosting': verifiedAgainst('finite differences', 'dL/dt by Richardson differences of L(w(t)) along the dense output at random times, against -|grad L(w(t))|^2 from the VJP gradient') } });
});
