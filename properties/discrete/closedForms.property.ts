/**
 * Closed forms against our trainer and our flow, where they exist:
 * - Adam's first step: m_1 / (1 - beta1) = g and v_1 / (1 - beta2) = g^2, so Delta w = -lr g / (|g| + epsilon)
 *   (AdamW: minus lr lambda w_0), whatever the model;
 * - heavy-ball and Nesterov momentum on a quadratic L = 1/2 w^T A w: in A's eigenbasis each coordinate with its
 *   momentum is a 2 x 2 linear recurrence whose powers have a closed form in the recurrence's eigenvalues;
 * - GD on a linear-in-features model with the squared loss: w_s = w* + (I - eps A)^s (w_0 - w*), written per
 *   eigen-coordinate as z_s = z_0 + [(1 - (1 - eps lambda)^s) / lambda] (c - lambda z_0), which also holds where
 *   A is singular (there w* is not unique);
 * - that model's gradient flow: z(t) = z_0 + [(1 - e^{-t lambda}) / lambda] (c - lambda z_0), i.e.
 *   w(t) = w* + exp(-t A)(w_0 - w*) (the paper's closed-form oracle).
 * Here A = Phi~^T Phi~ (/ m for a mean loss) + lambda_wd I and c = V^T Phi~^T y* (/ m), Phi~ the features with a
 * column of ones when the model has a bias.
 */
import fc from 'fast-check';
import { describe, type TestContext } from 'vitest';
import { UNIT_ROUNDOFF_F64 } from '../../src/core/index.js';
import { gradientFlow } from '../../src/kernels/index.js';
import { gradientDescent, lossGradient, train } from '../../src/train/index.js';
import { caseLedger } from '../arbitraries/ledger.js';
import { claimTest, recordEvidence, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_RTOL } from '../arbitraries/flowTolerance.js';
import { describeFlowCase, flowCaseArb } from '../arbitraries/problems.js';
import { assemble, dist2, gradientMagnitude, linearCaseArb, norm2, powerCoefficients, roundTrip, travel, type LinearCase } from './linearClosedForm.js';

const FILE = 'properties/discrete/closedForms.property.ts';
const u = UNIT_ROUNDOFF_F64;

// Adam's first step, per coordinate. Ours: (1 - beta1) g then / (1 - beta1) (the same rounded factor, so it
// cancels to 2 roundings), g g (1 - beta2) / (1 - beta2) and its root (2.5), + epsilon, the reciprocal, the
// product, + lambda w, times -lr (5): at most 10 roundings of the terms; the closed form's own division,
// addition, lambda w and product: 4 more.
const FIRST_STEP_ROUNDINGS = 14;
// One step of GD or momentum on the linear model rounds the gradient Phi~^T (Phi~ w - y*): sums of F and m
// terms, within gamma_{F+m} of the magnitude of their terms, |Phi~|^T (|Phi~| |w| + |y*|) (gradientMagnitude),
// times the step's eps; and the step's few operations, STEP_OPS u of ||w|| + ||eps v||. The closed form is the
// exact recurrence of A + E, E Jacobi's backward error (a small multiple of F u ||A||): one more gradient
// rounding of about F terms, hence 2 F + m + 2 in all. Each injection then travels by the recurrence:
// ||e_s|| <= sum_r ||T^(s-r)||_F injection_r; the map to and from the eigenbasis adds roundTrip's error once.
const STEP_OPS = 8;

function failure(what: string, gap: number, bound: number, scale: number, detail: string): never {
  throw new Error(`${what}: |ours - closed form| ${gap.toExponential(3)} (relative ${(gap / scale).toExponential(3)}) > bound ${bound.toExponential(3)}; ${detail}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
}

const describeLinear = (c: LinearCase) => `spec ${JSON.stringify(c.spec)}, m ${c.phi.rows}, ${c.problem.reduction}, weight decay ${c.problem.weightDecay}, eigenvalues ${Array.from(c.values, (v) => v.toPrecision(3)).join(' ')}`;

function worst(ctx: TestContext, label: string, ratios: number[], gaps: number[], cases: number): void {
  recordFigure(ctx, `${label}: worst |ours - closed form| / bound`, Math.max(...ratios));
  recordFigure(ctx, `${label}: worst gap / max ||w|| over the run`, Math.max(...gaps));
  recordFigure(ctx, `${label}: cases (steps compared)`, `${cases} (${ratios.length})`);
}

describe('closed forms of training', () => {
  claimTest(['disc.adam-exact'], "Adam's first step is -lr g / (|g| + epsilon), AdamW's minus lr lambda w_0, to rounding, on generated models and settings", (ctx) => {
    const ledger = caseLedger(ctx, 'first Adam step', FILE);
    let worstRatio = 0;
    const settings = fc.record({
      adamw: fc.boolean(),
      beta1: fc.constantFrom(0, 0.5, 0.8, 0.9, 0.99),
      beta2: fc.constantFrom(0.9, 0.99, 0.999, 0.9999),
      epsilon: fc.constantFrom(1e-8, 1e-6, 1e-3, 0.1),
      lr: fc.constantFrom(1e-3, 0.01, 0.1),
      decay: fc.constantFrom(0, 0.01, 0.1),
    });
    fc.assert(
      fc.property(flowCaseArb(), settings, (c, o) => {
        ledger.draw();
        const problem = o.adamw ? c.problem : { ...c.problem, weightDecay: o.decay };
        const base = { beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon };
        let update: Float64Array = new Float64Array(0);
        train(problem, c.w0, { optimizer: o.adamw ? { kind: 'adamw', ...base, weightDecay: o.decay } : { kind: 'adam', ...base }, eps: o.lr, steps: 1, onStep: (r) => (update = r.update) });
        const g = lossGradient(problem, c.w0).gradient;
        const lambda = o.adamw ? o.decay : 0;
        g.forEach((gj, j) => {
          const closed = -o.lr * (gj / (Math.abs(gj) + o.epsilon) + lambda * c.w0[j]!);
          const bound = FIRST_STEP_ROUNDINGS * u * o.lr * (Math.abs(gj) / (Math.abs(gj) + o.epsilon) + lambda * Math.abs(c.w0[j]!));
          const gap = Math.abs(update[j]! - closed);
          if (bound > 0) worstRatio = Math.max(worstRatio, gap / bound);
          if (!(gap <= bound)) failure(`${o.adamw ? 'AdamW' : 'Adam'} ${JSON.stringify(o)}, coordinate ${j}`, gap, bound, Math.abs(closed), describeFlowCase(c));
        });
      }),
      propertyParameters(60),
    );
    recordFigure(ctx, 'worst |first step - closed form| / (14 u |terms|)', worstRatio);
    recordFigure(ctx, 'cases', ledger.drawn);
    recordEvidence(ctx, 'disc.adam-exact', verifiedAgainst('closed form', `Adam's first step Delta w = -lr g / (|g| + epsilon) (- lr lambda w_0 for AdamW): bias corrections at t = 1, on ${ledger.drawn} generated models and settings`));
  });

  claimTest(['disc.momentum-exact'], 'heavy-ball and Nesterov momentum on a quadratic 1/2 w^T A w follow the closed form of their linear recurrence at every step', (ctx) => {
    const ledger = caseLedger(ctx, 'momentum on a quadratic', FILE);
    const ratios: number[] = [];
    const gaps: number[] = [];
    const settings = fc.record({ nesterov: fc.boolean(), beta: fc.constantFrom(0.5, 0.8, 0.9, 0.95), c: fc.integer({ min: 5, max: 100 }).map((k) => k / 100), steps: fc.integer({ min: 1, max: 40 }) });
    fc.assert(
      fc.property(linearCaseArb(true), settings, (c, o) => {
        ledger.draw();
        const lmax = Math.max(...c.values);
        const eps = o.c / lmax;
        const { beta } = o;
        const T = (lambda: number): [number, number, number, number] => (o.nesterov ? [1 - eps * lambda * (1 + beta), -beta * beta, eps * lambda, beta] : [1 - eps * lambda, -beta, eps * lambda, beta]);
        const run = train(c.problem, c.w0, { optimizer: { kind: 'momentum', beta, nesterov: o.nesterov }, eps, steps: o.steps, record: true });
        if (run.path!.length !== o.steps + 1) throw new Error(`${o.steps} steps recorded ${run.path!.length - 1} iterates after w_0`);
        const coefficients = Array.from(c.values, (lambda) => ({ T: T(lambda), a: powerCoefficients(...T(lambda), o.steps) }));
        const H = travel(c, o.steps, T);
        const F = c.phi.cols;
        const m = c.phi.rows;
        const wMax = Math.max(...run.path!.map(norm2));
        // ||eps v_r|| <= eps lambda_max max ||w|| / (1 - beta): the momentum state in the step's units.
        const W = wMax * (1 + (eps * lmax) / (1 - beta));
        const injection = u * ((2 * F + m + 2) * eps * Math.max(...run.path!.map((w) => gradientMagnitude(c, w))) + STEP_OPS * W);
        run.path!.forEach((w, s) => {
          const closed = assemble(c, (index, z0) => {
            const { T: [t00, t01, t10, t11], a } = coefficients[index]!;
            return s === 0 ? z0 : (a[s]! * t00 - (t00 * t11 - t01 * t10) * a[s - 1]!) * z0;
          });
          const gap = dist2(w, closed);
          const bound = H[s]! * injection + roundTrip(c, wMax);
          ratios.push(gap / bound);
          gaps.push(gap / wMax);
          if (!(gap <= bound)) failure(`${o.nesterov ? 'Nesterov' : 'heavy ball'} beta ${beta}, eps ${eps} (= ${o.c} / lambda_max), step ${s}`, gap, bound, norm2(w), describeLinear(c));
        });
      }),
      propertyParameters(40),
    );
    worst(ctx, 'momentum', ratios, gaps, ledger.drawn);
    recordEvidence(ctx, 'disc.momentum-exact', verifiedAgainst('closed form', `v_s = beta v_{s-1} + g_s with Delta w = -eps v_s (heavy ball) or -eps (g_s + beta v_s) (Nesterov) against T^s = a_s T - det(T) a_{s-1} I per eigenvalue of A, every step of ${ledger.drawn} generated quadratics`));
  });

  claimTest(['step.gd-update'], 'gradient descent (the loop of P2) on a linear-in-features squared loss follows w_s = w* + (I - eps A)^s (w_0 - w*) at every step', (ctx) => {
    const ledger = caseLedger(ctx, 'GD on a linear model', FILE);
    const ratios: number[] = [];
    const gaps: number[] = [];
    const settings = fc.record({ c: fc.integer({ min: 5, max: 150 }).map((k) => k / 100), steps: fc.integer({ min: 1, max: 60 }) });
    fc.assert(
      fc.property(linearCaseArb(false), settings, (c, o) => {
        ledger.draw();
        const eps = o.c / Math.max(...c.values);
        const run = gradientDescent(c.problem, c.w0, { eps, steps: o.steps, record: true });
        if (run.path!.length !== o.steps + 1 || dist2(run.wS, run.path![o.steps]!) !== 0) throw new Error(`${o.steps} steps recorded ${run.path!.length - 1} iterates after w_0, or w_S is not the last`);
        const F = c.phi.cols;
        const m = c.phi.rows;
        const H = travel(c, o.steps, (lambda) => [1 - eps * lambda, 0, 0, 0]);
        const wMax = Math.max(...run.path!.map(norm2));
        const injection = u * ((2 * F + m + 2) * eps * Math.max(...run.path!.map((w) => gradientMagnitude(c, w))) + STEP_OPS * wMax);
        // F_s(lambda) = (1 - (1 - eps lambda)^s) / lambda = eps sum_{k<s} (1 - eps lambda)^k, kept as the sum so
        // that it holds (and stays accurate) where lambda is 0 or tiny.
        const factor = Array.from(c.values, () => 0);
        run.path!.forEach((w, s) => {
          if (s > 0) c.values.forEach((lambda, a) => (factor[a]! += eps * (1 - eps * lambda) ** (s - 1)));
          const closed = assemble(c, (a, z0, cz) => z0 + factor[a]! * (cz - c.values[a]! * z0));
          const gap = dist2(w, closed);
          const bound = H[s]! * injection + roundTrip(c, wMax);
          ratios.push(gap / bound);
          gaps.push(gap / wMax);
          if (!(gap <= bound)) failure(`GD eps ${eps} (= ${o.c} / lambda_max), step ${s}`, gap, bound, norm2(w), describeLinear(c));
        });
      }),
      propertyParameters(40),
    );
    worst(ctx, 'GD', ratios, gaps, ledger.drawn);
    recordEvidence(ctx, 'step.gd-update', verifiedAgainst('closed form', `gradientDescent's iterates against w* + (I - eps A)^s (w_0 - w*) by A's eigendecomposition (per eigen-coordinate, singular A included), sum and mean losses, weight decay, every step of ${ledger.drawn} generated linear models`));
  });

  claimTest(['engine.integrator'], "the integrated gradient flow of a linear-in-features squared loss is w(t) = w* + exp(-tA)(w_0 - w*) to the integrator's tolerance", (ctx) => {
    const ledger = caseLedger(ctx, 'flow of a linear model', FILE);
    const ratios: number[] = [];
    const gaps: number[] = [];
    fc.assert(
      fc.property(linearCaseArb(false), fc.constantFrom(0.5, 1, 2, 5), (c, tau) => {
        ledger.draw();
        const T = tau / Math.max(...c.values);
        const flow = gradientFlow(c.problem, c.w0, {}, { T, rtol: FLOW_RTOL, atol: FLOW_ATOL });
        if (flow.status !== 'success') throw new Error(`the flow stopped: ${flow.message}; ${describeLinear(c)}`);
        // (1 - e^{-T lambda}) / lambda, written with expm1 so that it keeps its digits for small T lambda.
        const closed = assemble(c, (a, z0, cz) => {
          const lambda = c.values[a]!;
          const factor = lambda === 0 ? T : -Math.expm1(-T * lambda) / lambda;
          return z0 + factor * (cz - lambda * z0);
        });
        const gap = dist2(flow.wT, closed);
        const scale = norm2(c.w0) + norm2(closed);
        // The controller holds each step's error estimate, in the RMS norm, to atol + rtol |y| per component, so
        // a component's local error is at most sqrt(d) times that; A is PSD, so the flow does not amplify earlier
        // errors, and they add over the accepted steps (and over d components in the 2-norm). DOP853 advances
        // with its 8th-order solution and estimates the error of a lower-order one (Hairer, Norsett and Wanner
        // II.10), so on these analytic flows the real error sits orders of magnitude below this contract
        // (the figure): the bound is the integrator's contract, not a measurement.
        const d = c.model.paramCount;
        const wMax = Math.max(...Array.from(c.w0, Math.abs), ...Array.from(closed, Math.abs));
        const bound = flow.stats.acceptedSteps * d * (FLOW_ATOL + FLOW_RTOL * wMax) + STEP_OPS * u * scale;
        ratios.push(gap / bound);
        gaps.push(gap / scale);
        if (!(gap <= bound)) failure(`flow to T = ${T} (${tau} / lambda_max)`, gap, bound, scale, describeLinear(c));
      }),
      propertyParameters(30),
    );
    worst(ctx, 'flow', ratios, gaps, ledger.drawn);
    recordEvidence(ctx, 'engine.integrator', verifiedAgainst('closed form', `DOP853 at rtol ${FLOW_RTOL} against z(T) = z_0 + (1 - e^{-T lambda}) / lambda (c - lambda z_0) per eigen-coordinate of A, on ${ledger.drawn} generated linear models`));
  });
});
