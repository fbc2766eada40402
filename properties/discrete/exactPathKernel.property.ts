/**
 * disc.exact-path-kernel, disc.sgd-exact, disc.momentum-exact, disc.adam-exact, rem.sgd-indicators — exact
 * discrete path kernels. Along each step's straight segment the fundamental theorem of calculus gives an exact
 * representation of f(x; w_S) with no eps -> 0 limit; written through per-example gradients it is a sum of
 * one contribution per training example, for GD, SGD (Remark 5's indicators), heavy-ball and Nesterov
 * momentum, Adam and AdamW. Checked on generated smooth models at any eps, batch schedule and optimiser
 * setting; only quadrature and rounding remain.
 *
 * What stands on the other side of each comparison:
 * - the representation f(x; w_0) + sum_s int_0^1 grad f(x; w_s + tau Delta w_s) . Delta w_s dtau (Gauss-Legendre
 *   on JVPs) against f(x; w_S) by a forward pass: two computations of the same number (values against
 *   integrated directional derivatives), a wrong node, weight or JVP fails it;
 * - the per-example split against a second implementation (properties/discrete/twoTimeKernel.ts): the
 *   claims' formulas with closed-form coefficients c_{s,r}, Adam's P_s recomputed, per-example gradients from
 *   the Jacobian with the batch indicators, its own Gauss nodes. That the shares also sum to the change is
 *   not by construction for GD and SGD (structured cross kernels against JVPs of the optimiser's update), but
 *   for momentum and Adam it rebuilds the update from the optimiser's own rule, so it is reported, and the
 *   reference is what verifies those splits;
 * - Domingos' left-point form per example (leftPointContributions) against the same reference at the left
 *   ends, i.e. -eps sum_s L'_{i,s} K^g(x, x_i; w_s) by Jacobian contraction for GD.
 * The optimisers' update rules themselves are checked against PyTorch elsewhere (properties/frameworks).
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { UNIT_ROUNDOFF_F64 } from '../../src/core/index.js';
import { discretePath } from '../../src/kernels/index.js';
import { objective, train, type BatchSpec, type OptimizerSpec, type TrainResult } from '../../src/train/index.js';
import { claimTest, recordEvidence, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, REPLAY_PATH, replayCommand, SEED } from '../arbitraries/config.js';
import { caseLedger, MAX_SKIPPED_SHARE } from '../arbitraries/ledger.js';
import { describeFlowCase, flowCaseArb, type FlowCase } from '../arbitraries/problems.js';
import { batchArb, EPS_CHOICES, optimizerArb } from '../arbitraries/training.js';
import { referenceSplit } from './twoTimeKernel.js';

const FILE = 'properties/discrete/exactPathKernel.property.ts';

// Adaptive Gauss-Legendre (8 nodes, halving until two estimates agree to QUAD_RTOL times the outputs' size
// at w_0, or 1): 1e-14 sits above the rounding of a segment integral (a few u of its size, about 1e-15) so
// that subdivision stops where rounding, not the integrand, limits agreement. The quadrature's error is held
// to its own estimate (the sum over leaves of |two halves - whole|, which bounds the coarser rule's error and
// so, conservatively, the finer one's), and rounding on top: ROUNDING_PER_STEP u per step of the terms that
// cancel (|f0| + |fS| + sum_s |Delta f_s|). Node sums, JVPs and forward passes of these small networks (inner
// products of at most ~100 terms whose absolute sums the scale bounds) round at a few tens of u each; Adam's
// normalised update P_j g_j ~ sign(g_j) carries the relative rounding of a gradient entry that is small
// through cancellation into an O(eps) step, which takes the per-step budget to a few hundred u. A wrong node
// weight (a 1% change of one weight) misses by about 1e-3 of an increment.
// The per-example split rounds at u times the size of the shares it adds, which can exceed the change of f by
// far where shares cancel (Adam on a coordinate whose total gradient vanishes), so it is held to that
// scale, rep.splitMagnitude. Where the subdivision reaches its depth cap before two estimates agree, the
// estimate is no longer conservative: such cases are counted as widened.
const QUAD_RTOL = 1e-14;
// A layer norm over two units is a smoothed sign whose transition is sqrt(1e-5) of the pre-activations'
// spread wide: a segment crossing it needs panels of that width before 8 Gauss nodes resolve it, 2^-9 of
// the segment or less for the spreads drawn here; two levels more for the steepest.
const QUAD_MAX_DEPTH = 12;
const STEPS = 10;
const ROUNDING_PER_STEP = 400 * UNIT_ROUNDOFF_F64;
const EXACT_RTOL = ROUNDING_PER_STEP * STEPS;
// The masked-form property's runs: batch-size-1 SGD for MASKED_STEPS steps.
const MASKED_STEPS = 20;
const MASKED_RUNS = 60;
// Its quadrature need only sit well below its rounding allowance, ROUNDING_PER_STEP per step: a tenth of it.
const MASKED_QUAD_RTOL = (ROUNDING_PER_STEP * MASKED_STEPS) / 10;
// The reference rebuilds each update from gradients computed along another path (Jacobian rows times L',
// against the trainer's VJP) and closed-form coefficients: per coordinate a sum over at most S steps and
// m + 1 directions, compared relative to the coordinate's rounding scale (eps P_j sum_r |c_{s,r}| G_r, see
// twoTimeKernel.ts), so that Adam's normalisation of small gradient entries does not enter: 64 u per step
// covers the sums and the chain rule's own rounding of the gradient entries against G_r. A wrong coefficient
// (a bias correction off by one step, a dropped beta) misses by O(beta^s), above 1e-3.
// The engine's split rebuilds the update the same way (per-example Jacobian rows, the optimiser's
// coefficients), so its mismatch with the trainer's update obeys the same bound, per coordinate; carried to a
// query through |Gbar_j| it is UPDATE_RTOL times rep.splitRoundingScale, which the split's and the
// contributions' checks add. It matters where Adam's P_j is near 1 / delta: one seed's AdamW run through a
// two-unit layer norm missed the shares' allowance alone by 1.4x, its rebuild mismatch carried to the query
// being about 1e-11 of an O(1) change. The left-point shares project the same rebuilt directions on the
// Jacobian at w_s: their mismatch is UPDATE_RTOL times rep.leftRoundingScale (another seed's AdamW run through
// a two-unit layer norm missed the left-point allowance alone by 1.24x: 1.3e-11 absolute on a share of 5.0).
const UPDATE_RTOL = 64 * STEPS * UNIT_ROUNDOFF_F64;
// A run diverges when its parameters or outputs stop being finite, or when its loss grows by more than
// DIVERGED_LOSS_GROWTH over the S steps. Below the stability limit (eps < 2 / lambda_max of the loss Hessian
// along the path, for GD) the loss does not grow; momentum and Adam may overshoot by a bounded factor
// (about 1 / (1 - beta)). A thousandfold growth in 10 steps is geometric escape: the segments of such a run
// carry integrands that vary by orders of magnitude within a step (a saturating unit whose pre-activation
// grows without bound), beyond what the quadrature's depth cap resolves, and the run has no finite limit to
// represent. Such runs are counted per optimiser and eps, never dropped silently.
const DIVERGED_LOSS_GROWTH = 1e3;
// The cheap divergence survey: training only (no representation), so that the share of diverged runs per
// optimiser and eps is measured on enough draws to tell 1% from 5%.
const SURVEY_RUNS = 300;

/** One generated training run. */
interface RunCase {
  readonly c: FlowCase;
  readonly opt: OptimizerSpec;
  readonly eps: number;
  readonly batches: BatchSpec;
}

const runCaseArb = (): fc.Arbitrary<RunCase> =>
  flowCaseArb().chain((c) => fc.record({ c: fc.constant(c), opt: optimizerArb(), eps: fc.constantFrom(...EPS_CHOICES), batches: batchArb(c.problem.xTrain.rows) }));

/** The key of the figures per optimiser and eps. */
const keyOf = (r: RunCase) => `${r.opt.kind}${r.opt.kind === 'momentum' && r.opt.nesterov ? ' (nesterov)' : ''}${r.batches.kind === 'seeded' ? ' + sgd' : ''} eps ${r.eps}`;

/** Train; a run that diverges (see DIVERGED_LOSS_GROWTH) returns null. */
function trainOrDiverge(r: RunCase, onStep: Parameters<typeof train>[2]['onStep']): TrainResult | null {
  let res: TrainResult;
  try {
    res = train(r.c.problem, r.c.w0, { optimizer: r.opt, eps: r.eps, steps: STEPS, batches: r.batches, ...(onStep ? { onStep } : {}) });
  } catch (e) {
    if (e instanceof RangeError && /diverged/.test(e.message)) return null;
    throw e;
  }
  // Finite parameters whose outputs overflow (a logit of Infinity, which the loss refuses) diverged too.
  const finiteAt = (x: typeof r.c.queries) => r.c.model.forward(res.wS, x).data.every(Number.isFinite);
  if (!finiteAt(r.c.problem.xTrain) || !finiteAt(r.c.queries)) return null;
  const growth = objective(r.c.problem, res.wS) / Math.max(objective(r.c.problem, r.c.w0), Number.MIN_VALUE);
  if (!(growth <= DIVERGED_LOSS_GROWTH)) return null;
  return res;
}

describe('exact discrete path kernels', () => {
  claimTest(['disc.exact-path-kernel', 'disc.sgd-exact', 'disc.momentum-exact', 'disc.adam-exact', 'rem.sgd-indicators'], 'for any eps, batch schedule and optimiser, the segment-integrated path kernel reproduces f(x; w_S), and its per-example contributions and left-point contributions agree with a two-time-kernel reference', (ctx) => {
    const ledger = caseLedger(ctx, 'exact representation per optimiser', FILE);
    let worst = 0;
    let worstSplit = 0;
    let worstReference = 0;
    let worstLeftReference = 0;
    let worstUpdate = 0;
    let worstCancellation = 0;
    let worstRebuild = 0;
    let worstLeftRebuild = 0;
    let diverged = 0;
    const checked = { gd: 0, sgd: 0, momentum: 0, adam: 0 };
    const leftWorst = new Map<string, number>();
    fc.assert(
      fc.property(runCaseArb(), (r) => {
        ledger.draw();
        const { c, opt, batches } = r;
        // A first pass trains alone (cheap next to the quadrature): a run that diverges is counted before any
        // segment is integrated, and the quadrature's tolerance is set relative to the largest output along the
        // path, not at w0 only (outputs that grow by orders of magnitude made an absolute tolerance from w0
        // unreachable, and every segment subdivided to the depth cap: 160 s for one run on seed 1020399771).
        let absIncrements = 0;
        let largest = 1;
        const dry = trainOrDiverge(r, (step) => {
          const before = c.model.forward(step.w, c.queries).data;
          const after = c.model.forward(step.w.map((v, j) => v + step.update[j]!), c.queries).data;
          absIncrements += before.reduce((s, v, i) => s + Math.abs(after[i]! - v), 0);
          largest = Math.max(largest, ...Array.from(before, Math.abs), ...Array.from(after, Math.abs));
        });
        const tol = QUAD_RTOL * largest;
        const acc = discretePath(c.problem, c.queries, c.w0, { adaptive: { tol, maxDepth: QUAD_MAX_DEPTH } });
        const ref = referenceSplit(c.problem, c.queries, opt);
        const res = dry && trainOrDiverge(r, (step) => {
          acc.onStep(step);
          ref.onStep(step);
        });
        if (!res) {
          // Counted per optimiser and eps and shown; the survey below holds their share to 5%.
          diverged++;
          ledger.find(`diverged: ${keyOf(r)}`);
          return;
        }
        const rep = acc.result(res.wS);
        const reference = ref.result();
        const m = c.problem.xTrain.rows;
        const capped = rep.unconvergedSegments > 0;
        if (capped || reference.cappedPanels > 0) ledger.widen(`${capped ? 'adaptive' : 'reference'} quadrature at its depth cap: held to its own error estimate`);
        const quadrature = rep.quadratureErrorEstimate;
        const where = () => `${keyOf(r)}, batches ${JSON.stringify(batches)}, optimiser ${JSON.stringify(opt)}; ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`;
        worstUpdate = Math.max(worstUpdate, reference.worstUpdateMismatch);
        if (!(reference.worstUpdateMismatch <= UPDATE_RTOL)) throw new Error(`the closed-form combination of per-example gradients does not rebuild the optimiser's update: relative ${reference.worstUpdateMismatch.toExponential(3)} > ${UPDATE_RTOL.toExponential(3)}; ${where()}`);
        for (let row = 0; row < rep.fS.data.length; row++) {
          const scale = Math.abs(rep.f0.data[row]!) + Math.abs(rep.fS.data[row]!) + absIncrements;
          const err = Math.abs(rep.exact.data[row]! - rep.fS.data[row]!);
          worst = Math.max(worst, err / scale);
          if (!(err <= EXACT_RTOL * scale + quadrature)) {
            throw new Error(`exact ${rep.exact.data[row]} vs f(x; w_S) ${rep.fS.data[row]} by a forward pass: absolute ${err.toExponential(3)}, relative ${(err / scale).toExponential(3)} > ${EXACT_RTOL.toExponential(2)} plus the quadrature's estimate; quadrature estimate ${rep.quadratureErrorEstimate.toExponential(3)} (${rep.unconvergedSegments} leaves at the depth cap); ${where()}`);
          }
          const shares = rep.splitMagnitude!.data[row]!;
          worstCancellation = Math.max(worstCancellation, shares / scale);
          // The rebuilt update's mismatch with the optimiser's own, carried to the queries (zero for GD, SGD).
          const rebuild = UPDATE_RTOL * rep.splitRoundingScale!.data[row]!;
          worstRebuild = Math.max(worstRebuild, rebuild / (EXACT_RTOL * (scale + shares)));
          let split = rep.f0.data[row]! + rep.regulariserContribution!.data[row]!;
          for (let i = 0; i < m; i++) split += rep.contributions!.data[row * m + i]!;
          const splitErr = Math.abs(split - rep.fS.data[row]!);
          worstSplit = Math.max(worstSplit, splitErr / (scale + shares));
          if (!(splitErr <= EXACT_RTOL * (scale + shares) + rebuild + quadrature)) {
            throw new Error(`per-example sum ${split} vs f(x; w_S) ${rep.fS.data[row]}: absolute ${splitErr.toExponential(3)}, relative ${(splitErr / (scale + shares)).toExponential(3)}; allowed ${EXACT_RTOL.toExponential(2)} of the shares' scale plus the rebuild's ${rebuild.toExponential(3)} plus the quadrature's ${quadrature.toExponential(3)}; ${where()}`);
          }
          // Each contribution against the reference (its own nodes: their error estimate is added).
          const refScale = scale + shares + reference.magnitude[row]!;
          for (let i = 0; i <= m; i++) {
            const ours = i < m ? rep.contributions!.data[row * m + i]! : rep.regulariserContribution!.data[row]!;
            const theirs = i < m ? reference.exact.data[row * m + i]! : reference.regExact[row]!;
            const refQuadrature = i < m ? reference.exactQuadratureEstimate.data[row * m + i]! : reference.regExactEstimate[row]!;
            const allowed = EXACT_RTOL * refScale + rebuild + quadrature + refQuadrature;
            const e = Math.abs(ours - theirs);
            worstReference = Math.max(worstReference, e / refScale);
            if (!(e <= allowed)) throw new Error(`${i < m ? `example ${i}'s` : "weight decay's"} exact share ${ours} vs the two-time-kernel reference ${theirs}: absolute ${e.toExponential(3)}, relative ${(e / refScale).toExponential(3)}; ${where()}`);
            const oursLeft = i < m ? rep.leftPointContributions!.data[row * m + i]! : NaN;
            if (i < m) {
              const theirsLeft = reference.leftPoint.data[row * m + i]!;
              const leftScale = scale + reference.leftMagnitude[row]!;
              const el = Math.abs(oursLeft - theirsLeft);
              worstLeftReference = Math.max(worstLeftReference, el / leftScale);
              const leftRebuild = UPDATE_RTOL * rep.leftRoundingScale!.data[row]!;
              worstLeftRebuild = Math.max(worstLeftRebuild, leftRebuild / (EXACT_RTOL * leftScale));
              if (!(el <= EXACT_RTOL * leftScale + leftRebuild)) throw new Error(`example ${i}'s left-point share ${oursLeft} vs the Jacobian-contraction reference ${theirsLeft}: absolute ${el.toExponential(3)}, relative ${(el / leftScale).toExponential(3)}; allowed ${EXACT_RTOL.toExponential(2)} of its scale plus the rebuild's ${leftRebuild.toExponential(3)}; ${where()}`);
            }
          }
          // Domingos' left-point form of the whole change: where it is worst, per optimiser and eps.
          const leftErr = Math.abs(rep.leftPoint.data[row]! - rep.fS.data[row]!) / scale;
          leftWorst.set(keyOf(r), Math.max(leftWorst.get(keyOf(r)) ?? 0, leftErr));
        }
        // Per claim: GD with any batches (disc.exact-path-kernel's form), mini-batches with any optimiser
        // (disc.sgd-exact, Remark 5), momentum, Adam.
        if (opt.kind === 'gd') checked.gd++;
        else if (opt.kind === 'momentum') checked.momentum++;
        else checked.adam++;
        if (batches.kind === 'seeded') checked.sgd++;
      }),
      propertyParameters(25),
    );
    const detail = (what: string, n: number) => `${what} on ${n} generated runs (${STEPS} steps, eps in ${EPS_CHOICES.join(', ')}): f(x; w_S) by a forward pass against f(x; w_0) plus the quadrature of JVPs along the segments, worst relative ${worst.toExponential(2)}; per-example shares against the two-time-kernel reference (closed-form coefficients, Jacobian rows, own Gauss nodes), worst relative ${worstReference.toExponential(2)}`;
    if (checked.gd > 0) recordEvidence(ctx, 'disc.exact-path-kernel', verifiedAgainst('second implementation', detail('GD (full batch and mini-batches)', checked.gd)));
    if (checked.sgd > 0) recordEvidence(ctx, 'disc.sgd-exact', verifiedAgainst('second implementation', detail('seeded mini-batches (with and without replacement, every optimiser)', checked.sgd)));
    if (checked.sgd > 0) recordEvidence(ctx, 'rem.sgd-indicators', verifiedAgainst('second implementation', detail('the masked form (a share only for the batch members of each step, with multiplicity)', checked.sgd)));
    if (checked.momentum > 0) recordEvidence(ctx, 'disc.momentum-exact', verifiedAgainst('second implementation', detail('heavy-ball and Nesterov momentum (coefficients beta^(s-r), beta^(s-r+1) + [r = s])', checked.momentum)));
    if (checked.adam > 0) recordEvidence(ctx, 'disc.adam-exact', verifiedAgainst('second implementation', detail('Adam and AdamW (P_s recomputed from the gradients; decoupled decay as its own share)', checked.adam)));
    recordFigure(ctx, 'worst relative error of the exact representation (vs a forward pass)', worst);
    recordFigure(ctx, 'worst relative error of the per-example split (relative to the sum of |shares|)', worstSplit);
    recordFigure(ctx, 'worst relative gap between the per-example shares and the two-time-kernel reference', worstReference);
    recordFigure(ctx, 'worst relative gap between the left-point shares and the Jacobian-contraction reference', worstLeftReference);
    recordFigure(ctx, 'worst relative mismatch of the closed-form update combination', worstUpdate);
    recordFigure(ctx, 'largest sum of |per-example shares| / change scale (cancellation in the split)', worstCancellation);
    recordFigure(ctx, "largest rebuild allowance (UPDATE_RTOL times the split's rounding scale) / the shares' rounding allowance", worstRebuild);
    recordFigure(ctx, "largest left-point rebuild allowance (UPDATE_RTOL times its rounding scale) / the left-point shares' rounding allowance", worstLeftRebuild);
    recordFigure(ctx, 'runs checked per kind (gd, sgd, momentum, adam)', `${checked.gd}, ${checked.sgd}, ${checked.momentum}, ${checked.adam}`);
    recordFigure(ctx, 'diverged runs (counted, no finite w_S)', diverged);
    const ranked = [...leftWorst.entries()].sort((a, b) => b[1] - a[1]);
    if (ranked.length > 0) recordFigure(ctx, "Domingos' left-point form: where it is worst", `${ranked[0]![0]}: ${ranked[0]![1].toExponential(2)}`);
    for (const [k, v] of ranked) recordFigure(ctx, `Domingos' left-point form: worst relative error, ${k}`, v);
    // The divergence survey: training only, on the same generator, for a precise share of diverged runs and
    // where they happen. GD's stability limit is eps < 2 / lambda_max of the loss Hessian; sums of up to 8
    // squared losses on steep activations reach lambda_max ~ 10, so eps = 0.3 sits near it for a few draws.
    const survey = caseLedger(ctx, 'divergence survey (training only)', FILE);
    let surveyed = 0;
    const byKey = new Map<string, number>();
    for (const r of fc.sample(runCaseArb(), { seed: SEED, numRuns: SURVEY_RUNS })) {
      survey.draw();
      if (trainOrDiverge(r, undefined)) continue;
      surveyed++;
      byKey.set(keyOf(r), (byKey.get(keyOf(r)) ?? 0) + 1);
      survey.find(`diverged: ${keyOf(r)}`);
    }
    recordFigure(ctx, 'diverged runs of the survey', `${surveyed} of ${SURVEY_RUNS}`);
    recordFigure(ctx, 'diverged runs of the survey per optimiser and eps', [...byKey.entries()].map(([k, v]) => `${k}: ${v}`).join('; ') || 'none');
    expect(surveyed, `${surveyed} of ${SURVEY_RUNS} generated runs diverged, over ${100 * MAX_SKIPPED_SHARE}%: reconsider EPS_CHOICES from the stability limit eps < 2 / lambda_max; by optimiser and eps: ${JSON.stringify([...byKey])}; seed ${SEED}`).toBeLessThanOrEqual(MAX_SKIPPED_SHARE * SURVEY_RUNS);
    // A replay (PATHKERNEL_PATH) runs the one shrunk case, so coverage is checked on full runs only.
    if (!REPLAY_PATH) expect(Object.values(checked).every((n) => n > 0), `a kind of run was never checked: ${JSON.stringify(checked)}; seed ${SEED}`).toBe(true);
  });

  claimTest(['rem.sgd-indicators'], 'under SGD the masked (indicator) form is exact while the full-batch path-kernel machine on the same path is not', (ctx) => {
    const ledger = caseLedger(ctx, 'masked against full-batch form', FILE);
    let smallestGap = Infinity;
    let worstMasked = 0;
    let misses = 0;
    let checkedRuns = 0;
    fc.assert(
      fc.property(flowCaseArb({ minTrain: 3, maxTrain: 6 }), fc.nat({ max: 1000 }), (c, batchSeed) => {
        ledger.draw();
        // Adaptive segments, as in the property above: 8 fixed nodes with their n-vs-2n estimate miss a layer
        // norm's sharp transition that neither resolves (off by 65 times the estimate on seed 838127477).
        const r: RunCase = { c, opt: { kind: 'gd' }, eps: 0.05, batches: { kind: 'seeded', size: 1, seed: batchSeed } };
        // As above, a first pass trains alone: a diverging run is counted before its segments are integrated
        // (integrating up to the divergence took 40 s of this property's 43 on the default seed), and the
        // quadrature's tolerance is relative to the largest output along the path.
        let largest = 1;
        const trainWith = (onStep: NonNullable<Parameters<typeof train>[2]['onStep']>) => {
          try {
            return train(c.problem, c.w0, { optimizer: r.opt, eps: r.eps, steps: MASKED_STEPS, batches: r.batches, onStep });
          } catch (e) {
            if (e instanceof RangeError && /diverged/.test(e.message)) return null;
            throw e;
          }
        };
        const dry = trainWith((step) => {
          largest = Math.max(largest, ...Array.from(c.model.forward(step.w, c.queries).data, Math.abs));
        });
        if (!dry || !c.model.forward(dry.wS, c.queries).data.every(Number.isFinite)) {
          ledger.find(`diverged: ${keyOf(r)}`);
          return;
        }
        const tol = MASKED_QUAD_RTOL * largest;
        const acc = discretePath(c.problem, c.queries, c.w0, { fullBatchComparison: true, adaptive: { tol, maxDepth: QUAD_MAX_DEPTH } });
        const res = trainWith(acc.onStep)!;
        const rep = acc.result(res.wS);
        if (rep.unconvergedSegments > 0) ledger.widen('adaptive quadrature at its depth cap: held to its own error estimate');
        const change = rep.fS.data.reduce((s, v, i) => Math.max(s, Math.abs(v - rep.f0.data[i]!)), 0);
        // A model whose outputs at the queries do not move (a dead or saturated unit everywhere) has no gap
        // to show: counted as left out.
        if (!(change > 1e-6)) return ledger.skip('queries\' outputs do not move (change <= 1e-6)');
        const scale = rep.fS.data.reduce((s, v, i) => s + Math.abs(v) + Math.abs(rep.f0.data[i]!), 0) + change;
        // The masked form: each step's shares go to the members of its batch only (Remark 5's indicators);
        // their sum with f(x; w_0) against f(x; w_S) by a forward pass.
        const m = c.problem.xTrain.rows;
        const masked = Array.from(rep.fS.data, (_, r) => {
          let y = rep.f0.data[r]! + rep.regulariserContribution!.data[r]!;
          for (let i = 0; i < m; i++) y += rep.contributions!.data[r * m + i]!;
          return y;
        });
        const shares = rep.splitMagnitude!.data.reduce((a, b) => Math.max(a, b), 0);
        const exactErr = Math.max(...masked.map((v, i) => Math.abs(v - rep.fS.data[i]!)));
        const fullErr = Math.max(...Array.from(rep.fullBatch!.data, (v, i) => Math.abs(v - rep.fS.data[i]!)));
        worstMasked = Math.max(worstMasked, exactErr / (scale + shares));
        smallestGap = Math.min(smallestGap, fullErr / change);
        checkedRuns++;
        // The masked form: adaptive segments, at their own error estimate plus rounding.
        if (!(exactErr <= rep.quadratureErrorEstimate + ROUNDING_PER_STEP * MASKED_STEPS * (scale + shares))) throw new Error(`masked form (the sum of the per-example shares) off by ${exactErr.toExponential(3)} (relative ${(exactErr / scale).toExponential(3)}), quadrature estimate ${rep.quadratureErrorEstimate.toExponential(3)}; ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
        // The full-batch machine misses the sampling: off by a visible fraction of the change itself.
        if (fullErr > 1e-3 * change) misses++;
        else ledger.find('full-batch machine within 1e-3 of the change (the batches happened to balance)');
      }),
      // 60 runs (about 20 ms each): under the 5% cap on skipped cases a property of fewer than 20 runs may skip
      // none, and a run whose queries' outputs do not move (every unit of the small model dead or saturated at
      // w_0) turns up now and then (1 of 16 on seed 687199160).
      propertyParameters(MASKED_RUNS),
    );
    recordEvidence(ctx, 'rem.sgd-indicators', verifiedAgainst('second implementation', `batch-size-1 SGD (${MASKED_STEPS} steps, eps 0.05) on ${checkedRuns} runs: the masked exact form (per-example shares for the batch members of each step, summed) against f(x; w_S) by a forward pass, worst relative ${worstMasked.toExponential(2)}; the full-batch machine on the same path misses by more than 1e-3 of the change on ${misses} of ${checkedRuns}`));
    recordFigure(ctx, 'smallest gap of the full-batch machine / change of f', smallestGap);
    recordFigure(ctx, 'runs where the full-batch machine misses by > 1e-3 of the change', `${misses} of ${checkedRuns}`);
  });
});
