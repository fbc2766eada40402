/**
 * The proof of Theorem 1 step by step (labels P1-P8 of ../shared/reference/paper.md), each against a
 * computation that does not share the formula under test:
 * - step.gd-update (P1): every update (w_{s+1} - w_s)/eps of the GD loop, projected on a random direction,
 *   against central differences of the objective (no derivative rule involved);
 * - step.loss-additivity (P5): grad L (one VJP with the loss derivatives as cotangent) against differences of
 *   the objective, and against sum_i L'_i grad f(x_i) with the per-example gradients built in forward mode;
 * - step.swap-sums (P6): the left side sum_j (dy/dw_j)(dL/dw_j) as a forward-mode JVP of f along the VJP
 *   gradient, the right side sum_i L'_i K^g(x, x_i) from the structured tangent kernel (site factors, no
 *   per-example gradient anywhere): two implementations that share no summation;
 * - step.chain-rule (P3), step.substitute-flow (P4), step.tangent-kernel-form (P7): along the integrated
 *   flow, dy/dt by differences of the dense output against grad f . dw/dt, -grad f . grad L and
 *   -sum_i L'_i K^g(x, x_i), at random times.
 * (P2 is in properties/theorem/gradientFlowLimit.property.ts, P8 with Theorem 1 in theorem1.property.ts.)
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { dot, gamma, norm2, richardsonDerivativeEstimated, rng, UNIT_ROUNDOFF_F64, type Matrix } from '../../src/core/index.js';
import { gradientFlow, lossGradient, tangentKernelStructured, type TrainingProblem } from '../../src/kernels/index.js';
import { jacobian, outputJvp } from '../../src/models/index.js';
import { gradientDescent, objective } from '../../src/train/index.js';
import { claimTest, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { DEEP, propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_MAX_STEPS, FLOW_RTOL } from '../arbitraries/flowTolerance.js';
import { jacobianByJvp, weightedRowSum } from '../arbitraries/forwardMode.js';
import { caseLedger } from '../arbitraries/ledger.js';
import { describeFlowCase, flowCaseArb, type FlowCase } from '../arbitraries/problems.js';
import { isDivergence } from '../arbitraries/refinement.js';

const FILE = 'properties/theorem/proofSteps.property.ts';
const U = UNIT_ROUNDOFF_F64;

// Layer norm over two units is a smoothed sign of width sqrt(1e-5): enough of such flows need over FLOW_MAX_STEPS
// steps to exceed the ledger's share. The default run draws layer norm over three units or more (far fewer stiff
// flows); the deep run, with five times the cases, keeps two.
const NORM_WIDTH = DEEP ? 2 : 3;

// Differences of the objective along v with step h = 1e-4 (Richardson value at h/2): its truncation is bounded
// by the estimate |R(h) - R(h/2)| (R(h)'s truncation is 16 times R(h/2)'s), its rounding by 6 delta / h for an
// objective evaluated to delta. delta: the loss sums m O terms and each output carries the forward pass's
// rounding, gamma(n) (|y| + sum_j |dy/dw_j| |w_j|) with n = d + m O bounding every sum's length, weighted by
// |L'|. FD_SAFETY covers the constants of these first-order bounds.
const FD_STEP = 1e-4;
const FD_SAFETY = 4;

// d/dt along the dense output by differences with step TIME_STEP = 1e-4: three errors, each with its bound.
// - truncation, and a kink of the piecewise interpolant inside the stencil: the a-posteriori |R(2h) - R(h)|;
// - rounding: 3 delta / h for values evaluated to delta (the forward pass, the dense output's polynomial);
// - for P4 and P7, which compare with the flow's own rate, the dense output's defect dw~/dt + grad L(w~):
//   its error is at most the step's tolerance FLOW_RTOL |w| + FLOW_ATOL, and differentiating it over a step
//   of length H multiplies by at most DENSE_DERIVATIVE_FACTOR / H.
// TIME_SAFETY covers the constants of these first-order bounds; the worst error over the bound is recorded as a
// figure per step.
const TIME_STEP = 1e-4;
// Markov's inequality: a polynomial of degree n bounded by e on an interval of length H has a derivative of at
// most 2 n^2 e / H. The dense output's error on a step is (to leading order) a polynomial of degree 8, one
// above the interpolant's 7. Markov's bound is met only by error shapes that oscillate like a Chebyshev
// polynomial; smoother errors have derivatives up to 2 n^2 below it, so where this term dominates the
// observed error can sit that far below the tolerance.
const DENSE_DERIVATIVE_FACTOR = 2 * 8 ** 2;
const TIME_SAFETY = 4;

/** The forward pass's rounding per output: gamma(n) (|y_r| + sum_j |dy_r/dw_j| |w_j|), n = d + rows. */
function forwardRounding(J: Matrix, y: ArrayLike<number>, w: Float64Array): Float64Array {
  const d = J.cols;
  const g = gamma(d + J.rows);
  return Float64Array.from({ length: J.rows }, (_, r) => {
    let s = Math.abs(y[r]!);
    for (let j = 0; j < d; j++) s += Math.abs(J.data[r * d + j]! * w[j]!);
    return g * s;
  });
}

/** d/dtau L(w + tau v) by differences, with the tolerance it is held to. */
function objectiveDerivative(problem: TrainingProblem, w: Float64Array, v: Float64Array): { value: number; tolerance: number } {
  const fd = richardsonDerivativeEstimated((tau) => [objective(problem, w.map((wj, j) => wj + tau * v[j]!))], FD_STEP);
  const { lossDerivatives: Lp, loss } = lossGradient(problem, w);
  const J = jacobian(problem.model, w, problem.xTrain);
  const y = problem.model.forward(w, problem.xTrain).data;
  const perOutput = forwardRounding(J, y, w);
  let delta = gamma(Lp.data.length + 1) * Math.abs(loss);
  for (let r = 0; r < Lp.data.length; r++) delta += Math.abs(Lp.data[r]!) * perOutput[r]!;
  return { value: fd.value[0]!, tolerance: FD_SAFETY * (fd.error[0]! + (6 * delta) / FD_STEP) };
}

/** |row r of J|_2. */
function rowNorm(J: Matrix, r: number): number {
  return norm2(J.data.subarray(r * J.cols, (r + 1) * J.cols));
}

// A loss this many times the initial one (or past 1) marks a diverged GD run: nothing that converges comes near it,
// and the differences of a loss of that size overflow (the objective is a sum of squares of outputs near 1e150).
const DIVERGED_LOSS_RATIO = 1e100;

function direction(seed: number, d: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: d }, () => r.normal());
}

function failure(what: string, value: number, reference: number, tol: number, c: FlowCase): Error {
  const abs = Math.abs(value - reference);
  return new Error(`${what}: ${value} vs ${reference}: absolute ${abs.toExponential(3)}, relative ${(abs / Math.max(Math.abs(reference), Number.MIN_VALUE)).toExponential(3)}, tolerance ${tol.toExponential(3)}; ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
}

describe('the proof of Theorem 1, step by step', () => {
  claimTest(['step.gd-update'], 'every step of the GD loop moves by -eps grad L: (w_{s+1} - w_s)/eps . v against differences of the objective along v', (ctx) => {
    const ledger = caseLedger(ctx, 'GD runs of 1-3 steps', FILE);
    let worstRatio = 0;
    let checked = 0;
    fc.assert(
      fc.property(flowCaseArb(), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 3 }), fc.nat(), (c, epsK, S, dirSeed) => {
        ledger.draw();
        const eps = epsK / 1000;
        let reported = 0;
        let run: ReturnType<typeof gradientDescent>;
        try {
          run = gradientDescent(c.problem, c.w0, { eps, steps: S, record: true, onStep: () => reported++ });
        } catch (e) {
          // The trainer's own divergence stop (non-finite parameters or outputs): counted, under the cap.
          if (!isDivergence(e)) throw e;
          return ledger.skip(`GD diverged at eps ${eps}: ${(e as Error).message}`);
        }
        const path = run.path!;
        if (path.length !== S + 1 || reported !== S) throw new Error(`GD asked for ${S} steps recorded ${path.length - 1} and reported ${reported}; ${describeFlowCase(c)}; seed ${SEED}`);
        if (!run.wS.every((v, j) => v === path[S]![j])) throw new Error(`GD returned a w_S that is not its last iterate; ${describeFlowCase(c)}; seed ${SEED}`);
        for (let s = 0; s < S; s++) {
          const [before, after] = [path[s]!, path[s + 1]!];
          const v = direction(dirSeed + s, before.length);
          // (w_{s+1} - w_s)/eps recovers the update to 2u (|w_s| + |w_{s+1}|) / eps per component.
          let update = 0;
          let rounding = 0;
          for (let j = 0; j < v.length; j++) {
            update += ((after[j]! - before[j]!) / eps) * v[j]!;
            rounding += (2 * U * (Math.abs(before[j]!) + Math.abs(after[j]!)) * Math.abs(v[j]!)) / eps;
          }
          const fd = objectiveDerivative(c.problem, before, v);
          // A run that blew up (seed 643697191 in deep mode: square activations, eps 0.083, |update| 2e287 at
          // step 2) leaves no differences to compare: the case is counted as a divergence of GD at its eps,
          // under the ledger's cap, and only when the loss itself shows it; a NaN anywhere else fails.
          if (!Number.isFinite(fd.value) || !Number.isFinite(fd.tolerance)) {
            const loss = objective(c.problem, before);
            if (!(loss <= DIVERGED_LOSS_RATIO * Math.max(objective(c.problem, c.w0), 1))) ledger.skip(`GD diverged at eps ${eps}: the loss reached ${loss.toExponential(2)} at step ${s} of ${S}, where differences of it are not finite`);
          }
          const tol = fd.tolerance + 4 * rounding;
          const err = Math.abs(update + fd.value);
          worstRatio = Math.max(worstRatio, err / tol);
          checked++;
          if (!(err <= tol)) throw failure(`P1 at step ${s} of ${S}, eps ${eps}: (w_{s+1} - w_s)/eps . v against -dL/dtau by differences`, update, -fd.value, tol, c);
        }
      }),
      propertyParameters(30),
    );
    recordFigure(ctx, 'steps checked', checked);
    recordFigure(ctx, 'worst error over its tolerance', worstRatio);
  }, { evidence: { 'step.gd-update': verifiedAgainst('finite differences', 'each update of gradientDescent, (w_{s+1} - w_s)/eps projected on a random direction, against -d/dtau L(w_s + tau v) by Richardson differences of the objective; S = 1..3 steps, the loop\'s step count and its w_S checked') } });

  claimTest(['step.loss-additivity'], "grad L = sum_i L'_i grad f(x_i): the VJP against differences of the total loss and against per-example gradients built in forward mode", (ctx) => {
    const ledger = caseLedger(ctx, 'generated problems', FILE);
    let worstFd = 0;
    let worstForward = 0;
    fc.assert(
      fc.property(flowCaseArb(), fc.nat(), (c, dirSeed) => {
        ledger.draw();
        const w = c.w0;
        const { gradient, lossDerivatives: Lp } = lossGradient(c.problem, w);
        const v = direction(dirSeed, w.length);
        const fd = objectiveDerivative(c.problem, w, v);
        const gv = dot(gradient, v);
        const errFd = Math.abs(gv - fd.value);
        worstFd = Math.max(worstFd, errFd / fd.tolerance);
        if (!(errFd <= fd.tolerance)) throw failure('P5: grad L . v against differences of L', gv, fd.value, fd.tolerance, c);
        // sum over examples i and outputs k of L'_ik times grad f_k(x_i), each gradient a column-by-column JVP.
        const J = jacobianByJvp(c.model, w, c.problem.xTrain);
        const byExamples = weightedRowSum(J, Lp.data);
        // Both sides sum m O terms L'_ik grad f_k(x_i), each formed through chains of at most d + m O sums. An
        // entry of a gradient is rounded relative to the magnitudes that flow through the tape, not to its own
        // size (a small entry behind a layer norm is what is left of a cancellation): the row's norm |grad f_k(x_i)|.
        const n = J.cols + J.rows;
        let size = 0;
        for (let r = 0; r < J.rows; r++) size += Math.abs(Lp.data[r]!) * rowNorm(J, r);
        for (let j = 0; j < J.cols; j++) {
          const tol = 4 * gamma(n) * size + Number.MIN_VALUE;
          const err = Math.abs(gradient[j]! - byExamples[j]!);
          worstForward = Math.max(worstForward, err / tol);
          if (!(err <= tol)) throw failure(`P5: component ${j}, the VJP against sum_i L'_i grad f(x_i) in forward mode`, gradient[j]!, byExamples[j]!, tol, c);
        }
      }),
      propertyParameters(30),
    );
    recordFigure(ctx, 'worst error against differences over its tolerance', worstFd);
    recordFigure(ctx, 'worst error against forward mode over its rounding bound', worstForward);
  }, {
    evidence: {
      'step.loss-additivity': [
        verifiedAgainst('finite differences', 'grad L . v (one VJP of the batch with L\' as cotangent) against Richardson differences of the total loss along a random v'),
        verifiedAgainst('second implementation', "grad L against sum_i L'_i grad f(x_i) with the per-example gradients built column by column in forward mode (d JVPs, no reverse pass): it shares L', the forward trace and each primitive's local derivative rule with the VJP (those rules stand on the differences above), not the reverse accumulation or the sum over examples"),
      ],
    },
  });

  claimTest(['step.swap-sums'], "sum_j (dy/dw_j)(dL/dw_j) as a JVP along grad L equals sum_i L'_i K^g(x, x_i) from the structured kernel, to rounding", (ctx) => {
    const ledger = caseLedger(ctx, 'generated problems', FILE);
    let worstRatio = 0;
    fc.assert(
      fc.property(flowCaseArb(), (c) => {
        ledger.draw();
        const w = c.w0;
        const { gradient, lossDerivatives: Lp } = lossGradient(c.problem, w);
        // Left: the sum over parameters j outside, dL/dw_j = sum_i L'_i dy_i/dw_j formed inside the VJP.
        const left = outputJvp(c.model, w, c.queries, gradient).data;
        // Right: the sum over examples i outside, the sum over j inside K^g (per site, from site factors).
        const K = tangentKernelStructured(c.model, w, c.queries, c.problem.xTrain);
        const Jq = jacobian(c.model, w, c.queries);
        const Jt = jacobian(c.model, w, c.problem.xTrain);
        const cols = Lp.data.length;
        const d = c.model.paramCount;
        for (let r = 0; r < left.length; r++) {
          let right = 0;
          let size = 0;
          for (let i = 0; i < cols; i++) {
            right += K.data[r * cols + i]! * Lp.data[i]!;
            size += Math.abs(Lp.data[i]!) * rowNorm(Jq, r) * rowNorm(Jt, i);
          }
          // Both sides are sums of the same m O d products L'_i dy/dw_j dy_i/dw_j, formed through chains of at
          // most d + m O sums. Each gradient entry is rounded relative to the magnitudes flowing through the tape
          // (behind a layer norm a small entry is what is left of a cancellation), so the size of an inner
          // product is taken as |grad f(x)| |grad f(x_i)|, not as sum_j |products|; the factor 4 covers the two
          // sides and the stages of each.
          const tol = 4 * gamma(d + cols) * size + Number.MIN_VALUE;
          const err = Math.abs(left[r]! - right);
          worstRatio = Math.max(worstRatio, err / tol);
          if (!(err <= tol)) throw failure(`P6 at query output ${r}: JVP along grad L against sum_i L'_i K^g`, left[r]!, right, tol, c);
        }
      }),
      propertyParameters(40),
    );
    recordFigure(ctx, 'worst error over its rounding bound', worstRatio);
  }, {
    evidence: {
      'step.swap-sums': verifiedAgainst('second implementation', "exchanging finite sums is algebra; what is checked is that the engine's two sides agree: the left as a forward-mode JVP of f along the VJP gradient (sum over j outside), the right from the structured kernel's site factors contracted with L' (sum over i outside, no per-example gradient formed); the two share only each primitive's local derivative rule"),
    },
  });

  claimTest(['step.chain-rule', 'step.substitute-flow', 'step.tangent-kernel-form'], "along the integrated flow dy/dt = grad f . dw/dt = -grad f . grad L = -sum_i L'_i K^g(x, x_i) at random times", (ctx) => {
    const ledger = caseLedger(ctx, 'flows at random times', FILE);
    let worst = 0;
    const worstRatio: Record<string, number> = { P3: 0, P4: 0, P7: 0 };
    fc.assert(
      fc.property(flowCaseArb({ minNormWidth: NORM_WIDTH }), fc.integer({ min: 1, max: 99 }), (c, pct) => {
        ledger.draw();
        const ends: number[] = [0];
        const res = gradientFlow(c.problem, c.w0, {}, { T: c.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, dense: true, maxSteps: FLOW_MAX_STEPS, onProgress: (t) => ends.push(t) });
        if (res.status === 'max-steps') ledger.skip(`stiff: over ${FLOW_MAX_STEPS} integrator steps`);
        if (res.status !== 'success') throw new Error(`flow ${res.status}: ${res.message}; ${describeFlowCase(c)}; seed ${SEED}`);
        const w = res.w!;
        const t = (pct / 100) * c.T;
        const X = c.queries;
        const yAt = (s: number) => c.model.forward(w(Math.min(Math.max(s, 0), c.T)), X).data;
        // Value at TIME_STEP, with |R(2 TIME_STEP) - R(TIME_STEP)| bounding its truncation (and a kink of the
        // piecewise dense output inside the stencil).
        const dy = richardsonDerivativeEstimated((h) => yAt(t + h), 2 * TIME_STEP);
        const dw = richardsonDerivativeEstimated((h) => w(t + h), 2 * TIME_STEP);
        const wt = w(t);
        const J = jacobian(c.model, wt, X);
        const d = c.model.paramCount;
        const { gradient, lossDerivatives: Lp } = lossGradient(c.problem, wt);
        const K = tangentKernelStructured(c.model, wt, X, c.problem.xTrain);
        const Jt = jacobian(c.model, wt, c.problem.xTrain);
        const H = shortestStepNear(ends, t, 2 * TIME_STEP);
        const yRound = forwardRounding(J, c.model.forward(wt, X).data, wt);
        const cols = Lp.data.length;
        for (let r = 0; r < J.rows; r++) {
          let p3 = 0;
          let p4 = 0;
          let p7 = 0;
          let fdW = 0;
          let defect = 0;
          let p6Size = 0;
          for (let j = 0; j < d; j++) {
            const Jrj = J.data[r * d + j]!;
            p3 += Jrj * dw.value[j]!;
            p4 -= Jrj * gradient[j]!;
            // dw/dt by differences: truncation estimate plus 3 delta / h for the dense output's evaluation,
            // a degree-7 polynomial summed to gamma(16) (|w_j| + H |dw_j/dt|).
            fdW += Math.abs(Jrj) * (dw.error[j]! + (3 * gamma(16) * (Math.abs(wt[j]!) + H * Math.abs(gradient[j]!))) / TIME_STEP);
            // The dense output's defect: an error of at most the step's tolerance, FLOW_RTOL |w| + FLOW_ATOL,
            // differentiated across a step of length H (DENSE_DERIVATIVE_FACTOR / H).
            defect += (Math.abs(Jrj) * DENSE_DERIVATIVE_FACTOR * (FLOW_RTOL * (Math.abs(wt[j]!) + H * Math.abs(gradient[j]!)) + FLOW_ATOL)) / H;
          }
          for (let i = 0; i < cols; i++) {
            p7 -= Lp.data[i]! * K.data[r * cols + i]!;
            p6Size += Math.abs(Lp.data[i]!) * rowNorm(J, r) * rowNorm(Jt, i);
          }
          const fdY = dy.error[r]! + (3 * yRound[r]!) / TIME_STEP;
          const tolerance = { P3: TIME_SAFETY * (fdY + fdW), P4: TIME_SAFETY * (fdY + defect), P7: TIME_SAFETY * (fdY + defect) + 4 * gamma(d + cols) * p6Size };
          const scale = 1 + Math.abs(dy.value[r]!);
          for (const [step, value] of [['P3', p3], ['P4', p4], ['P7', p7]] as const) {
            const err = Math.abs(value - dy.value[r]!);
            worst = Math.max(worst, err / scale);
            worstRatio[step] = Math.max(worstRatio[step]!, err === 0 ? 0 : err / tolerance[step]);
            if (!(err <= tolerance[step])) throw failure(`${step} at t = ${t}, output ${r} (step length ${H.toExponential(3)})`, value, dy.value[r]!, tolerance[step], c);
          }
        }
      }),
      propertyParameters(20),
    );
    recordFigure(ctx, 'worst error of dy/dt relative to 1 + |dy/dt|', worst);
    for (const [step, ratio] of Object.entries(worstRatio)) recordFigure(ctx, `${step}: worst error over its tolerance`, ratio);
  }, {
    evidence: {
      'step.chain-rule': verifiedAgainst('finite differences', 'grad f . dw/dt against dy/dt, both by Richardson differences of the dense output at random times (the chain rule on the integrated path)'),
      'step.substitute-flow': verifiedAgainst('finite differences', '-grad f . grad L (reverse-mode Jacobian, VJP gradient) against dy/dt by differences of the dense output'),
      'step.tangent-kernel-form': verifiedAgainst('finite differences', "-sum_i L'_i K^g(x, x_i) (structured kernel) against dy/dt by differences of the dense output"),
    },
  });
});

/** The shortest integrator step among those that meet [t - reach, t + reach] (step ends from onProgress). */
function shortestStepNear(ends: readonly number[], t: number, reach: number): number {
  let H = Infinity;
  for (let k = 0; k + 1 < ends.length; k++) if (ends[k + 1]! >= t - reach && ends[k]! <= t + reach) H = Math.min(H, ends[k + 1]! - ends[k]!);
  return H;
}
