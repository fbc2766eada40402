/**
 * rem.query-dependence — Remark 1: the weights a_i and the offset b of Theorem 1's kernel machine depend on
 * the query x, except in two special cases. An identity with a caveat, checked on the reference flow:
 * - the caveat, found by a search in the default run: over generated nonlinear models (MLPs with a hidden
 *   layer, one output), flows and pairs of queries, the pairs (x, x', i) with a_i(x) != a_i(x') by far more
 *   than the bound on the integrator's error in a_i are counted; b(x) = f_{w0}(x) changes with x (the offset
 *   is the initial forward pass, by construction);
 * - the first special case: a model linear in fixed features has a constant K^g, so K^g(x, x_i)(t) and
 *   K^g(x', x_i)(t) are proportional in t: a_i(x) = a_i(x') for every loss, and both equal the time average
 *   -(1/T) int L'_i dt, which a solve of its own (no kernel) integrates (for losses with smooth L');
 * - the second special case: when every L'_i is constant along the path, a_i(x) = -L'_i at every query. A
 *   Huber loss with a small delta and targets far from the outputs pins L'_i = delta sign(r_i) (its closed
 *   form beyond delta); the pinning is verified on w(t) recorded along the path, on generated MLPs (the
 *   targets' offset is derived from the kernel at w0 so that the residuals stay beyond delta) and on one
 *   pinned MLP kept as a regression example.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { matrix, rng, selectRows, UNIT_ROUNDOFF_F64, type Matrix } from '../../src/core/index.js';
import { kernelMachine, kernelMachineOffset, lossGradient, type FlowResult, type PathQuantities, type TrainingProblem } from '../../src/kernels/index.js';
import { huber } from '../../src/losses/index.js';
import { compileModel } from '../../src/models/index.js';
import { byConstruction, caveatFound, claimTest, recordEvidence, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';
import { caseLedger, type CaseLedger } from '../arbitraries/ledger.js';
import { featuresSpecArb, SMOOTH_ACTIVATIONS } from '../arbitraries/models.js';
import { describeFlowCase, flowCaseArb, type FlowCase } from '../arbitraries/problems.js';
import { linspace, OVER_BUDGET, runSmallFlow, smallFlowSpecArb } from '../arbitraries/smallFlows.js';
import { A_INTEGRATOR_FACTOR, averageLossDerivatives, farTargets, maxLossDerivatives, pinning, pinningOffset, roundingFactor, weightsWithBounds, zeroKernelPairs } from './queryWeights.js';

const FILE = 'properties/remarks/queryDependence.property.ts';

// Remark 1's caveat: a difference |a_i(x) - a_i(x')| above this multiple of the pair's bound on the
// integrator's error in a_i (2 IDENTITY_RTOL max|L'| S / |K^p| each, itself 100 times the integrator's rtol)
// is a query dependence, not a numerical effect.
const GAP_OVER_ERROR = 1e3;

// b(x) = f_{w0}(x) - 0 (no weight decay): the offset is the forward pass on the batch of queries, compared with
// the forward pass on the single row. Both evaluate the same inner products; a different summation order would
// change each layer's output by at most gamma(width) relative, so a few u of |f| (plus the smallest subnormal,
// for an exact zero).
const OFFSET_RTOL = 64 * UNIT_ROUNDOFF_F64;

// Times at which w(t) is recorded to bound max_t |L'_i(t)| and the kernel diagonals, and to verify that
// Huber's L'_i stays pinned.
const SAMPLES = 17;

// The pinned regression example's initialisation and targets (the paper's arXiv date, the default seed).
const PINNED_SEED = 20201201;

// Huber's threshold in the pinned cases: small, so that the pinned L'_i = delta sign(r_i) moves the weights
// little and the residuals stay beyond delta.
const DELTA = 0.05;

// Losses whose L' is smooth: two separate integrations of int L' dt agree to IDENTITY_RTOL of its size. Huber's
// L'' jumps where a residual crosses delta, and across such a kink the integrator's error is not held to rtol
// (measured: up to 250 rtol between two solves): Huber cases are compared across queries only (to rounding,
// the integrator's error cancelling there), and counted.
const SMOOTH_LOSSES: ReadonlySet<string> = new Set(['squared', 'binaryLogistic', 'softmaxCrossEntropy']);

/** The flow of a case with w(t) recorded at SAMPLES times (over the budget: skipped through the ledger). */
function flow(ledger: CaseLedger, problem: TrainingProblem, w0: Float64Array, queries: Matrix, T: number, where: string): FlowResult {
  return runSmallFlow(ledger, problem, w0, { queries }, { T, ts: linspace(T, SAMPLES), where, file: FILE });
}

function relativeIdentityError(q: PathQuantities, y: Matrix, r: number): { rel: number; abs: number } {
  const m = q.lossWeightedKernel.cols;
  let scale = Math.abs(q.f0.data[r]!) + Math.abs(q.fT.data[r]!);
  for (let i = 0; i < m; i++) scale += Math.abs(q.lossWeightedKernel.data[r * m + i]!);
  const abs = Math.abs(y.data[r]! - q.fT.data[r]!);
  return { rel: abs / Math.max(scale, Number.MIN_VALUE), abs };
}

/**
 * Check a_i(x) = -delta sign(r_i(0)) (Huber's L'_i beyond delta, in closed form) for every query and training
 * point of a pinned flow; pairs below the kernel floor are counted in `pairs`.
 */
function checkPinnedWeights(problem: TrainingProblem, res: FlowResult, pairs: CaseLedger, where: string): { worstRatio: number; worstAbs: number; kept: number } {
  const m = problem.xTrain.rows;
  const r0 = problem.model.forward(res.w0, problem.xTrain).data.map((v, i) => v - problem.yTrain.data[i]!);
  const weights = weightsWithBounds(problem, res, matrix(m, 1, new Array<number>(m).fill(DELTA)), roundingFactor(res.stats.acceptedSteps));
  const zero = zeroKernelPairs(problem, res);
  let worstRatio = 0;
  let worstAbs = 0;
  let kept = 0;
  weights.forEach((row, x) =>
    row.forEach((wgt, i) => {
      pairs.draw();
      if (wgt === null) {
        // grad f = 0 at x or x_i all along the path: K^p = K^lp = 0, no a_i to speak of (the zero-path-kernel
        // caveat, found here, not a check left out). A K^p that is merely small is a check left out.
        if (zero[x]![i]!) {
          const q = res.queries!;
          const kp = q.pathKernel.data[x * m + i]!;
          const klp = q.lossWeightedKernel.data[x * m + i]!;
          if (kp !== 0 || klp !== 0) throw new Error(`grad f vanishes at x_${x} or x_${i} at every recorded time, yet K^p = ${kp}, K^lp = ${klp} (expected exactly 0); ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          pairs.find('pairs with grad f = 0 at x or x_i along the whole path (K^p = K^lp = 0 exactly, a_i undefined: caveat.zero-path-kernel)');
        } else pairs.leaveOut('|K^p(x, x_i)| below the floor (a_i undefined to the needed accuracy)');
        return;
      }
      kept++;
      const expected = -DELTA * Math.sign(r0[i]!);
      const err = Math.abs(wgt.a - expected);
      worstAbs = Math.max(worstAbs, err);
      worstRatio = Math.max(worstRatio, err === 0 ? 0 : err / wgt.bound);
      if (!(err <= wgt.bound)) {
        throw new Error(
          `a_${i}(x_${x}) = ${wgt.a} but -delta sign(r_${i}) = ${expected} (constant along the path): absolute ${err.toExponential(3)}, relative ${(err / DELTA).toExponential(3)}, bound ${wgt.bound.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`,
        );
      }
    }),
  );
  return { worstRatio, worstAbs, kept };
}

// Generated nonlinear models: MLPs with at least one hidden layer (a model without one is linear in w), one
// output, no layer norm (the small flows' stiff corner, properties/arbitraries/smallFlows.ts).
const nonlinearSpecs = () => smallFlowSpecArb({ maxOutputDim: 1, minDepth: 1 });
// The far-Huber special case pins L'_i at +-delta, so its flow is dw/dt = -delta sum_i sign(r_i) grad f_i with
// no restoring force. Under a polynomial activation (square) grad f grows like a power of |w| > 1 and such a
// flow blows up in finite time, before T (a residual square-square MLP under NTK scaling reached t = 0.25 in
// 2000 steps, seed 373199027). The special case needs a path on [0, T], so it draws the bounded-slope activations.
const PINNED_ACTIVATIONS = SMOOTH_ACTIVATIONS.filter((a) => a !== 'square');
const pinnedSpecs = () => smallFlowSpecArb({ maxOutputDim: 1, minDepth: 1, activations: PINNED_ACTIVATIONS });

describe('Remark 1: a_i and b depend on the query', () => {
  claimTest(['rem.query-dependence'], "for nonlinear models a_i(x) differs between two queries by far more than the integrator's error (a search over flows and query pairs), and b(x) = f_{w0}(x)", (ctx) => {
    let best = { gap: 0, bound: Infinity, where: '' };
    let worstSwap = 0;
    let widestOffsetGap = 0;
    let worstOffset = 0;
    let searched = 0;
    let hits = 0;
    let floored = 0;
    let casesWithHit = 0;
    let flows = 0;
    const ledger = caseLedger(ctx, 'generated nonlinear flows', FILE);
    fc.assert(
      fc.property(flowCaseArb({ maxOutputDim: 1, horizons: [0.5, 1], minQueries: 2 }, nonlinearSpecs()), (c) => {
        ledger.draw();
        const where = describeFlowCase(c);
        const res = flow(ledger, c.problem, c.w0, c.queries, c.T, where);
        const q = res.queries!;
        const weights = weightsWithBounds(c.problem, res, maxLossDerivatives(c.problem, res.ws), A_INTEGRATOR_FACTOR);
        const n = q.x.rows;
        const m = c.problem.xTrain.rows;
        let caseHits = 0;
        for (let x = 0; x < n; x++) {
          for (let xx = x + 1; xx < n; xx++) {
            for (let i = 0; i < m; i++) {
              const u = weights[x]![i];
              const v = weights[xx]![i];
              if (!u || !v) {
                floored++;
                continue;
              }
              searched++;
              const gap = Math.abs(u.a - v.a);
              if (gap > GAP_OVER_ERROR * (u.bound + v.bound)) caseHits++;
              if (gap > best.gap) best = { gap, bound: u.bound + v.bound, where: `a_${i}(x_${x}) = ${u.a}, a_${i}(x_${xx}) = ${v.a}; ${where}` };
            }
          }
        }
        hits += caseHits;
        if (caseHits > 0) casesWithHit++;
        flows++;
        // The kernel machine at x with the weights of another query x' (the kernel row K^p(x, .) kept).
        const { a, b } = kernelMachine(q);
        const swapped = matrix(n, 1);
        for (let x = 0; x < n; x++) {
          const other = (x + 1) % n;
          let y = b.data[x]!;
          for (let i = 0; i < m; i++) y += q.pathKernel.data[x * m + i]! * a.data[other * m + i]!;
          swapped.data[x] = y;
          if (Number.isFinite(y)) worstSwap = Math.max(worstSwap, relativeIdentityError(q, swapped, x).rel);
        }
        // b(x) = f_{w0}(x), evaluated independently one query at a time.
        const offset = kernelMachineOffset(q);
        for (let x = 0; x < n; x++) {
          const single = c.model.forward(c.w0, selectRows(q.x, [x])).data[0]!;
          const err = Math.abs(offset.data[x]! - single);
          worstOffset = Math.max(worstOffset, err / Math.max(Math.abs(single), 1e-300));
          if (err > OFFSET_RTOL * Math.abs(single) + Number.MIN_VALUE) {
            throw new Error(`b(x_${x}) = ${offset.data[x]} but f_{w0}(x_${x}) = ${single}: absolute ${err.toExponential(3)}, relative ${(err / Math.abs(single)).toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
          for (let xx = x + 1; xx < n; xx++) widestOffsetGap = Math.max(widestOffsetGap, Math.abs(offset.data[x]! - offset.data[xx]!));
        }
      }),
      propertyParameters(10),
    );
    // Pairs with |K^p| below the floor have no a_i to compare (caveat.zero-path-kernel): outside the search.
    ledger.find('query pairs outside the search (|K^p| below the floor)', floored);
    ledger.find('flows with at least one query-dependent a_i', casesWithHit);
    recordFigure(ctx, 'pairs (x, x\', i) searched', searched);
    recordFigure(ctx, 'pairs with a_i(x) != a_i(x\')', hits);
    recordFigure(ctx, 'flows with at least one such pair', `${casesWithHit} of ${flows}`);
    recordFigure(ctx, "largest |a_i(x) - a_i(x')|", best.gap);
    recordFigure(ctx, "largest |a_i(x) - a_i(x')| over its error bound", best.gap / best.bound);
    recordFigure(ctx, "worst relative error of the kernel machine at x with the weights of x'", worstSwap);
    recordFigure(ctx, "largest |b(x) - b(x')|", widestOffsetGap);
    recordFigure(ctx, 'worst relative error of b(x) against f_{w0}(x)', worstOffset);
    if (hits === 0) {
      throw new Error(`no query dependence found in ${searched} pairs: largest |a_i(x) - a_i(x')| = ${best.gap.toExponential(3)} (needs > ${GAP_OVER_ERROR} x its error bound ${best.bound.toExponential(3)}); ${best.where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
    }
    recordEvidence(ctx, 'rem.query-dependence', caveatFound(searched, hits, `pairs (x, x', i) of generated nonlinear flows with |a_i(x) - a_i(x')| > ${GAP_OVER_ERROR} x the bound on the integrator's error in a_i`));
    recordEvidence(ctx, 'rem.query-dependence', byConstruction('b(x) = f_{w0}(x): the offset is the initial forward pass at the query (compared with the forward pass on that row alone), so it changes with x'));
  });

  claimTest(['rem.query-dependence', 'sec.linear-models'], "for a model linear in fixed features K^g is constant, so a_i(x) = a_i(x') = -(1/T) int L'_i dt under any loss", (ctx) => {
    let worstRatio = 0;
    let worstGap = 0;
    let worstAverageRatio = 0;
    const losses = new Set<string>();
    const ledger = caseLedger(ctx, 'generated linear flows', FILE);
    const pairs = caseLedger(ctx, 'pairs (x, x_i) of the linear flows', FILE);
    fc.assert(
      fc.property(flowCaseArb({ minQueries: 2 }, featuresSpecArb()), (c: FlowCase) => {
        ledger.draw();
        const where = describeFlowCase(c);
        const res = flow(ledger, c.problem, c.w0, c.queries, c.T, where);
        const Lmax = maxLossDerivatives(c.problem, res.ws);
        const weights = weightsWithBounds(c.problem, res, Lmax, roundingFactor(res.stats.acceptedSteps));
        const smooth = SMOOTH_LOSSES.has(c.lossName);
        const average = smooth ? averageLossDerivatives(c.problem, c.w0, c.T) : null;
        if (smooth && average === null) ledger.skip(OVER_BUDGET);
        if (!smooth) ledger.find('Huber cases: a_i compared across queries only (kinks)');
        const O = c.model.outputDim;
        const m = c.problem.xTrain.rows;
        losses.add(c.lossName);
        for (let r = 0; r < weights.length; r++) {
          const k = r % O;
          for (let i = 0; i < m; i++) {
            pairs.draw();
            const u = weights[r]![i];
            if (!u) {
              pairs.leaveOut('|K^p(x, x_i)| below the floor (a_i undefined to the needed accuracy)');
              continue;
            }
            if (average !== null) {
              // Against the separately integrated average: both integrals carry IDENTITY_RTOL of their size.
              const expected = -average.data[i * O + k]!;
              const avgErr = Math.abs(u.a - expected);
              const avgBound = A_INTEGRATOR_FACTOR * Lmax.data[i * O + k]! + IDENTITY_RTOL * Lmax.data[i * O + k]! + UNIT_ROUNDOFF_F64 * Math.abs(expected);
              worstAverageRatio = Math.max(worstAverageRatio, avgErr === 0 ? 0 : avgErr / avgBound);
              if (!(avgErr <= avgBound)) {
                throw new Error(`a_${i} at query row ${r} = ${u.a} but -(1/T) int L'_${i} dt = ${expected} (a separate solve): absolute ${avgErr.toExponential(3)}, relative ${(avgErr / Math.max(Math.abs(expected), Number.MIN_VALUE)).toExponential(3)}, bound ${avgBound.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
              }
            }
            // The same output k at another query x': equal to rounding (the integrator's error cancels).
            for (let rr = r + O; rr < weights.length; rr += O) {
              const v = weights[rr]![i];
              if (!v) continue;
              const gap = Math.abs(u.a - v.a);
              const bound = u.bound + v.bound;
              worstGap = Math.max(worstGap, gap);
              worstRatio = Math.max(worstRatio, gap === 0 ? 0 : gap / bound);
              if (!(gap <= bound)) {
                throw new Error(`a_${i} at query rows ${r} and ${rr}: ${u.a} vs ${v.a}: absolute ${gap.toExponential(3)}, relative ${(gap / Math.max(Math.abs(u.a), Math.abs(v.a))).toExponential(3)}, bound ${bound.toExponential(3)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
              }
            }
          }
        }
      }),
      propertyParameters(12),
    );
    recordFigure(ctx, "largest |a_i(x) - a_i(x')|", worstGap);
    recordFigure(ctx, 'largest gap over its rounding bound', worstRatio);
    recordFigure(ctx, "largest |a_i(x) + (1/T) int L'_i dt| over its bound", worstAverageRatio);
    recordFigure(ctx, 'losses', [...losses].sort().join(', '));
  }, {
    evidence: {
      'rem.query-dependence': verifiedAgainst('second implementation', "a_i(x) = -K^lp(x, x_i) / K^p(x, x_i) from the flow's kernel integrals against -(1/T) int L'_i dt from a solve of its own (w and int L' dt only, no kernel), at every query, for the losses with smooth L'; and a_i(x) = a_i(x') to rounding for every loss, Huber's included"),
      'sec.linear-models': verifiedAgainst('second implementation', "the constant tangent kernel makes Theorem 1's weights the plain time average of -L'_i, as a kernel-free solve gives it"),
    },
  });

  claimTest(['rem.query-dependence'], "when every L'_i is constant along the path (Huber, residuals pinned beyond delta), a_i(x) = -delta sign(r_i) at every query: generated MLPs", (ctx) => {
    let worstRatio = 0;
    let kept = 0;
    let smallestMargin = Infinity;
    const ledger = caseLedger(ctx, 'generated MLPs with far Huber targets', FILE);
    const pairs = caseLedger(ctx, 'pairs (x, x_i) of the pinned flows', FILE);
    fc.assert(
      fc.property(flowCaseArb({ maxOutputDim: 1, losses: ['huber'], horizons: [0.5, 1] }, pinnedSpecs()), fc.nat(), (c, targetSeed) => {
        ledger.draw();
        const offset = pinningOffset(c.model, c.w0, c.problem.xTrain, DELTA, c.T);
        const problem: TrainingProblem = { ...c.problem, loss: huber(DELTA), yTrain: farTargets(c.model, c.w0, c.problem.xTrain, offset, targetSeed) };
        const where = `${describeFlowCase(c)}, Huber delta ${DELTA}, targets ${offset.toPrecision(3)} away (seed ${targetSeed})`;
        const res = flow(ledger, problem, c.w0, c.queries, c.T, where);
        const pin = pinning(problem, res.ws, DELTA);
        // The offset is derived to keep the residuals beyond delta; a case where it did not is outside the
        // special case, counted.
        if (!pin.pinned) ledger.skip('a residual reached delta (L\' not constant)');
        smallestMargin = Math.min(smallestMargin, pin.margin / offset);
        const r = checkPinnedWeights(problem, res, pairs, where);
        worstRatio = Math.max(worstRatio, r.worstRatio);
        kept += r.kept;
      }),
      propertyParameters(12),
    );
    recordFigure(ctx, 'largest error over its rounding bound', worstRatio);
    recordFigure(ctx, 'pairs (x, x_i) checked', kept);
    recordFigure(ctx, 'smallest margin (min |r_i(t)| - delta) relative to the offset', smallestMargin);
  }, {
    evidence: { 'rem.query-dependence': verifiedAgainst('closed form', "a_i(x) = -K^lp / K^p from the flow against Huber's derivative beyond delta, delta sign(r_i), at every query of generated MLPs whose residuals stay beyond delta along the recorded path") },
  });

  claimTest(['rem.query-dependence'], "when every L'_i is constant along the path, a_i(x) = -delta sign(r_i) at every query: a pinned MLP (regression example)", (ctx) => {
    // A tanh MLP 2-6-1 (its K^g changes along the path), four training points whose targets sit 3 away from
    // the initial outputs, delta = 0.05: the outputs move by well under 3 - delta over T = 2, so every L'_i
    // stays delta sign(r_i).
    // A regression example is one fixed flow: its initialisation and targets come from PINNED_SEED, not from
    // the run's seed (the generated test above varies with that). On seed 2121157751 the run's seed drew an
    // initialisation with one (query, training point) pair of near-zero K^p, one skip in twelve pairs.
    const T = 2;
    const model = compileModel({ kind: 'mlp', inputDim: 2, outputDim: 1, layers: [{ width: 6, activation: 'tanh' }] });
    const w0 = model.init(rng(PINNED_SEED).stream('init'));
    const xTrain = matrix(4, 2, [-1, 0.5, 0.3, -0.8, 1.2, 1.1, -0.4, -1.3]);
    const queries = matrix(3, 2, [0.1, 0.2, -1.4, 0.9, 0.8, -0.6]);
    const problem: TrainingProblem = { model, loss: huber(DELTA), xTrain, yTrain: farTargets(model, w0, xTrain, 3, PINNED_SEED) };
    const where = `pinned MLP 2-6-1 tanh, Huber delta ${DELTA}, T ${T}`;
    const ledger = caseLedger(ctx, 'the pinned flow', FILE);
    const pairs = caseLedger(ctx, 'pairs (x, x_i) of the pinned flow', FILE);
    ledger.draw();
    const res = runSmallFlow(ledger, problem, w0, { queries }, { T, ts: linspace(T, SAMPLES), where, file: FILE });
    const pin = pinning(problem, res.ws, DELTA);
    recordFigure(ctx, 'smallest |r_i(t)| - delta over the recorded times', pin.margin);
    recordFigure(ctx, 'largest change of a residual between recorded times', pin.largestStep);
    if (!pin.pinned) throw new Error(`the residuals are not pinned beyond delta: margin ${pin.margin}, largest step ${pin.largestStep}; ${where}; seed ${SEED}`);
    const r = checkPinnedWeights(problem, res, pairs, where);
    recordFigure(ctx, "largest |a_i(x) + L'_i|", r.worstAbs);
    recordFigure(ctx, 'largest error over its rounding bound', r.worstRatio);
    // L' at w0 from the engine, for the record: the closed form delta sign(r_i) is what the check used.
    recordFigure(ctx, "L'_i at w0 (engine)", Array.from(lossGradient(problem, w0).lossDerivatives.data).join(', '));
  }, {
    evidence: { 'rem.query-dependence': verifiedAgainst('closed form', "one pinned tanh MLP (a regression example beside the generated search): a_i(x) against delta sign(r_i) at three queries") },
  });
});
