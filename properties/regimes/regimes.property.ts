/**
 * regime.lazy, regime.feature-learning, regime.output-scale, caveat.data-dependent-kernel: how far training
 * moves the tangent kernel, the weights and the last hidden features, against width (NTK parametrisation,
 * muP) and against the output scale alpha of the centred model alpha (f - f_{w0}). src/laws/regimes.ts says
 * what is measured and how (every run is the reference gradient flow).
 *
 * Each law is measured on CASES generated tasks (properties/arbitraries/tasks.ts: teacher, sine, blobs, moons
 * and Iris data, a fitting loss, an activation, one or two hidden layers, a horizon, seeds). In each case the
 * swept value is refined level by level (widths by WIDTHS, alphas doubling) on several initialisations per
 * level; the slope of each quantity is fitted over the last three levels with an interval that adds the
 * initialisations' spread and a settling term from the last change of the local slopes (src/laws/replicates.ts).
 * Each case is held to a two-sided error of FAMILY_ERROR / CASES (Bonferroni), so that noise alone contradicts a
 * law that holds in any of its cases with probability below FAMILY_ERROR. A rule fixed from theory (below)
 * decides each case; one contradicting case contradicts the law, more than 5% inconclusive leave it
 * inconclusive (src/laws/verdict.ts). A verdict of 'contradicted' is a result, recorded; the test fails only
 * when the code is broken (an exception, a quantity that is not a positive number).
 *
 * The default run keeps the sweeps small: the width sweeps train one hidden layer at widths 16, 64, 256 (two
 * hidden layers fit only widths 8..32 in the time, where their intervals are too wide to decide: see
 * WIDTH_DEPTHS), the output-scale sweeps one or two. PATHKERNEL_DEEP=1 adds a width level, initialisations,
 * and two-layer width sweeps.
 */
import fc from 'fast-check';
import { describe, expect, type TestContext } from 'vitest';
import type { LawRule } from '../../src/claims/index.js';
import { DOPRI5 } from '../../src/flow/index.js';
import { caseConfidence, decideCases, outputScaleLevel, refineReplicateSlopes, separatingHalfWidth, widthLevel, type RegimeArchitecture, type RegimeMeasurement, type RegimeOptions, type RegimeTask, type ReplicateQuantity, type ReplicateRefinement, type ReplicateSlope } from '../../src/laws/index.js';
import { claimTest, lawEvidence, recordEvidence, recordFigure, recordSeries } from '../arbitraries/claims.js';
import { DEEP, replayCommand, SEED } from '../arbitraries/config.js';
import { caseLedger, type CaseLedger } from '../arbitraries/ledger.js';
import { buildTask, describeTask, taskSpecArb, type TaskSpec } from '../arbitraries/tasks.js';

const FILE = 'properties/regimes/regimes.property.ts';

/** Generated tasks per law. */
const CASES = 30;
/**
 * The chance that noise contradicts a law that holds, over all its cases: each claim's verdict must repeat on
 * 19 of 20 seeds, and a claim here carries up to two rules, so each rule may err on 1% of the runs at most.
 */
const FAMILY_ERROR = 0.01;
const CONFIDENCE = caseConfidence(FAMILY_ERROR, CASES);

/**
 * The integrator. The smallest drifts measured are about 1e-3 of the kernel (NTK at the widest width, the
 * largest alpha); a relative tolerance of 1e-6 in the state keeps their error near 1e-3 of themselves, three
 * orders below what moves a fitted slope. DOPRI5 is the cheaper tableau at that tolerance.
 */
const FLOW: Omit<RegimeOptions, 'T'> = { samples: 4, rtol: 1e-6, atol: 1e-9, method: DOPRI5, maxSteps: 5000 };

/** Widths per depth: levels a factor 4 apart for one hidden layer, 2 for two (an n x n layer costs n^2). */
const WIDTHS: Readonly<Record<number, readonly number[]>> = DEEP ? { 1: [16, 64, 256, 1024], 2: [8, 16, 32, 64] } : { 1: [16, 64, 256], 2: [8, 16, 32] };
/**
 * Depths of the width sweeps. Two hidden layers sweep only widths 8..32 in the default mode (an n x n layer
 * costs n^2 per step), a factor 2 apart: at that log range and the initialisations the time allows, their
 * intervals are too wide for 95% of the cases to decide, so they run in deep mode only.
 */
const WIDTH_DEPTHS = DEEP ? [1, 2] : [1];
/**
 * Horizons of the muP sweeps, longer than the others': the kernel's feature-learning change starts at second
 * order in t (at initialisation the output weights are independent of the hidden units, so the first-order
 * change of the feature kernel averages out over units), while one network's finite-width fluctuation of it
 * grows at first order, like t width^-1/2. Over a short horizon the fluctuation dominates the drift at the
 * widths swept and its norm shrinks like the lazy competitor; the deterministic part gains on it like t.
 */
const MUP_HORIZONS = [2, 4];
/** Other sweeps: any horizon shows their laws. */
const HORIZONS = [0.5, 1];
/** Output scales: alpha = 2^k from 1, refined until both rules settle. */
const MAX_ALPHA_LEVELS = DEEP ? 10 : 8;
/** The base network of the output-scale sweep: muP (alpha = 1 learns features), this wide. */
const ALPHA_WIDTH = 32;
/**
 * Initialisations per level, by depth. Under muP (and for the NTK weights) the spread across initialisations is
 * a finite-width fluctuation that shrinks like width^-1/2, so the narrow levels get more of them (each is
 * cheaper too); the NTK kernel's spread does not shrink with width (its O(1/width) change has a random part of
 * its own size), so every level gets the same count. Two hidden layers sweep widths a factor 2 apart, half the
 * log range of one layer's factor 4, and get more initialisations for it.
 */
const REPLICATES = {
  ntk: DEEP ? { 1: [16, 16, 16, 16], 2: [16, 16, 16, 16] } : { 1: [10, 10, 10], 2: [16, 16, 16] },
  mup: DEEP ? { 1: [32, 16, 8, 4], 2: [32, 24, 16, 8] } : { 1: [16, 8, 4], 2: [24, 16, 8] },
  alpha: DEEP ? 12 : 8,
} as const;

// The rules, fixed from theory before measuring.
const LAZY_KERNEL: LawRule = {
  quantity: 'sup_t |K^g(w_t) - K^g(w0)|_F / |K^g(w0)|_F against width, NTK parametrisation',
  expected: -0.5,
  competitor: -1,
  reason:
    'The claim as stated: Jacot et al. (2018) show that the NTK stays fixed in the infinite-width limit, and Lee et al. (2019) bound its change during training by O(width^-1/2). Competitor: Dyer and Gur-Ari (2020) show dK/dt = O(1/width) at a fixed pair of inputs, because every width^-1/2 term of dK/dt is odd in the output weights and averages out over units; an interval that excludes -1/2 then says the stated rate is an upper bound, not the rate.',
};
const LAZY_WEIGHTS: LawRule = {
  quantity: 'max_l |W_l(T) - W_l(0)|_F / |W_l(0)|_F against width, NTK parametrisation',
  expected: -0.5,
  competitor: 0,
  reason:
    'Under the NTK parametrisation each weight of the input and output layers moves O(width^-1/2) while those layers hold O(width) weights of size O(1), so their relative change is width^-1/2 (Lee et al. 2019: |w_t - w_0| = O(1) against |w_0| of order sqrt(width)). Competitor: weights moving by Theta(1) relative to their size, the feature-learning scaling of muP.',
};
const MUP_KERNEL: LawRule = {
  quantity: 'sup_t |K^g(w_t) - K^g(w0)|_F / |K^g(w0)|_F against width, muP',
  expected: 0,
  competitor: -0.5,
  reason:
    'muP (Yang and Hu 2020) is built so that features, and with them the tangent kernel, evolve by Theta(1) at every width: in the limit the kernel follows a deterministic Theta(1) trajectory. Competitor: the lazy rate width^-1/2 of the NTK parametrisation, at which training would approach a fixed kernel. (One network\'s drift adds to the limit\'s a finite-width fluctuation of relative size width^-1/2, and the norm of the sum shrinks like the competitor until the width passes the crossover where the two are equal; a task whose crossover lies beyond the widths swept can contradict the law at those widths with local slopes that look settled. That is a finding about finite widths, not about the limit.)',
};
const MUP_FEATURES: LawRule = {
  quantity: '|h_L(w_T) - h_L(w_0)|_F / |h_L(w_0)|_F against width, muP',
  expected: 0,
  competitor: -0.5,
  reason: 'muP (Yang and Hu 2020) keeps every hidden layer\'s features moving by Theta(1) per coordinate as width grows. Competitor: width^-1/2, the lazy (NTK) rate at which features freeze.',
};
const DATA_DEPENDENCE: LawRule = {
  quantity: '|K^p/T - K^g(w0)|_F / |K^g(w0)|_F against width, muP',
  expected: 0,
  competitor: -0.5,
  reason:
    'K^p / T is the time average of K^g along the path training took; under muP that kernel keeps moving by Theta(1) as width grows, so the path kernel stays a Theta(1) distance from K^g(w0), the kernel fixed before the data were seen: the data-dependence does not fade with width. Competitor: width^-1/2, the lazy rate at which K^p / T would tend to the data-independent K^g(w0) (Jacot et al. 2018). (The finite-width crossover described for the kernel\'s drift, MUP_KERNEL, applies here too.)',
};
const SCALE_WEIGHTS: LawRule = {
  quantity: '|w_T - w_0| / |w_0| against alpha (centred model alpha (f - f_{w0}), flow to T / alpha^2)',
  expected: -1,
  competitor: 0,
  reason:
    'Chizat, Oyallon and Bach (2019): for the centred model trained on alpha^-2 L the function follows an alpha-independent (kernel) trajectory and the weights need move only O(1/alpha) to realise it. Competitor: Theta(1), what happens when the initial output alpha f_{w0} is not removed and must be undone by training.',
};
const SCALE_KERNEL: LawRule = {
  quantity: 'sup_t |K^g(w_t) - K^g(w0)|_F / |K^g(w0)|_F against alpha',
  expected: -1,
  competitor: -2,
  reason:
    'The tangent kernel is a smooth function of the weights, so it drifts by DK[w0] (w - w0) = O(1/alpha) to first order (Chizat et al. 2019); at a fixed width no average over units removes that term. Competitor: -2, a drift of second order in the weights\' movement, as if the first-order term cancelled (the way the width^-1/2 terms cancel against width).',
};

type Quantity = 'kernelDrift' | 'layerMovement' | 'featureMovement' | 'weightMovement' | 'pathKernelDistance';
type Quantities = Partial<Record<Quantity, ReplicateQuantity<RegimeMeasurement>>>;
/** What every run measures, per network. */
const MEASURED: Quantities = {
  kernelDrift: (m) => m.kernelDrift,
  layerMovement: (m) => m.layerMovement,
  featureMovement: (m) => m.featureMovement,
  weightMovement: (m) => m.weightMovement,
};
/** Runs that carry the path kernel measure its distance from K^g(w0) too. */
const WITH_PATH_KERNEL: Quantities = { ...MEASURED, pathKernelDistance: (m) => m.pathKernelDistance! };

/** A law: its claim, its rule and the quantity whose slope it decides on. */
interface Law {
  readonly claim: string;
  readonly rule: LawRule;
  readonly quantity: Quantity;
}

/** One case's sweep: the task, the refinement, the slopes of every quantity fitted. */
interface CaseSweep {
  readonly spec: TaskSpec;
  readonly refinement: ReplicateRefinement<RegimeMeasurement, Quantity>;
}

/** The sweeps of one regime over its generated cases, and the cases left out (a flow that failed). */
interface RegimeRun {
  readonly cases: readonly CaseSweep[];
  readonly drawn: number;
  readonly leftOut: readonly string[];
  readonly ms: number;
  /** CPU time of this process over the sweeps (the machine may be shared: wall time says less). */
  readonly cpuMs: number;
}

function regimeTask(spec: TaskSpec): RegimeTask {
  const t = buildTask(spec);
  return { xTrain: t.xTrain, yTrain: t.yTrain, loss: t.loss, outputDim: t.outputDim, reduction: t.reduction };
}

function architecture(spec: TaskSpec, parametrisation: 'ntk' | 'mup', replicates: number, centred: boolean): RegimeArchitecture {
  return { parametrisation, depth: spec.depth, activation: spec.activation, centred, replicates, seed: spec.seed };
}

type Sweep = (spec: TaskSpec, targets: Partial<Record<Quantity, number>>) => ReplicateRefinement<RegimeMeasurement, Quantity>;

/** Run one regime's sweep on CASES generated tasks; a flow that fails leaves its case out (counted). */
function runRegime(offset: number, depths: readonly number[], horizons: readonly number[], sweep: Sweep, laws: readonly Law[]): RegimeRun {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const specs = fc.sample(taskSpecArb({ depths, horizons }), { seed: SEED + offset, numRuns: CASES });
  // Refine until every rule's interval could separate its exponent from the competitor.
  const targets: Partial<Record<Quantity, number>> = {};
  for (const law of laws) targets[law.quantity] = Math.min(targets[law.quantity] ?? Infinity, separatingHalfWidth(law.rule));
  const cases: CaseSweep[] = [];
  const leftOut: string[] = [];
  for (const spec of specs) {
    try {
      cases.push({ spec, refinement: sweep(spec, targets) });
    } catch (e) {
      // A flow that stops (step budget, non-finite state) is not a measurement; anything else is a defect.
      if (!(e instanceof RangeError && /regime run: the flow ended/.test(e.message))) throw e;
      leftOut.push(`${e.message}; ${describeTask(spec)}`);
    }
  }
  const used = process.cpuUsage(cpu);
  return { cases, drawn: specs.length, leftOut, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

/** Quantities without a target are fitted and recorded; they do not hold up the refinement. */
const withTargets = (quantities: Quantities, targets: Partial<Record<Quantity, number>>) =>
  Object.fromEntries(Object.keys(quantities).map((q) => [q, targets[q as Quantity] ?? Infinity])) as Record<Quantity, number>;

const widthSweep = (parametrisation: 'ntk' | 'mup', replicates: Readonly<Record<number, readonly number[]>>, pathKernel: boolean): Sweep => (spec, targets) => {
  const widths = WIDTHS[spec.depth]!;
  const task = regimeTask(spec);
  const quantities = pathKernel ? WITH_PATH_KERNEL : MEASURED;
  return refineReplicateSlopes({
    x: (k) => widths[k]!,
    measure: (k) => widthLevel(task, architecture(spec, parametrisation, replicates[spec.depth]![k]!, true), widths[k]!, { ...FLOW, T: spec.T, pathKernel }),
    quantities: quantities as Record<Quantity, ReplicateQuantity<RegimeMeasurement>>,
    targets: withTargets(quantities, targets),
    maxLevels: widths.length,
    confidence: CONFIDENCE,
    paired: false,
  });
};

const alphaSweep: Sweep = (spec, targets) => {
  const task = regimeTask(spec);
  const arch = architecture(spec, 'mup', REPLICATES.alpha, false);
  return refineReplicateSlopes({
    x: (k) => 2 ** k,
    measure: (k) => outputScaleLevel(task, arch, ALPHA_WIDTH, 2 ** k, { ...FLOW, T: spec.T, pathKernel: false }),
    quantities: MEASURED as Record<Quantity, ReplicateQuantity<RegimeMeasurement>>,
    targets: withTargets(MEASURED, targets),
    // Four levels at least, so that the fit (the last three) never includes alpha = 1, the unscaled muP
    // network, which learns features: the far end of the range the law describes, not part of it.
    minLevels: 4,
    maxLevels: MAX_ALPHA_LEVELS,
    confidence: CONFIDENCE,
    paired: true,
  });
};

// Each regime's sweeps run once per file, on first use (the muP runs serve two claims).
const memo = <V>(make: () => V): (() => V) => {
  let value: V | undefined;
  return () => (value ??= make());
};
const ntkRun = memo(() => runRegime(1, WIDTH_DEPTHS, HORIZONS, widthSweep('ntk', REPLICATES.ntk, false), [
  { claim: 'regime.lazy', rule: LAZY_KERNEL, quantity: 'kernelDrift' },
  { claim: 'regime.lazy', rule: LAZY_WEIGHTS, quantity: 'layerMovement' },
]));
const mupRun = memo(() => runRegime(2, WIDTH_DEPTHS, MUP_HORIZONS, widthSweep('mup', REPLICATES.mup, true), [
  { claim: 'regime.feature-learning', rule: MUP_KERNEL, quantity: 'kernelDrift' },
  { claim: 'regime.feature-learning', rule: MUP_FEATURES, quantity: 'featureMovement' },
  { claim: 'caveat.data-dependent-kernel', rule: DATA_DEPENDENCE, quantity: 'pathKernelDistance' },
]));
const alphaRun = memo(() => runRegime(3, [1, 2], HORIZONS, alphaSweep, [
  { claim: 'regime.output-scale', rule: SCALE_WEIGHTS, quantity: 'weightMovement' },
  { claim: 'regime.output-scale', rule: SCALE_KERNEL, quantity: 'kernelDrift' },
]));

const fmt = (v: number, digits = 3) => v.toFixed(digits);
const slopeText = (s: ReplicateSlope) => `${fmt(s.estimate)} +- ${fmt(s.halfWidth)} (statistical ${fmt(s.statisticalHalfWidth)}, settling ${fmt(s.settlingHalfWidth)})`;

/** Count the run's cases in a ledger (left-out flows are skips, within the 5% cap). */
function account(ctx: TestContext, label: string, run: RegimeRun): CaseLedger {
  const ledger = caseLedger(ctx, label, FILE);
  for (let i = 0; i < run.drawn; i++) ledger.draw();
  run.leftOut.forEach(() => ledger.leaveOut('flow did not finish'));
  return ledger;
}

/** Decide one law over the run's cases, record its evidence, figures and a representative curve. */
function decide(ctx: TestContext, run: RegimeRun, law: Law, xLabel: 'width' | 'alpha'): void {
  const { claim, rule, quantity } = law;
  const slopes = run.cases.map((c) => {
    const s = c.refinement.slopes[quantity];
    if (!s) throw new Error(`${claim}: the sweep fitted no slope of ${quantity}`);
    if (!Number.isFinite(s.estimate) || !(s.halfWidth >= 0)) throw new Error(`${claim}: slope of ${quantity} is ${s.estimate} +- ${s.halfWidth} on ${describeTask(c.spec)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
    return s;
  });
  const d = decideCases(rule, slopes);
  const deciding = run.cases[d.deciding]!;
  const decidingSlope = slopes[d.deciding]!;
  const what = rule.quantity;
  const tally = `${d.counts.consistent} consistent, ${d.counts.inconclusive} inconclusive, ${d.counts.contradicted} contradicted of ${slopes.length}`;
  recordFigure(ctx, `${what}: verdicts per case`, tally, claim);
  recordFigure(ctx, `${what}: median slope, median half-width`, `${fmt(d.medianEstimate)}, ${fmt(d.medianHalfWidth)}`, claim);
  recordFigure(ctx, `${what}: slopes (min .. max)`, `${fmt(Math.min(...slopes.map((s) => s.estimate)))} .. ${fmt(Math.max(...slopes.map((s) => s.estimate)))}`, claim);
  const others = d.verdicts.map((v, i) => [v, i] as const).filter(([v]) => v !== 'consistent');
  if (others.length > 0) recordFigure(ctx, `${what}: cases not consistent`, others.map(([v, i]) => `${v} ${fmt(slopes[i]!.estimate, 2)} +- ${fmt(slopes[i]!.halfWidth, 2)} [${slopes[i]!.localSlopes.map((x) => fmt(x, 2)).join(', ')}] (${describeTask(run.cases[i]!.spec)})`).join(' | '), claim);
  recordFigure(ctx, `${what}: deciding case`, `${slopeText(decidingSlope)}; local slopes ${decidingSlope.localSlopes.map((v) => fmt(v, 2)).join(', ')}; ${xLabel} ${deciding.refinement.xs.join(', ')}; ${describeTask(deciding.spec)}`, claim);
  const geo = deciding.refinement.values[quantity]!;
  recordSeries(ctx, { name: `${claim}: ${quantity} (deciding case)`, claim, xLabel, yLabel: what, x: deciding.refinement.xs, y: geo, fit: { slope: decidingSlope.estimate, intercept: Math.log(geo.at(-1)!) - decidingSlope.estimate * Math.log(deciding.refinement.xs.at(-1)!), halfWidth95: decidingSlope.halfWidth } });
  const estimate = d.verdict === 'contradicted' ? decidingSlope.estimate : d.medianEstimate;
  const halfWidth = d.verdict === 'contradicted' ? decidingSlope.halfWidth : d.medianHalfWidth;
  recordEvidence(ctx, claim, lawEvidence(rule, d.verdict, estimate, halfWidth, d.counts, `${what}: ${tally} generated tasks, each at two-sided confidence ${CONFIDENCE.toPrecision(6)}; ${d.verdict === 'contradicted' ? 'the deciding (most decisive contradicting) case' : 'the median case'} is shown`));
}

/** Figures of a quantity that is recorded, not decided. */
function recordSlopes(ctx: TestContext, run: RegimeRun, claim: string, quantity: Quantity, label: string): void {
  const est = run.cases.map((c) => c.refinement.slopes[quantity]!.estimate).sort((a, b) => a - b);
  recordFigure(ctx, `${label}: slopes (min, median, max), recorded, not decided`, `${fmt(est[0]!)}, ${fmt(est[Math.floor(est.length / 2)]!)}, ${fmt(est.at(-1)!)}`, claim);
}

function recordRun(ctx: TestContext, run: RegimeRun, claim: string): void {
  const runs = run.cases.flatMap((c) => c.refinement.levels.flat());
  const lossRatios = runs.map((r) => r.lossRatio).sort((a, b) => a - b);
  recordFigure(ctx, 'cases (measured / drawn)', `${run.cases.length} / ${run.drawn}`, claim);
  recordFigure(ctx, 'loss L(w_T) / L(w_0) over all runs (median)', fmt(lossRatios[Math.floor(lossRatios.length / 2)]!), claim);
  recordFigure(ctx, 'flow steps per run (most)', Math.max(...runs.map((r) => r.steps)), claim);
  recordFigure(ctx, 'cases whose refinement reached its target / its budget', `${run.cases.filter((c) => c.refinement.stop === 'settled').length} / ${run.cases.filter((c) => c.refinement.stop === 'budget').length}`, claim);
  recordFigure(ctx, 'sweep wall time, CPU time (s)', `${fmt(run.ms / 1000, 1)}, ${fmt(run.cpuMs / 1000, 1)}`, claim);
  if (run.leftOut.length > 0) recordFigure(ctx, 'left out', run.leftOut.join(' | '), claim);
}

describe('regimes: when the path kernel is the initial NTK, and when training learns features', () => {
  claimTest(
    ['regime.lazy'],
    'under the NTK parametrisation the weights move like width^(-1/2), and the tangent kernel\'s relative change is measured against the stated width^(-1/2) and the competing width^(-1)',
    (ctx) => {
      const run = ntkRun();
      account(ctx, 'NTK width sweeps', run);
      expect(run.cases.length).toBeGreaterThan(0);
      recordFigure(ctx, 'widths (depth 1; depth 2)', `${WIDTHS[1]!.join(', ')}; ${WIDTHS[2]!.join(', ')}`, 'regime.lazy');
      recordFigure(ctx, 'initialisations per width (depth 1; depth 2)', `${REPLICATES.ntk[1].join(', ')}; ${REPLICATES.ntk[2].join(', ')}`, 'regime.lazy');
      // The kernel's rule is expected to come out 'contradicted' where the sweeps reach the 1/width range:
      // the stated width^-1/2 is Lee et al.'s upper bound, and the change at a fixed pair is O(1/width)
      // (Dyer and Gur-Ari). The verdict is recorded, not asserted.
      decide(ctx, run, { claim: 'regime.lazy', rule: LAZY_KERNEL, quantity: 'kernelDrift' }, 'width');
      decide(ctx, run, { claim: 'regime.lazy', rule: LAZY_WEIGHTS, quantity: 'layerMovement' }, 'width');
      recordSlopes(ctx, run, 'regime.lazy', 'featureMovement', 'last hidden features |h_L(w_T) - h_L(w_0)|_F / |h_L(w_0)|_F against width');
      recordSlopes(ctx, run, 'regime.lazy', 'weightMovement', 'all weights |w_T - w_0| / |w_0| against width (width^-1 from depth 2: the n x n layers hold most of |w_0|)');
      recordRun(ctx, run, 'regime.lazy');
    },
  );

  claimTest(
    ['regime.feature-learning'],
    'under muP the tangent kernel and the last features keep moving by Theta(1) as width grows, not like width^(-1/2)',
    (ctx) => {
      const run = mupRun();
      account(ctx, 'muP width sweeps', run);
      expect(run.cases.length).toBeGreaterThan(0);
      recordFigure(ctx, 'initialisations per width (depth 1; depth 2)', `${REPLICATES.mup[1].join(', ')}; ${REPLICATES.mup[2].join(', ')}`, 'regime.feature-learning');
      decide(ctx, run, { claim: 'regime.feature-learning', rule: MUP_KERNEL, quantity: 'kernelDrift' }, 'width');
      decide(ctx, run, { claim: 'regime.feature-learning', rule: MUP_FEATURES, quantity: 'featureMovement' }, 'width');
      recordSlopes(ctx, run, 'regime.feature-learning', 'layerMovement', 'largest layer movement max_l |W_l(T) - W_l(0)|_F / |W_l(0)|_F against width');
      recordRun(ctx, run, 'regime.feature-learning');
    },
  );

  claimTest(
    ['regime.output-scale'],
    'scaling the centred output by alpha (flow to T / alpha^2) makes the weights move O(1/alpha) and the tangent kernel drift O(1/alpha), first order in the weights\' movement',
    (ctx) => {
      const run = alphaRun();
      account(ctx, 'output-scale sweeps', run);
      expect(run.cases.length).toBeGreaterThan(0);
      recordFigure(ctx, 'base model', `muP, ${ALPHA_WIDTH} units per hidden layer; ${REPLICATES.alpha} initialisations, each reused at every alpha`, 'regime.output-scale');
      decide(ctx, run, { claim: 'regime.output-scale', rule: SCALE_WEIGHTS, quantity: 'weightMovement' }, 'alpha');
      decide(ctx, run, { claim: 'regime.output-scale', rule: SCALE_KERNEL, quantity: 'kernelDrift' }, 'alpha');
      recordSlopes(ctx, run, 'regime.output-scale', 'featureMovement', 'last hidden features against alpha');
      recordRun(ctx, run, 'regime.output-scale');
    },
  );

  claimTest(
    ['caveat.data-dependent-kernel'],
    'under muP the path kernel stays a Theta(1) distance from the kernel fixed before training, K^g(w0), as width grows: its dependence on the data does not fade',
    (ctx) => {
      const run = mupRun();
      account(ctx, 'muP width sweeps (path kernel)', run);
      expect(run.cases.length).toBeGreaterThan(0);
      decide(ctx, run, { claim: 'caveat.data-dependent-kernel', rule: DATA_DEPENDENCE, quantity: 'pathKernelDistance' }, 'width');
      // (1/T) int (K_t - K_0) dt is no larger than sup_t |K_t - K_0|: how the drift builds up along the path.
      // (Recorded only: the sup is read on the grid of FLOW.samples intervals and can miss a peak between them.)
      const ratios = run.cases.flatMap((c) => c.refinement.levels.flat().map((m) => m.pathKernelDistance! / m.kernelDrift));
      recordFigure(ctx, 'ratio |K^p/T - K_0| / sup_t |K_t - K_0| over all runs: range', `${fmt(Math.min(...ratios))} .. ${fmt(Math.max(...ratios))}`, 'caveat.data-dependent-kernel');
      recordRun(ctx, run, 'caveat.data-dependent-kernel');
    },
  );
});
