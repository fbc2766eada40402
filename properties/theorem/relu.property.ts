/**
 * caveat.nondifferentiable, disc.exact-path-kernel — Theorem 1 and the exact discrete representation on ReLU
 * networks, outside the theorem's hypothesis (f differentiable in w). A ReLU network is Lipschitz and
 * piecewise polynomial in w, so along an absolutely continuous path y(t) = f(x; w(t)) the chain rule holds at
 * almost every t: the identities hold almost everywhere, with the kinks (a unit's pre-activation crossing 0)
 * as the exceptions.
 *
 * On the gradient flow the right-hand side -grad L(w) jumps where a training point's pre-activation crosses
 * 0, and the integrands of K^p and K^lp jump where a query's does. An embedded Runge-Kutta error estimate is
 * asymptotically valid only where the vector field is smooth: across a jump both the error and its estimate
 * are O(h |jump|) with a ratio that depends on where in the step the jump falls (at some positions the
 * estimate vanishes and the error does not), so the integrator guarantees nothing at a crossing. Hence two
 * measurements per flow:
 * - one integration across the kinks: its error of y_T = y_0 - sum_i K^lp(x, x_i) is measured, not bounded
 *   (reported against IDENTITY_RTOL, the smooth-flow bound);
 * - the kinks located (the first sign change of any ReLU pre-activation at the training points and queries
 *   along a scan of w(t), refined by bisection), and the flow integrated piece by piece, restarting at each
 *   kink. Inside a piece the vector field is smooth and IDENTITY_RTOL holds relative to the piece's terms;
 *   the step that ends a piece at a kink may still sample the other side in its stages, and is accepted on
 *   an estimate that, for a jump at a generic place, is of the same order as its error (both O(h |jump|)).
 *   The whole path is held to IDENTITY_RTOL (1 + crossings) of the pieces' summed terms: the smooth bound
 *   per piece, and one more for each crossing. That allowance is reasoned, not guaranteed (at some places in
 *   a step the estimate vanishes while the error does not); the measured ratio is reported. A flow over it
 *   is integrated again at rtol / 100 and held to the same allowance (counted as widened): an integration
 *   error falls with the tolerance, what a wrong formula leaves does not. y_T comes from a forward pass at
 *   the last piece's end, the sum of K^lp from the pieces' ODE states.
 * Where the flow reaches a kink surface that pushes it back from both sides (a sliding mode: no classical
 * solution, the integrator chatters within its step budget), the identity is checked up to that time and
 * the flow is counted.
 *
 * On discrete paths the segment integrand tau -> grad f(x; w_s + tau Delta w_s) . Delta w_s is piecewise
 * polynomial in tau; with the kinks located on each segment (kinkGrid) Gauss-Legendre integrates each piece
 * exactly, and the representation is checked against a forward pass for every optimiser.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { matrix, UNIT_ROUNDOFF_F64, type Matrix } from '../../src/core/index.js';
import { discretePath, gradientFlow } from '../../src/kernels/index.js';
import type { ModelSpecInput } from '../../src/models/index.js';
import { objective, train, type TrainResult } from '../../src/train/index.js';
import { caveatFound, claimTest, recordEvidence, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_RTOL, IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';
import { caseLedger } from '../arbitraries/ledger.js';
import { mlpSpecArb } from '../arbitraries/models.js';
import { describeFlowCase, flowCaseArb, type FlowCase } from '../arbitraries/problems.js';
import { batchArb, EPS_CHOICES, optimizerArb } from '../arbitraries/training.js';
import { piecewise, residuals, worstRelative } from './piecewiseFlow.js';

const FILE = 'properties/theorem/relu.property.ts';

// The step budget of the one integration across the kinks (a flow across a few kinks takes a few hundred
// steps, half of them rejected at the crossings); the piecewise integration's are in piecewiseFlow.ts.
const ONE_SHOT_MAX_STEPS = 400;
// Generated flows per run (x5 in deep mode): 20, so that one flow confirmed on the tighter solve (counted as
// widened) stays within the 5% cap on cases checked with a widened tolerance.
const FLOWS = 20;
// The second look's tighter solve: rtol 100 times smaller (DOP853's global error scales like rtol).
const TIGHTER = 100;
// The exact discrete representation with kinks located: between kinks a ReLU network is a polynomial of
// degree at most 2 L + 1 <= 5 in tau (L <= 2 hidden layers), integrated exactly by 8 Gauss nodes, so only
// rounding remains. Each node's JVP carries a few u of the step's increment and its weighted sum one more,
// relative to the terms that cancel (|f0| + |fS| + sum_s |Delta f_s|): the worst case grows linearly in the
// nodes evaluated, ROUNDING_PER_NODE each (the observed error grows like their square root, so it sits far
// below this bound on long runs).
const ROUNDING_PER_NODE = 4 * UNIT_ROUNDOFF_F64;
// The forward passes at w_0 and w_S: a few u each of |f|.
const FORWARD_ROUNDING = 16 * UNIT_ROUNDOFF_F64;
const KINK_GRID = 64;
// A fixed-node miss above this (relative) is a kink seen by the quadrature, far above rounding.
const VISIBLE_MISS = 1e-10;
// Half the generator's input grid step (1e-3).
const INPUT_OFFSET = 5e-4;
const STEPS = 10;
// As in the exact-representation property: a run whose loss grows a thousandfold is escaping (diverged).
const DIVERGED_LOSS_GROWTH = 1e3;

/**
 * ReLU MLPs with one or two hidden layers, with biases: without them a network whose units are all inactive
 * at every point is the constant 0 and nothing moves (the identity is 0 = 0). Huber's loss is left out: its
 * own kink in L' would mix a second kind of non-smoothness into the count of crossings.
 */
function reluCases(options: { maxTrain?: number; horizons?: readonly number[] } = {}): fc.Arbitrary<FlowCase> {
  const specs = mlpSpecArb({ activations: ['relu'], minDepth: 1, maxDepth: 2, maxWidth: 5, layerNorm: false }).map((s) => ({ ...s, bias: true }) as ModelSpecInput);
  return flowCaseArb({ losses: ['squared', 'binaryLogistic', 'softmaxCrossEntropy'], ...options }, specs).map(offGrid);
}

/**
 * Inputs moved by half a grid step (the generator draws k / 1000): an input exactly 0 with zero-initialised
 * biases puts a pre-activation exactly on its kink at t = 0, an event of measure zero that fast-check's bias
 * towards small integers makes frequent.
 */
function offGrid(c: FlowCase): FlowCase {
  const shift = (X: Matrix) => matrix(X.rows, X.cols, X.data.map((v) => v + INPUT_OFFSET));
  const moved: FlowCase = { ...c, problem: { ...c.problem, xTrain: shift(c.problem.xTrain) }, queries: shift(c.queries) };
  Object.defineProperty(moved, fc.toStringMethod, { value: () => `FlowCase(${describeFlowCase(moved)}, xTrain ${JSON.stringify(Array.from(moved.problem.xTrain.data))}, queries ${JSON.stringify(Array.from(moved.queries.data))})`, enumerable: false });
  return moved;
}

describe('Theorem 1 and the exact discrete representation on ReLU networks', () => {
  claimTest(['caveat.nondifferentiable'], 'on ReLU gradient flows y_T = y_0 - sum_i K^lp(x, x_i) holds almost everywhere: to the smooth-flow tolerance per piece between located kink crossings, and measured across them', (ctx) => {
    const ledger = caseLedger(ctx, 'ReLU flows', FILE);
    let worstOneShot = 0;
    let worstPiecewise = 0;
    let worstRatio = 0;
    let crossings = 0;
    let mostCrossings = 0;
    let withCrossings = 0;
    let sliding = 0;
    let oneShotOverBound = 0;
    let worstTighter = 0;
    fc.assert(
      fc.property(reluCases({ horizons: [0.5, 1], maxTrain: 4 }), (c) => {
        ledger.draw();
        // The kinks located, and the flow integrated piece by piece between them, up to T or a sliding mode.
        const pw = piecewise(c);
        crossings += pw.crossings;
        mostCrossings = Math.max(mostCrossings, pw.crossings);
        if (pw.crossings > 0) withCrossings++;
        if (pw.ending === 'sliding') {
          sliding++;
          ledger.find('sliding mode: the flow reaches a kink surface it does not leave (checked up to there)');
        } else if (pw.ending !== 'T') ledger.find(`stopped short of T: ${pw.ending} (checked up to there)`);
        if (pw.reached === 0) return ledger.skip(`nothing integrated before the flow stopped (${pw.ending} at t = 0)`);
        const e = worstRelative(pw.r, pw.scale);
        const allowed = IDENTITY_RTOL * (1 + pw.crossings + (pw.ending === 'T' ? 0 : 1));
        worstPiecewise = Math.max(worstPiecewise, e);
        worstRatio = Math.max(worstRatio, e / allowed);
        // Across the kinks in one integration, on the same interval: measured (see the module's comment).
        const one = gradientFlow(c.problem, c.w0, { queries: c.queries, trainTrain: true }, { T: pw.reached, rtol: FLOW_RTOL, atol: FLOW_ATOL, maxSteps: ONE_SHOT_MAX_STEPS });
        if (one.status === 'success') {
          const eOne = Math.max(...[one.queries!, one.train!].map((q) => residuals(q)).map((p) => worstRelative(p.r, p.scale)));
          worstOneShot = Math.max(worstOneShot, eOne);
          if (eOne > IDENTITY_RTOL) oneShotOverBound++;
        } else ledger.find('one integration across the kinks over its step budget (no measurement)');
        if (!(e <= allowed)) {
          // A second look on scans and pieces solved at FLOW_RTOL / TIGHTER, held to the same allowance: an
          // integration error (the allowance is reasoned, not a bound) falls with the tolerance; what a wrong
          // formula leaves does not. Counted as widened.
          const again = piecewise(c, { rtol: FLOW_RTOL / TIGHTER, atol: FLOW_ATOL / TIGHTER });
          const eAgain = again.r.length ? worstRelative(again.r, again.scale) : NaN;
          const allowedAgain = IDENTITY_RTOL * (1 + again.crossings + (again.ending === 'T' ? 0 : 1));
          const first = `piecewise between ${pw.crossings} located kinks up to t = ${pw.reached}: y_T vs y_0 - sum K^lp relative ${e.toExponential(3)} (to the pieces' summed scales) > ${allowed.toExponential(3)} (IDENTITY_RTOL (1 + crossings)) at rtol ${FLOW_RTOL.toExponential(0)}`;
          if (!(eAgain <= allowedAgain)) {
            throw new Error(`${first}; at rtol ${(FLOW_RTOL / TIGHTER).toExponential(0)}: ${eAgain.toExponential(3)} against ${allowedAgain.toExponential(3)} (${again.crossings} kinks, up to t = ${again.reached}); ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
          ledger.widen(`piecewise identity met only on a flow at rtol / ${TIGHTER} (integration error at the kinks)`);
          worstTighter = Math.max(worstTighter, eAgain / allowedAgain);
        }
      }),
      propertyParameters(FLOWS),
    );
    recordEvidence(ctx, 'caveat.nondifferentiable', verifiedAgainst('second implementation', `on ${ledger.drawn} generated ReLU flows (${crossings} kink crossings located, at most ${mostCrossings} in one flow; ${sliding} flows reach a sliding mode and are checked up to it): y_T by a forward pass at the end of the last piece against y_0 - sum_i K^lp carried as ODE state, integrated piece by piece between the crossings, worst ${worstPiecewise.toExponential(2)} relative to the pieces' summed terms, at most ${worstRatio.toExponential(2)} of the allowance IDENTITY_RTOL (1 + crossings); across the kinks in one integration the error is measured, not bounded: worst ${worstOneShot.toExponential(2)}`));
    // The search's finding: where the classical gradient flow ends. On a kink surface that pushes the flow
    // back from both sides there is no classical solution (only a Filippov one, sliding along the surface),
    // so 'almost everywhere' along the path holds only up to there.
    if (sliding > 0) recordEvidence(ctx, 'caveat.nondifferentiable', caveatFound(ledger.drawn, sliding, `generated ReLU gradient flows that reach a sliding mode (a pre-activation held at its kink: the scan of w(t) runs out of its step budget chattering there): ${sliding} of ${ledger.drawn}; the identity is checked up to the onset`));
    recordFigure(ctx, 'worst relative error of y_T = y_0 - sum K^lp, kinks located (piecewise)', worstPiecewise);
    recordFigure(ctx, 'worst relative error of y_T = y_0 - sum K^lp, one integration across the kinks (measured, not bounded)', worstOneShot);
    recordFigure(ctx, 'one integration across the kinks: flows over the smooth-flow bound IDENTITY_RTOL', `${oneShotOverBound} of ${ledger.drawn}`);
    recordFigure(ctx, 'piecewise error / its allowance IDENTITY_RTOL (1 + crossings) (largest)', worstRatio);
    if (worstTighter > 0) recordFigure(ctx, `flows over the allowance at rtol, met at rtol / ${TIGHTER}: error / allowance there (largest)`, worstTighter);
    recordFigure(ctx, 'kink crossings located (all flows)', crossings);
    recordFigure(ctx, 'flows crossing at least one kink', `${withCrossings} of ${ledger.drawn}`);
    recordFigure(ctx, 'flows reaching a sliding mode (checked up to it)', `${sliding} of ${ledger.drawn}`);
  });

  claimTest(['caveat.nondifferentiable', 'disc.exact-path-kernel'], 'on ReLU networks the exact discrete representation with kinks located on each segment reproduces f(x; w_S) for every optimiser, eps and batch schedule', (ctx) => {
    const ledger = caseLedger(ctx, 'ReLU training runs', FILE);
    let worstLocated = 0;
    let worstRatio = 0;
    let worstSplit = 0;
    let worstFixed = 0;
    let kinkRuns = 0;
    let checked = 0;
    const kinds = new Set<string>();
    fc.assert(
      fc.property(
        reluCases().chain((c) => fc.record({ c: fc.constant(c), opt: optimizerArb(), eps: fc.constantFrom(...EPS_CHOICES), batches: batchArb(c.problem.xTrain.rows) })),
        ({ c, opt, eps, batches }) => {
          ledger.draw();
          const located = discretePath(c.problem, c.queries, c.w0, { kinkGrid: KINK_GRID });
          const fixed = discretePath(c.problem, c.queries, c.w0, { nodes: 8, perExample: false, errorEstimate: false });
          let absIncrements = 0;
          let res: TrainResult | null = null;
          try {
            res = train(c.problem, c.w0, {
              optimizer: opt,
              eps,
              steps: STEPS,
              batches,
              onStep: (step) => {
                located.onStep(step);
                fixed.onStep(step);
                const before = c.model.forward(step.w, c.queries).data;
                const after = c.model.forward(step.w.map((v, j) => v + step.update[j]!), c.queries).data;
                absIncrements += before.reduce((s, v, i) => s + Math.abs(after[i]! - v), 0);
              },
            });
          } catch (e) {
            if (!(e instanceof RangeError && /diverged/.test(e.message))) throw e;
          }
          const key = `${opt.kind}${batches.kind === 'seeded' ? ' + sgd' : ''} eps ${eps}`;
          if (!res || !(objective(c.problem, res.wS) <= DIVERGED_LOSS_GROWTH * Math.max(objective(c.problem, c.w0), Number.MIN_VALUE))) {
            ledger.find(`diverged: ${key}`);
            return;
          }
          const rep = located.result(res.wS);
          const f = fixed.result(res.wS);
          const m = c.problem.xTrain.rows;
          let fixedMiss = 0;
          for (let r = 0; r < rep.fS.data.length; r++) {
            const scale = Math.abs(rep.f0.data[r]!) + Math.abs(rep.fS.data[r]!) + absIncrements;
            const err = Math.abs(rep.exact.data[r]! - rep.fS.data[r]!);
            let split = rep.f0.data[r]! + rep.regulariserContribution!.data[r]!;
            for (let i = 0; i < m; i++) split += rep.contributions!.data[r * m + i]!;
            const splitErr = Math.abs(split - rep.fS.data[r]!);
            const shares = rep.splitMagnitude!.data[r]!;
            worstLocated = Math.max(worstLocated, err / scale);
            worstSplit = Math.max(worstSplit, splitErr / (scale + shares));
            fixedMiss = Math.max(fixedMiss, Math.abs(f.exact.data[r]! - rep.fS.data[r]!) / scale);
            const allowed = ROUNDING_PER_NODE * rep.evaluations + FORWARD_ROUNDING;
            worstRatio = Math.max(worstRatio, err / scale / allowed, splitErr / (scale + shares) / allowed);
            if (!(err <= allowed * scale) || !(splitErr <= allowed * (scale + shares))) {
              throw new Error(`${key}: with kinks located, exact ${rep.exact.data[r]} and per-example sum ${split} vs f(x; w_S) ${rep.fS.data[r]} by a forward pass: absolute ${err.toExponential(3)} and ${splitErr.toExponential(3)}, relative ${(err / scale).toExponential(3)} and ${(splitErr / (scale + shares)).toExponential(3)} > ${allowed.toExponential(3)} (${rep.evaluations} nodes); 8 fixed nodes miss by ${fixedMiss.toExponential(3)}; optimiser ${JSON.stringify(opt)}, batches ${JSON.stringify(batches)}; ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
            }
          }
          worstFixed = Math.max(worstFixed, fixedMiss);
          if (fixedMiss > VISIBLE_MISS) kinkRuns++;
          kinds.add(opt.kind);
          checked++;
        },
      ),
      propertyParameters(20),
    );
    const detail = `on ${checked} generated ReLU training runs (${[...kinds].sort().join(', ')}; ${STEPS} steps, eps in ${EPS_CHOICES.join(', ')}, full and mini-batches): f(x; w_S) by a forward pass against f(x; w_0) plus Gauss-Legendre on each piece between the kinks located on each segment (and the per-example split), worst relative ${worstLocated.toExponential(2)} (${worstRatio.toExponential(1)} of the rounding bound)`;
    recordEvidence(ctx, 'caveat.nondifferentiable', verifiedAgainst('second implementation', detail));
    recordEvidence(ctx, 'disc.exact-path-kernel', verifiedAgainst('second implementation', `ReLU networks, kinks located: ${detail}`));
    recordFigure(ctx, 'worst relative error with kinks located', worstLocated);
    recordFigure(ctx, 'worst relative error of the per-example split with kinks located', worstSplit);
    recordFigure(ctx, 'worst relative error with 8 fixed Gauss nodes on the same steps (a finding about quadrature)', worstFixed);
    recordFigure(ctx, `runs where 8 fixed nodes miss by more than ${VISIBLE_MISS}`, `${kinkRuns} of ${checked}`);
    recordFigure(ctx, 'worst error with kinks located / its rounding bound', worstRatio);
  });
});

