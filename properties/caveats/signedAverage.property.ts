/**
 * caveat.signed-average — Lbar'_i(x) = int K^g(x, x_i) L'_i dt / int K^g(x, x_i) dt (P9-P10) is an average of
 * L'_i(t) with SIGNED weights K^g(x, x_i)(t) / K^p(x, x_i). When K^g(x, x_i)(t) changes sign along the path the
 * weights are not a probability distribution, and a_i(x) = -Lbar'_i(x) can lie outside
 * [min_t -L'_i(t), max_t -L'_i(t)], even with the opposite sign to every -L'_i(t). While K^g(x, x_i)(t) keeps
 * one sign the weights are nonnegative and a_i lies inside the range.
 *
 * The evidence is a search in the default run: generated flows with several queries each, every
 * (query, training point) pair classified. Pairs whose K^g changes sign are searched for an a_i outside the
 * range (the caveat: found on h of n pairs); pairs whose K^g keeps one sign must have a_i inside (the converse,
 * an identity checked on every such pair); on every pair a_i from the ODE state is compared with Simpson's
 * rule on the sampled K^g and L'_i (a second computation of the weighted average). Two counterexamples found
 * by an earlier search stay pinned as regression examples, reported apart.
 *
 * How the path is read: the flow runs with its dense output, and w(t) is sampled on a uniform grid of t; at
 * each grid time K^g(x, x_i) and L'_i are evaluated exactly (to rounding) at the interpolated w(t). The grid
 * misses the true extremum of a smooth g(t) between two nodes by at most (h/2)^2/2 max|g''| = h^2/8 max|g''|
 * (g' = 0 at an interior extremum, and the nearest node is within h/2); h^2 max|g''| is estimated by the
 * largest second difference on the grid. a_i itself comes from the integrals carried as ODE state.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { fromRows, matrix, rng, type Matrix } from '../../src/core/index.js';
import { gradientFlow, kernelMachineWeights, type FlowResult, type TrainingProblem } from '../../src/kernels/index.js';
import { squared } from '../../src/losses/index.js';
import { compileModel, type Model, type ModelSpecInput } from '../../src/models/index.js';
import { caveatFound, caveatPinned, claimTest, recordEvidence, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_RTOL, IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';
import { caseLedger, MAX_SKIPPED_SHARE } from '../arbitraries/ledger.js';
import { featuresSpecArb, mlpSpecArb } from '../arbitraries/models.js';
import { describeFlowCase, flowCaseArb, type FlowCase } from '../arbitraries/problems.js';
import { GRID_MAX_INTERVALS, GRID_MIN_INTERVALS, gridIntervals, gridMiss, range, samplePath, simpson, simpsonA, type PathSamples } from './pathSamples.js';

const FILE = 'properties/caveats/signedAverage.property.ts';

// Simpson's error is C h^4: over h, 2h, 4h, 8h the differences shrink by 16, and then (S_h - S_2h) / 15 is the
// error of S_h. A contraction outside [8, 32] means the grid is pre-asymptotic: the errors still oscillate
// with h, and a difference can be small by coincidence (a contraction far above 16), which would make the
// estimate too small. One contraction in the window can be such a coincidence too: on one seed's flow, grids
// of 272, 544 and 1088 intervals contracted by 32.0 while the finest one's error was 19 times (S_h - S_2h) / 15
// (refining to 17408 intervals showed it: the errors then fell by 2.6, 12.7, 15.0, 15.7 per halving, to the
// ODE state's a_i). Two successive contractions in the window are asked for: under a two-term error
// A h^4 + B h^5 the contraction runs from 16 (B = 0) towards 32 (B dominant) and the estimate stays within a
// factor 0.8 - 2.1 of the error, so two in the window cannot both be coincidences of an oscillating error
// except by chance alignment on three differences.
const CONTRACTION = [8, 32] as const;
// The finding: the excursion beyond the range, net of the grid's miss and the integrator's error, exceeds a
// tenth of max_t |L'_i(t)|. Not a rounding effect: a_i is outside the range by a visible fraction of it.
const CLEAR_MARGIN = 0.1;
// The integrator's absolute share of each integral's error: the same multiple of its budget as IDENTITY_RTOL
// (100), times atol. IDENTITY_RTOL alone assumes integrals far above atol / rtol (1e-3); a query where the
// network's gradient nearly vanishes (a saturated unit before a width-1 layer) has K^p of 1e-12 and less, and
// there the error control is absolute: at seed 1833819979 a pair with K^p = -1.1e-12 had a_i from the ODE
// state 7.0e-9 apart between rtol 1e-11 and 1e-13 (IDENTITY_RTOL's share: 1.1e-9), and 1.4e-8 and 2.1e-8 from
// Simpson's rule on the sampled path, which did not move on grids of 128 to 32768 intervals.
const ABSOLUTE_NOISE = (IDENTITY_RTOL / FLOW_RTOL) * FLOW_ATOL;
// A wrong formula (a sign, a weight, a missing factor) moves a_i by 1e-3 of max |L'_i| or more (see
// flowTolerance.ts). A pair whose integrator noise on a_i exceeds a tenth of that cannot show one: it is left
// out of the Simpson comparison, counted, and held to the cap on cases left unchecked.
const RESOLVED_NOISE = 1e-4;
// Simpson's rule on the samples against the integrals carried as ODE state: in the asymptotic range
// Simpson's error is (S_h - S_2h) / 15 (Richardson); a factor 10 allows for not being fully asymptotic.
// A dense output or a weight that were wrong would miss by O(1), far outside.
const SIMPSON_SAFETY = 10;
// Flows are drawn on activations that do not stiffen (no square, no layer norm: see searchFlowCases); a flow
// that still exceeds this budget is counted as skipped.
const MAX_STEPS = 2000;
// Generated flows per run (x5 in deep mode), each with QUERIES queries: about 30 (query, training point)
// pairs per flow, of which a few percent have K^g changing sign.
const SEARCH_FLOWS = 60;
const QUERIES = 8;
// Queries over twice the training inputs' range ([-3, 3] against [-1.5, 1.5]): the tangent kernel of points
// far apart in input space is the one whose sign can change along the path.
const QUERY_SPREAD = 2;

/** Everything about one (x, x_i) pair: a_i from the ODE state, the sampled path, and the bounds. */
interface PairReport {
  readonly a: number;
  readonly pathKernel: number;
  readonly lo: number;
  readonly hi: number;
  readonly maxAbsLp: number;
  readonly kMin: number;
  readonly kMax: number;
  /** Distance of a_i from the sampled range (0 inside). */
  readonly excursion: number;
  /** The grid's possible miss of the range of -L'_i, plus the integrator's error on a_i. */
  readonly slack: number;
  /** The grid's possible miss of the extrema of K^g. */
  readonly kernelMiss: number;
  /** int |K^g| dt / |K^p|: how much the cancellation in K^p amplifies errors of the integrals. */
  readonly amplification: number;
  /** The integrator's possible error on a_i (relative and absolute shares). */
  readonly noise: number;
}

function pairReport(res: FlowResult, samples: PathSamples, x: number, i: number, m: number): PairReport {
  const q = res.queries!;
  const a = kernelMachineWeights(q).data[x * m + i]!;
  const pathKernel = q.pathKernel.data[x * m + i]!;
  const K = samples.kernel[x * m + i]!;
  const g = samples.negLp[i]!;
  const { lo, hi, maxAbs: maxAbsLp } = range(g);
  const { lo: kMin, hi: kMax } = range(K);
  const N = K.length;
  const absIntK = simpson((k) => Math.abs(K[k]!), N, samples.h);
  // K^lp's integrator error is relative to int |K^g L'| <= max|L'| int |K^g|; dividing by |K^p| amplifies it
  // by int |K^g| / |K^p| when K^g changes sign.
  const amplification = absIntK / Math.abs(pathKernel);
  // a = -K^lp / K^p from the ODE state: each integral is off by IDENTITY_RTOL of its integrand's absolute
  // integral (int |K L'| <= max |L'| int |K|, and int |K|) plus ABSOLUTE_NOISE, so delta a <= IDENTITY_RTOL
  // amplification (max |L'| + |a|) + ABSOLUTE_NOISE (1 + |a|) / |K^p|, amplification = int |K| / |K^p|.
  const noise = IDENTITY_RTOL * amplification * (Math.abs(a) + maxAbsLp) + (ABSOLUTE_NOISE * (1 + Math.abs(a))) / Math.abs(pathKernel);
  const slack = gridMiss(g) + noise;
  return { a, pathKernel, lo, hi, maxAbsLp, kMin, kMax, excursion: Math.max(lo - a, a - hi, 0), slack, kernelMiss: gridMiss(K), amplification, noise };
}

function describePair(r: PairReport): string {
  return (
    `a_i = ${r.a.toPrecision(6)}, -L'_i(t) in [${r.lo.toPrecision(6)}, ${r.hi.toPrecision(6)}], excursion ${r.excursion.toExponential(3)} ` +
    `(slack ${r.slack.toExponential(2)}), K^g(t) in [${r.kMin.toExponential(3)}, ${r.kMax.toExponential(3)}], K^p = ${r.pathKernel.toExponential(3)}`
  );
}

/**
 * Whether Simpson's a_i on grids h, 2h, 4h, 8h is in its asymptotic range: both successive differences
 * contract by a factor within CONTRACTION, or the finer ones are at the integrator's noise on a_i already.
 */
function simpsonAsymptotic(samples: PathSamples, r: PairReport, x: number, i: number, m: number): boolean {
  const [a1, a2, a4, a8] = [1, 2, 4, 8].map((stride) => simpsonA(samples, x, i, m, stride)) as [number, number, number, number];
  const d1 = Math.abs(a1 - a2);
  const d2 = Math.abs(a2 - a4);
  const d4 = Math.abs(a4 - a8);
  const noise = r.noise;
  const contracts = (fine: number, coarse: number) => coarse >= CONTRACTION[0] * fine && coarse <= CONTRACTION[1] * fine;
  return (d1 <= noise && d2 <= CONTRACTION[1] * noise) || (contracts(d1, d2) && contracts(d2, d4));
}

/**
 * Simpson's a_i from the samples (grids h and 2h) against a_i from the ODE state; returns the gap relative to
 * max |L'_i|, or throws. `tighter`, where given, redoes the pair on a flow solved at FLOW_RTOL / TIGHTER: a
 * mismatch that the integrator's tolerance causes falls with it (the noise term is 100 rtol, a modest multiple
 * of the controller's budget, not a bound, see flowTolerance.ts), one that a formula causes does not. A pair
 * that passes only on the tighter flow is returned with `widened` set, for the ledger's count.
 */
function checkSimpson(samples: PathSamples, r: PairReport, x: number, i: number, m: number, where: string, tighter?: () => { samples: PathSamples; report: PairReport }): { gap: number; widened: boolean } {
  const fine = simpsonA(samples, x, i, m, 1);
  const coarse = simpsonA(samples, x, i, m, 2);
  const err = Math.abs(fine - r.a);
  const richardson = Math.abs(fine - coarse) / 15;
  const noise = r.noise;
  const allowed = SIMPSON_SAFETY * richardson + noise;
  if (!(err <= allowed) && tighter) {
    const again = tighter();
    const second = checkSimpson(again.samples, again.report, x, i, m, `${where} (flow at rtol ${(FLOW_RTOL / TIGHTER).toExponential(0)}, after a miss of ${err.toExponential(3)} against ${allowed.toExponential(3)} at rtol ${FLOW_RTOL.toExponential(0)})`);
    return { gap: second.gap, widened: true };
  }
  if (!(err <= allowed)) {
    const coarser = simpsonA(samples, x, i, m, 4);
    throw new Error(`${where}: a_i from the ODE state ${r.a} vs Simpson on the samples ${fine} (grid of ${samples.kernel[0]!.length - 1} intervals): absolute ${err.toExponential(3)}, relative ${(err / Math.abs(r.a)).toExponential(3)} > ${allowed.toExponential(3)} (Richardson ${richardson.toExponential(3)}, contraction ${(Math.abs(coarse - coarser) / Math.abs(fine - coarse)).toPrecision(4)}, the integrator's noise ${noise.toExponential(3)}, amplification ${r.amplification.toPrecision(4)}); seed ${SEED}; replay: ${replayCommand(FILE)}`);
  }
  return { gap: err / Math.max(r.maxAbsLp, Number.MIN_VALUE), widened: false };
}

// The tighter flow of checkSimpson's second look: rtol 100 times smaller, so an integration error falls by
// about that factor (DOP853 is of order 8: its global error scales like rtol).
const TIGHTER = 100;

/**
 * Sample the flow's path on a grid fine enough for every pair (see GRID_MIN_INTERVALS); pairs still
 * pre-asymptotic at GRID_MAX_INTERVALS are returned, to be counted and left out of the Simpson comparison.
 */
function resolvedSamples(problem: TrainingProblem, queries: Matrix, T: number, res: FlowResult): { samples: PathSamples; preAsymptotic: Set<number> } {
  const m = problem.xTrain.rows;
  for (let G = gridIntervals(res.stats.acceptedSteps); ; G *= 2) {
    const samples = samplePath(problem, queries, res.w!, T, G);
    const preAsymptotic = new Set<number>();
    for (let p = 0; p < queries.rows * m; p++) {
      if (samples.kernel[p]!.every((v) => v === 0)) continue;
      const x = Math.floor(p / m);
      if (!simpsonAsymptotic(samples, pairReport(res, samples, x, p % m, m), x, p % m, m)) preAsymptotic.add(p);
    }
    if (preAsymptotic.size === 0 || 2 * G > GRID_MAX_INTERVALS) return { samples, preAsymptotic };
  }
}

/** Whether K^g(x, x_i) changes sign on the grid, beyond the integrator's noise on its values. */
function changesSign(r: PairReport): boolean {
  const kernelNoise = IDENTITY_RTOL * Math.max(Math.abs(r.kMin), Math.abs(r.kMax));
  return r.kMin < -kernelNoise && r.kMax > kernelNoise;
}

/** Whether the pair is a clear counterexample: K^g changes sign, a_i escapes the range by the margin. */
function escapes(r: PairReport): boolean {
  return changesSign(r) && r.excursion - r.slack > CLEAR_MARGIN * r.maxAbsLp;
}

/** +1 or -1 when K^g(x, x_i) keeps that sign throughout (the sampled extreme clears the grid's miss), else 0. */
function definiteSign(r: PairReport): number {
  return r.kMin > r.kernelMiss ? 1 : r.kMax < -r.kernelMiss ? -1 : 0;
}

/**
 * Scalar-output flows for the search, with queries spread wider than the training inputs: MLPs with a hidden layer (their tangent kernel moves, so it can change
 * sign) on activations that keep the flow non-stiff (square activations and layer norm over few units make
 * DOP853 take thousands of steps, and the grid must resolve the path), and linear-in-features models, whose
 * K^g is constant along the path (its sign is fixed: they feed the converse). Squared and logistic losses:
 * Huber's L'' jumps where |y - y*| crosses its threshold, which breaks the smoothness that the grid's bound
 * and Simpson's rule assume.
 */
function searchFlowCases(): fc.Arbitrary<FlowCase> {
  const specs = fc.oneof(
    { weight: 4, arbitrary: mlpSpecArb({ minDepth: 1, maxDepth: 2, maxWidth: 5, maxOutputDim: 1, activations: ['tanh', 'sin', 'gelu', 'softplus', 'sigmoid'], layerNorm: false }) },
    { weight: 1, arbitrary: featuresSpecArb().map((s) => ({ ...s, outputDim: 1 }) as ModelSpecInput) },
  );
  return flowCaseArb({ maxOutputDim: 1, horizons: [2], losses: ['squared', 'binaryLogistic'], minTrain: 3, minQueries: QUERIES, maxQueries: QUERIES }, specs).map((c) => {
    const wide: FlowCase = { ...c, queries: matrix(c.queries.rows, c.queries.cols, c.queries.data.map((v) => QUERY_SPREAD * v)) };
    Object.defineProperty(wide, fc.toStringMethod, { value: () => `FlowCase(${describeFlowCase(wide)}, queries ${JSON.stringify(Array.from(wide.queries.data))}, xTrain ${JSON.stringify(Array.from(c.problem.xTrain.data))})`, enumerable: false });
    return wide;
  });
}

/** A counterexample found by an earlier search, pinned with everything to rebuild it. */
interface PinnedCase {
  readonly name: string;
  readonly provenance: string;
  readonly spec: ModelSpecInput;
  readonly paramSeed: number;
  readonly xTrain: readonly (readonly number[])[];
  readonly yTrain: readonly number[];
  readonly query: readonly number[];
  /** The training point whose weight leaves the range. */
  readonly i: number;
  readonly T: number;
}

// Found by fc.sample(flowCaseArb({ maxOutputDim: 1, horizons: [2], losses: ['squared'] }), { seed: 20201201,
// numRuns: 250 }) with the check below; the query is the one of the sampled queries whose weight escapes.
// Regression examples only: the evidence is the search.
const PINNED: readonly PinnedCase[] = [
  {
    name: 'tanh residual MLP 3-3-1 (muP)',
    provenance: 'sample #58, query 0, training point 2',
    spec: { kind: 'mlp', inputDim: 3, outputDim: 1, layers: [{ width: 3, activation: 'tanh', residual: true, norm: 'none' }], parametrisation: 'mup', bias: false },
    paramSeed: 634303701,
    xTrain: [[0.598, 1.499, 0.886], [0.612, -1.183, -0.632], [-0.004, -0.485, -1.205], [0.186, 1.382, -0.701], [-0.222, 0.175, 1.353]],
    yTrain: [-0.9738282920978509, 0.06128425502585877, 0.1257605494884213, 0.4484446675287308, 0.5838779981521982],
    query: [1.491, 1.156, -1.092],
    i: 2,
    T: 2,
  },
  {
    name: 'gelu then residual sin, width 1 (NTK)',
    provenance: 'sample #203, query 0, training point 1',
    spec: {
      kind: 'mlp',
      inputDim: 3,
      outputDim: 1,
      layers: [{ width: 1, activation: 'gelu', residual: false, norm: 'none' }, { width: 1, activation: 'sin', residual: true, norm: 'none' }],
      parametrisation: 'ntk',
      bias: false,
    },
    paramSeed: 1554737233,
    xTrain: [[0.002, 1.322, -0.857], [1.085, 0.001, -1.206], [-0.008, -0.063, -1.169], [1.295, 0.224, -0.076]],
    yTrain: [-0.9325278076893384, -0.6839327146702352, -0.31402833855677503, 0.6343319922763047],
    query: [-0.936, -0.404, -1.015],
    i: 1,
    T: 2,
  },
];

function runPinned(p: PinnedCase): { report: PairReport; steps: number; simpsonError: number } {
  const model: Model = compileModel(p.spec);
  const problem: TrainingProblem = { model, loss: squared, xTrain: fromRows(p.xTrain), yTrain: matrix(p.yTrain.length, 1, p.yTrain) };
  const w0 = model.init(rng(p.paramSeed).stream('init'));
  const queries = fromRows([p.query]);
  const res = gradientFlow(problem, w0, { queries }, { T: p.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, dense: true });
  if (res.status !== 'success') throw new Error(`${p.name}: flow ${res.status}: ${res.message}`);
  const { samples } = resolvedSamples(problem, queries, p.T, res);
  const m = problem.xTrain.rows;
  const report = pairReport(res, samples, 0, p.i, m);
  const simpsonError = checkSimpson(samples, report, 0, p.i, m, p.name).gap;
  return { report, steps: res.stats.acceptedSteps, simpsonError };
}

describe('caveat.signed-average: the weights of Lbar\'_i are signed', () => {
  claimTest(
    ['caveat.signed-average', 'step.reweight'],
    'a search over generated flows and queries finds a_i(x) outside [min_t -L\'_i(t), max_t -L\'_i(t)] where K^g(x, x_i)(t) changes sign, and a_i inside wherever K^g keeps one sign',
    (ctx) => {
      const ledger = caseLedger(ctx, 'flows searched', FILE);
      const simpsonPairs = caseLedger(ctx, "pairs checked by Simpson's rule against the ODE state", FILE);
      let pairs = 0;
      let signChanging = 0;
      let hits = 0;
      let hitFlows = 0;
      let positive = 0;
      let negative = 0;
      let undetermined = 0;
      let degenerate = 0;
      let unresolved = 0;
      let belowResolution = 0;
      let finestGrid = 0;
      let closest = Infinity;
      let worstSimpson = 0;
      let largestExcursion = 0;
      let example = '';
      fc.assert(
        fc.property(searchFlowCases(), (c) => {
          ledger.draw();
          const res = gradientFlow(c.problem, c.w0, { queries: c.queries }, { T: c.T, rtol: FLOW_RTOL, atol: FLOW_ATOL, dense: true, maxSteps: MAX_STEPS });
          if (res.status !== 'success') return ledger.skip(`flow ended ${res.status} (over ${MAX_STEPS} steps)`);
          const { samples, preAsymptotic } = resolvedSamples(c.problem, c.queries, c.T, res);
          finestGrid = Math.max(finestGrid, samples.kernel[0]!.length - 1);
          const m = c.problem.xTrain.rows;
          let found = false;
          for (let x = 0; x < c.queries.rows; x++) {
            for (let i = 0; i < m; i++) {
              pairs++;
              if (samples.kernel[x * m + i]!.every((v) => v === 0)) {
                // A query whose gradient vanishes at every w (the origin of a bias-free network): K^g = 0 and
                // a_i has no value. Counted, neither searched nor checked.
                degenerate++;
                continue;
              }
              const r = pairReport(res, samples, x, i, m);
              const where = `query ${x}, training point ${i}; ${describeFlowCase(c)}`;
              if (r.noise > RESOLVED_NOISE * r.maxAbsLp) {
                belowResolution++;
                simpsonPairs.draw();
                simpsonPairs.leaveOut(`the integrator's noise on a_i above ${RESOLVED_NOISE} max |L'_i| (K^p near atol)`);
              } else if (preAsymptotic.has(x * m + i)) {
                unresolved++;
                simpsonPairs.draw();
                simpsonPairs.leaveOut(`Simpson's estimate pre-asymptotic on ${GRID_MAX_INTERVALS} intervals`);
              } else {
                const tighter = () => {
                  const again = gradientFlow(c.problem, c.w0, { queries: c.queries }, { T: c.T, rtol: FLOW_RTOL / TIGHTER, atol: FLOW_ATOL / TIGHTER, dense: true, maxSteps: 10 * MAX_STEPS });
                  if (again.status !== 'success') throw new Error(`${where}: the tighter flow ended ${again.status}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
                  const resampled = resolvedSamples(c.problem, c.queries, c.T, again).samples;
                  return { samples: resampled, report: pairReport(again, resampled, x, i, m) };
                };
                simpsonPairs.draw();
                const checked = checkSimpson(samples, r, x, i, m, where, tighter);
                if (checked.widened) simpsonPairs.widen('Simpson against the ODE state met only on a flow at rtol / 100 (integration error)');
                worstSimpson = Math.max(worstSimpson, checked.gap);
              }
              const sign = definiteSign(r);
              if (sign !== 0) {
                // The converse: nonnegative weights keep the average inside the range.
                if (sign > 0) positive++;
                else negative++;
                closest = Math.min(closest, Math.min(r.a - r.lo, r.hi - r.a) / Math.max(r.maxAbsLp, Number.MIN_VALUE));
                if (r.excursion > r.slack) throw new Error(`K^g keeps sign ${sign} but a_i leaves the range of -L'_i: ${describePair(r)}; ${where}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
              } else if (changesSign(r)) {
                signChanging++;
                if (escapes(r)) {
                  hits++;
                  found = true;
                  if (r.excursion / r.maxAbsLp > largestExcursion) {
                    largestExcursion = r.excursion / r.maxAbsLp;
                    example = `${describePair(r)}; ${where}`;
                  }
                }
              } else undetermined++;
            }
          }
          if (found) hitFlows++;
        }),
        propertyParameters(SEARCH_FLOWS),
      );
      // The Simpson comparison is left out on pre-asymptotic pairs: counted, shown, and held to the cap on skips.
      const compared = pairs - degenerate;
      if (!(unresolved + belowResolution <= MAX_SKIPPED_SHARE * compared)) throw new Error(`${unresolved} of ${compared} pairs stayed pre-asymptotic on ${GRID_MAX_INTERVALS} intervals and ${belowResolution} had the integrator's noise on a_i above ${RESOLVED_NOISE} max |L'_i|, over the ${100 * MAX_SKIPPED_SHARE}% cap on cases left unchecked; seed ${SEED}; replay: ${replayCommand(FILE)}`);
      const sized = `${pairs} (query, training point) pairs of ${ledger.drawn} generated flows (T = 2, dense output sampled on ${GRID_MIN_INTERVALS} to ${GRID_MAX_INTERVALS} intervals)`;
      expect(hits, `the search found no a_i outside the range on ${pairs} pairs of ${ledger.drawn} flows; seed ${SEED}; replay: ${replayCommand(FILE)}`).toBeGreaterThan(0);
      recordEvidence(ctx, 'caveat.signed-average', caveatFound(pairs, hits, `a_i outside the range of -L'_i(t) by more than ${CLEAR_MARGIN} max|L'_i| net of the grid's miss and the integrator's error, on ${hits} of ${sized}; ${signChanging} pairs had K^g changing sign; ${hitFlows} flows had a hit`));
      recordEvidence(ctx, 'caveat.signed-average', verifiedAgainst('second implementation', `the converse on ${positive + negative} pairs whose K^g keeps one sign throughout: a_i from the integrals carried as ODE state lies within the range of -L'_i sampled pointwise on the dense output (to the grid's bounded miss)`));
      recordEvidence(ctx, 'step.reweight', verifiedAgainst('second implementation', `a_i = -int K^g L'_i dt / int K^g dt from the ODE state against Simpson's rule on K^g(x, x_i)(t) and L'_i(t) sampled on the dense output, on ${pairs - degenerate - unresolved - belowResolution} of ${sized} (the others: ${degenerate} with K^g identically 0, ${unresolved} whose Simpson estimate stayed pre-asymptotic on ${GRID_MAX_INTERVALS} intervals, ${belowResolution} whose integrals are too small for the integrator's absolute tolerance to resolve a_i); worst gap ${worstSimpson.toExponential(2)} of max|L'_i|`));
      // Not vacuous: sign-definite pairs were found and checked (linear models supply them for sure).
      expect(positive + negative, 'no pair with K^g of one sign throughout was checked').toBeGreaterThan(0);
      recordFigure(ctx, 'pairs searched', pairs);
      recordFigure(ctx, 'pairs with K^g changing sign along the path', signChanging);
      recordFigure(ctx, 'pairs with a_i clearly outside the range (the caveat)', hits);
      recordFigure(ctx, 'flows with at least one such pair', `${hitFlows} of ${ledger.drawn}`);
      recordFigure(ctx, 'largest excursion beyond the range / max |L\'_i|', largestExcursion);
      if (example) recordFigure(ctx, 'the largest excursion found', example);
      recordFigure(ctx, 'pairs checked with K^g > 0 throughout', positive);
      recordFigure(ctx, 'pairs checked with K^g < 0 throughout', negative);
      recordFigure(ctx, 'pairs whose sign the grid cannot settle (neither searched nor checked)', undetermined);
      recordFigure(ctx, 'pairs with K^g identically 0 (a query where every gradient vanishes)', degenerate);
      recordFigure(ctx, 'smallest distance of a_i inside the range / max |L\'_i| (sign-definite pairs)', closest);
      recordFigure(ctx, 'worst |a_i (Simpson) - a_i (ODE state)| / max |L\'_i|', worstSimpson);
      recordFigure(ctx, 'pairs left out of the Simpson comparison (pre-asymptotic on the finest grid)', unresolved);
      recordFigure(ctx, `pairs left out of the Simpson comparison (the integrator's noise on a_i above ${RESOLVED_NOISE} max |L'_i|: K^p near atol)`, belowResolution);
      recordFigure(ctx, 'finest grid used (intervals)', finestGrid);
    },
  );

  claimTest(
    ['caveat.signed-average'],
    'regression: two counterexamples of an earlier search still have a_i(x) outside [min_t -L\'_i(t), max_t -L\'_i(t)] by more than a tenth of max |L\'_i|',
    (ctx) => {
      for (const p of PINNED) {
        const { report: r, steps, simpsonError } = runPinned(p);
        const where = `${p.name} (${p.provenance}, paramSeed ${p.paramSeed}, T ${p.T})`;
        expect(escapes(r), `${where}: a_i does not leave the range clearly: ${describePair(r)}; seed ${SEED}; replay: ${replayCommand(FILE)}`).toBe(true);
        recordFigure(ctx, `${p.name}: a_i`, r.a);
        recordFigure(ctx, `${p.name}: range of -L'_i(t)`, `[${r.lo.toPrecision(4)}, ${r.hi.toPrecision(4)}]`);
        recordFigure(ctx, `${p.name}: excursion / max |L'_i|`, r.excursion / r.maxAbsLp);
        recordFigure(ctx, `${p.name}: a_i has the opposite sign to every -L'_i(t)`, Math.sign(r.a) * Math.sign(r.lo) < 0 && Math.sign(r.lo) === Math.sign(r.hi) ? 'yes' : 'no');
        recordFigure(ctx, `${p.name}: range of K^g(x, x_i)(t)`, `[${r.kMin.toExponential(3)}, ${r.kMax.toExponential(3)}]`);
        recordFigure(ctx, `${p.name}: integrator steps`, steps);
        recordFigure(ctx, `${p.name}: |a_i (Simpson) - a_i (ODE state)| / max |L'_i|`, simpsonError);
      }
      recordEvidence(ctx, 'caveat.signed-average', caveatPinned(PINNED.length, PINNED.map((p) => `${p.name} (${p.provenance})`).join('; ')));
    },
  );
});
