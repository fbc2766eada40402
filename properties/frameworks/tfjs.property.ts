/**
 * xfw.tfjs — models trained by a practitioners' framework. TensorFlow.js (float32, its own optimisers and
 * automatic differentiation) trains the model; the float64 engine only reads the recorded iterates.
 * - Its gradients agree with the float64 engine's within float32 rounding (tolerance derived in ./float32.ts),
 *   on generated architectures, losses, reductions and weight decay.
 * - Along a path trained by tf.train.sgd, tf.train.momentum (heavy ball and Nesterov) or tf.train.adam, the
 *   exact discrete representation computed in float64 from the recorded float32 iterates reproduces
 *   TensorFlow.js's own float32 outputs at w_S to float32 precision (in float64 it is exact).
 * - Domingos' continuous formula (the left-point form) on the same kind of path is off by O(eps), decided as a
 *   law by refinement of eps.
 * Each step's rule, and whole trajectories against our float64 trainer, are checked in
 * ./tfjsOptimizers.property.ts.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { matrix, rng, selectRows, UNIT_ROUNDOFF_F32, type Matrix } from '../../src/core/index.js';
import { compileTfjs, loadTfjs, pathSteps, roundMatrixToFloat32, roundToFloat32, tfjsForward, tfjsLossGradient, trainTfjs, paramsToTfjs, tensorToFloat64, type TfjsOptimizerSpec, type TfjsRuntime } from '../../src/frameworks/index.js';
import { discretePath, type DiscreteRepresentation } from '../../src/kernels/index.js';
import { countVerdicts, decideLaw, orderByRefinement, separatingHalfWidth } from '../../src/laws/index.js';
import type { LawRule } from '../../src/claims/index.js';
import { binaryLogistic, lossDerivatives, softmaxCrossEntropy, squared, type Loss } from '../../src/losses/index.js';
import { compileModel, type Model, type ModelSpecInput } from '../../src/models/index.js';
import { batchSchedule, lossGradient, type StepRecord, type TrainingProblem } from '../../src/train/index.js';
import { claimTest, lawEvidence, recordEvidence, recordFigure, recordSeries, verifiedAgainst } from '../arbitraries/claims.js';
import { caseLedger } from '../arbitraries/ledger.js';
import { DEEP, propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { mlpSpecArb } from '../arbitraries/models.js';
import { describeFlowCase, flowCaseArb, type FlowCase } from '../arbitraries/problems.js';
import { forwardTolerance, gradientTolerance } from './float32.js';
import { rulesAlong } from './tfjsTrajectory.js';

const FILE = 'properties/frameworks/tfjs.property.ts';

// The float64 part of the exact representation: adaptive Gauss-Legendre (8 nodes, halving until two
// estimates agree to QUAD_TOL on the outputs) and float64 rounding of S segment sums, relative to
// |f0| + |fS| + sum_s |Delta f_s|; as in properties/discrete/exactPathKernel.property.ts.
const QUAD_TOL = 1e-15;
const EXACT_RTOL = 1e-12;
// The halving depth: a layer norm over two units is a smoothed sign whose transition is sqrt(1e-5) of the
// pre-activations' spread wide, and a segment crossing it needs panels of that width, 2^-9 of the segment or
// less, two levels more for the steepest (the derivation of QUAD_MAX_DEPTH in exactPathKernel.property.ts).
// At depth 8, seed 468875366 drew a two-unit layer norm whose representation missed by 1.02e-12 relative.
const QUAD_MAX_DEPTH = 12;

// Domingos' left-point form misses 1/2 Delta w_s^T Hess f Delta w_s = O(eps^2) per step, over S = T / eps
// steps: O(eps) at fixed T. Order 2 is what the curvature-corrected form reaches (rate.second-order): the
// interval must exclude it for the left-point form's order to be told apart.
const LEFT_POINT_RULE: LawRule = {
  quantity: "order in eps of max |left point - exact| / max |f(x; w_S) - f(x; w_0)| on a tf.train.sgd path at T = 0.5",
  expected: 1,
  competitor: 2,
  reason: 'per step the left point misses 1/2 dw^T Hess f dw = O(eps^2), and S = T / eps steps add to O(eps); order 2 would mean the curvature term is absent, the rate of the curvature-corrected form',
};

let runtime: TfjsRuntime;

beforeAll(async () => {
  runtime = await loadTfjs();
}, 60_000);

/** The problem as TensorFlow.js sees it: inputs and targets rounded to float32 (class indices are exact). */
function float32Problem(problem: TrainingProblem): TrainingProblem {
  return { ...problem, xTrain: roundMatrixToFloat32(problem.xTrain), yTrain: roundMatrixToFloat32(problem.yTrain) };
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * Whether a ReLU pre-activation lies so close to 0 that float32 rounding may flip its side of the kink (its
 * float32 error is about sqrt(K) u32 times the magnitude of its terms, below 1e-6 here; 1e-4 leaves room).
 */
function nearReluKink(model: Model, w: Float64Array, X: Matrix): boolean {
  return model.trace(w, X).tape.inputsOf('relu').some((z) => z.data.some((v) => Math.abs(v) < 1e-4));
}

/**
 * A TensorFlow.js-trained path as the float64 discrete representation's step records: batch loss derivatives
 * recomputed in float64, and each step's UpdateRule from our float64 twin of TensorFlow.js's optimiser fed with
 * the gradients along the path (./tfjsTrajectory.ts; the rules are checked against TensorFlow.js's steps in
 * ./tfjsOptimizers.property.ts).
 */
function stepRecords(problem: TrainingProblem, path: readonly Float64Array[], batches: readonly (readonly number[])[], optimizer: TfjsOptimizerSpec, eps: number): StepRecord[] {
  const steps = pathSteps(path);
  const rules = rulesAlong(problem, path, batches, optimizer, eps);
  return steps.map((update, s) => {
    const w = path[s]!;
    // The segment w_s + tau Delta w_s must end exactly at w_{s+1}, or the telescoping sum would not be exact.
    const end = path[s + 1]!;
    for (let j = 0; j < w.length; j++) if (w[j]! + update[j]! !== end[j]) throw new Error(`step ${s}: w_s + Delta w_s differs from w_{s+1} at ${j}`);
    const batch = batches[s]!;
    const xb = selectRows(problem.xTrain, batch);
    const yb = selectRows(problem.yTrain, batch);
    const lossDerivativesAtW = lossDerivatives(problem.loss, problem.model.forward(w, xb), yb, problem.reduction ?? 'sum');
    return { s, eps: Math.fround(eps), w, update, batch, lossDerivatives: lossDerivativesAtW, rule: rules[s]! };
  });
}

/** The exact (and left-point) representation at the queries along a recorded path. */
function representAlong(problem: TrainingProblem, queries: Matrix, records: readonly StepRecord[], path: readonly Float64Array[]): { rep: DiscreteRepresentation; absIncrements: number } {
  const acc = discretePath(problem, queries, path[0]!, { perExample: false, adaptive: { tol: QUAD_TOL, maxDepth: QUAD_MAX_DEPTH } });
  let absIncrements = 0;
  let before = problem.model.forward(path[0]!, queries).data;
  records.forEach((r, s) => {
    acc.onStep(r);
    const after = problem.model.forward(path[s + 1]!, queries).data;
    absIncrements += before.reduce((sum, v, i) => sum + Math.abs(after[i]! - v), 0);
    before = after;
  });
  return { rep: acc.result(path[path.length - 1]!), absIncrements };
}

interface PathCheck {
  /** max |exact - TF.js| / (float32 tolerance), over outputs. */
  readonly ratio: number;
  /** max |exact - TF.js| / max |f(x; w_S)|. */
  readonly relativeGap: number;
  /** max |exact - f64(x; w_S)| / scale: the float64 residual of the representation. */
  readonly float64Residual: number;
  /** max |left point - exact| / max |f(x; w_S) - f(x; w_0)|: Domingos' gap. */
  readonly leftPointGap: number;
  /** The largest float32 tolerance entry (absolute). */
  readonly float32Tolerance: number;
  /** max |exact - TF.js at w_{S-1}| / float32 tolerance: how clearly one missing step would show. */
  readonly oneStepRatio: number;
}

/** Train with TensorFlow.js, represent in float64, compare with TensorFlow.js's float32 outputs at w_S. */
function checkPath(
  c: { model: Model; problem: TrainingProblem; w0: Float64Array; queries: Matrix },
  optimizer: TfjsOptimizerSpec,
  eps: number,
  steps: number,
  what: string,
  batches?: (s: number) => readonly number[],
): PathCheck {
  const tm = compileTfjs(runtime.tf, c.model);
  const problem = float32Problem(c.problem);
  const queries = roundMatrixToFloat32(c.queries);
  const run = trainTfjs(tm, problem, c.w0, batches ? { optimizer, eps, steps, batches } : { optimizer, eps, steps });
  const { rep, absIncrements } = representAlong(problem, queries, stepRecords(problem, run.path, run.batches, optimizer, eps), run.path);
  const wS = run.path[run.path.length - 1]!;
  const tf32 = tfjsForward(tm, wS, queries);
  const tf32Before = tfjsForward(tm, run.path[run.path.length - 2] ?? wS, queries);
  const tol = forwardTolerance(c.model, wS, queries, problem.xTrain.rows);
  let oneStep = 0;
  let ratio = 0;
  let gap = 0;
  let residual = 0;
  let leftGap = 0;
  const fmax = Math.max(...Array.from(rep.fS.data, Math.abs));
  const change = Math.max(...Array.from(rep.fS.data, (v, i) => Math.abs(v - rep.f0.data[i]!)));
  for (let r = 0; r < rep.fS.data.length; r++) {
    const scale = Math.abs(rep.f0.data[r]!) + Math.abs(rep.fS.data[r]!) + absIncrements;
    const res = Math.abs(rep.exact.data[r]! - rep.fS.data[r]!);
    residual = Math.max(residual, res / scale);
    if (res > EXACT_RTOL * scale) throw new Error(`${what}: the float64 representation misses f64(x; w_S) by ${res} (relative ${(res / scale).toExponential(3)}); seed ${SEED}; replay: ${replayCommand(FILE)}`);
    const d = Math.abs(rep.exact.data[r]! - tf32.data[r]!);
    gap = Math.max(gap, d / fmax);
    ratio = Math.max(ratio, d / tol.data[r]!);
    oneStep = Math.max(oneStep, Math.abs(rep.exact.data[r]! - tf32Before.data[r]!) / tol.data[r]!);
    leftGap = Math.max(leftGap, Math.abs(rep.leftPoint.data[r]! - rep.exact.data[r]!) / change);
    if (!(d <= tol.data[r]!)) {
      throw new Error(`${what} (${run.call}, ${steps} steps): exact representation ${rep.exact.data[r]} vs TensorFlow.js ${tf32.data[r]} at output ${r}: |gap| ${d.toExponential(3)} > float32 tolerance ${tol.data[r]!.toExponential(3)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
    }
  }
  return { ratio, relativeGap: gap, float64Residual: residual, leftPointGap: leftGap, float32Tolerance: Math.max(...tol.data), oneStepRatio: oneStep };
}

const optimizers: readonly TfjsOptimizerSpec[] = [
  { kind: 'sgd' },
  { kind: 'momentum', momentum: 0.9 },
  { kind: 'momentum', momentum: 0.9, nesterov: true },
  { kind: 'adam' },
];

function teacherProblem(spec: ModelSpecInput, loss: Loss, m: number, seed: number): { model: Model; problem: TrainingProblem; w0: Float64Array; queries: Matrix } {
  const model = compileModel(spec);
  const r = rng(seed).stream('data');
  const uniform = (rows: number, cols: number, lo: number, hi: number) => matrix(rows, cols, Float64Array.from({ length: rows * cols }, () => r.uniformIn(lo, hi)));
  const xTrain = uniform(m, model.inputDim, -1.5, 1.5);
  const O = model.outputDim;
  const yTrain = loss === squared ? uniform(m, O, -1, 1) : matrix(m, 1, Array.from({ length: m }, () => r.int(loss === binaryLogistic ? 2 : O)));
  return { model, problem: { model, loss, xTrain, yTrain }, w0: roundToFloat32(model.init(rng(seed).stream('init'))), queries: uniform(4, model.inputDim, -1.5, 1.5) };
}

describe('TensorFlow.js: a practitioners’ framework, float32', () => {
  claimTest(['xfw.tfjs'], 'TensorFlow.js loads with the best available backend and weights move both ways in the shared flat layout', (ctx) => {
    recordFigure(ctx, 'backend', runtime.backend);
    recordFigure(ctx, 'backend reason', runtime.reason);
    recordFigure(ctx, 'TensorFlow.js version', runtime.version);
    const c = teacherProblem({ kind: 'mlp', inputDim: 3, outputDim: 2, parametrisation: 'ntk', layers: [{ width: 5, activation: 'gelu', norm: 'layer' }, { width: 5, activation: 'tanh', residual: true }] }, squared, 6, SEED);
    const tm = compileTfjs(runtime.tf, c.model);
    // float64 -> float32 rounds to nearest; float32 -> float64 is exact, so a float32 vector survives the round trip.
    const w64 = c.model.init(rng(SEED + 1).stream('init'));
    const t = paramsToTfjs(runtime.tf, w64);
    const back = tensorToFloat64(t);
    t.dispose();
    expect(Array.from(back)).toEqual(Array.from(w64, Math.fround));
    expect(Array.from(roundToFloat32(back))).toEqual(Array.from(back));
    // The same flat vector gives the same function in both engines, within float32 rounding.
    const X = roundMatrixToFloat32(c.queries);
    const y32 = tfjsForward(tm, back, X);
    const y64 = c.model.forward(back, X);
    const tol = forwardTolerance(c.model, back, X);
    let ratio = 0;
    y64.data.forEach((v, i) => {
      ratio = Math.max(ratio, Math.abs(v - y32.data[i]!) / tol.data[i]!);
    });
    recordFigure(ctx, 'forward gap / float32 tolerance', ratio);
    expect(ratio).toBeLessThanOrEqual(1);
  }, { evidence: { 'xfw.tfjs': verifiedAgainst('TensorFlow.js', 'the flat layout round-trips exactly through float32, and the same vector gives the same function in TensorFlow.js (layer norm, residual, NTK multipliers) within the float32 forward bound') } });

  claimTest(['xfw.tfjs'], 'gradients from TensorFlow.js (tf.valueAndGrad, float32) agree with the float64 engine within float32 rounding', (ctx) => {
    let worstRatio = 0;
    let worstRelative = 0;
    const ledger = caseLedger(ctx, 'TensorFlow.js gradients', FILE);
    const specs = fc.oneof({ weight: 9, arbitrary: mlpSpecArb({ relu: true }) }, { weight: 1, arbitrary: fc.constant<ModelSpecInput>({ kind: 'sine' }) });
    fc.assert(
      fc.property(
        flowCaseArb({ losses: ['squared', 'binaryLogistic', 'softmaxCrossEntropy'] }, specs),
        fc.constantFrom('sum' as const, 'mean' as const),
        fc.constantFrom(0, 0.1),
        (c: FlowCase, reduction, weightDecay) => {
          const problem = { ...float32Problem(c.problem), reduction, weightDecay };
          const w = roundToFloat32(c.w0);
          ledger.draw();
          if (nearReluKink(c.model, w, problem.xTrain)) ledger.skip('a ReLU pre-activation within 1e-4 of its kink');
          const tm = compileTfjs(runtime.tf, c.model);
          const g32 = tfjsLossGradient(tm, problem, w).gradient;
          const g64 = lossGradient(problem, w).gradient;
          const tol = gradientTolerance(c.model, problem.loss, w, problem.xTrain, problem.yTrain, reduction, weightDecay);
          const err = maxAbsDiff(g32, g64);
          const gmax = Math.max(...Array.from(g64, Math.abs));
          worstRatio = Math.max(worstRatio, err / tol);
          if (gmax > 0) worstRelative = Math.max(worstRelative, err / gmax);
          if (!(err <= tol)) {
            throw new Error(`TensorFlow.js gradient off by ${err.toExponential(3)} (max |g| ${gmax.toExponential(3)}) > tolerance ${tol.toExponential(3)}; ${reduction}, weight decay ${weightDecay}; ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
        },
      ),
      propertyParameters(40),
    );
    recordFigure(ctx, 'worst gradient gap / float32 tolerance', worstRatio);
    recordFigure(ctx, 'worst gradient gap / max |gradient|', worstRelative);
    recordFigure(ctx, 'cases', ledger.drawn);
    recordEvidence(ctx, 'xfw.tfjs', verifiedAgainst('TensorFlow.js', `tf.valueAndGrad gradients on ${ledger.drawn} generated architectures (ReLU, sine), losses, sum and mean, weight decay, within the derived float32 gradient bound`));
  });

  it('the float32 gradient tolerance is tight enough to see a change of 1e-3 in one layer', () => {
    // The check can fail: the engine's gradient at weights whose output layer is scaled by 1 + 1e-3 (as a
    // wrong multiplier would be) sits outside the tolerance of TensorFlow.js's gradient at the true weights.
    const c = teacherProblem({ kind: 'mlp', inputDim: 3, layers: [{ width: 8, activation: 'tanh' }] }, squared, 6, SEED);
    const problem = float32Problem(c.problem);
    const tm = compileTfjs(runtime.tf, c.model);
    const g32 = tfjsLossGradient(tm, problem, c.w0).gradient;
    const out = c.model.layout.find((b) => b.name === 'out.W')!;
    const wrong = c.w0.map((v, j) => (j >= out.offset && j < out.offset + out.rows * out.cols ? v * (1 + 1e-3) : v));
    const tol = gradientTolerance(c.model, problem.loss, c.w0, problem.xTrain, problem.yTrain);
    expect(maxAbsDiff(g32, lossGradient(problem, c.w0).gradient)).toBeLessThanOrEqual(tol);
    expect(maxAbsDiff(g32, lossGradient(problem, wrong).gradient)).toBeGreaterThan(tol);
  });

  claimTest(['xfw.tfjs', 'disc.exact-path-kernel'], 'along paths trained by tf.train.sgd, momentum, Nesterov and adam, the exact representation in float64 reproduces TensorFlow.js’s float32 outputs at w_S to float32 precision', (ctx) => {
    const steps = DEEP ? 60 : 30;
    const named = [
      { what: 'MLP 3-8-1 tanh, squared loss', c: teacherProblem({ kind: 'mlp', inputDim: 3, layers: [{ width: 8, activation: 'tanh' }] }, squared, 6, SEED), eps: 0.05 },
      { what: 'MLP 4-6-3 gelu, softmax cross-entropy', c: teacherProblem({ kind: 'mlp', inputDim: 4, outputDim: 3, layers: [{ width: 6, activation: 'gelu' }] }, softmaxCrossEntropy, 8, SEED), eps: 0.05 },
      { what: 'MLP 2-5-5-1 muP, layer norm + residual, logistic loss', c: teacherProblem({ kind: 'mlp', inputDim: 2, parametrisation: 'mup', layers: [{ width: 5, activation: 'softplus', norm: 'layer' }, { width: 5, activation: 'sin', residual: true }] }, binaryLogistic, 6, SEED), eps: 0.02 },
    ];
    let worstRatio = 0;
    let worstGap = 0;
    let worstResidual = 0;
    let worstTolerance = 0;
    let runs = 0;
    const record = (r: PathCheck) => {
      worstRatio = Math.max(worstRatio, r.ratio);
      worstGap = Math.max(worstGap, r.relativeGap);
      worstResidual = Math.max(worstResidual, r.float64Residual);
      worstTolerance = Math.max(worstTolerance, r.float32Tolerance);
      runs++;
    };
    let weakestOneStep = Infinity;
    for (const n of named) {
      // Every optimiser on the first model; two on the others (the file keeps to its time budget).
      const chosen = n === named[0] ? optimizers : [optimizers[2]!, optimizers[3]!];
      for (const opt of chosen) {
        const r = checkPath(n.c, opt, opt.kind === 'adam' ? n.eps / 5 : n.eps, steps, n.what);
        record(r);
        // The check can fail: TensorFlow.js's outputs one step early sit outside the float32 tolerance.
        weakestOneStep = Math.min(weakestOneStep, r.oneStepRatio);
        expect(r.oneStepRatio, `${n.what}: one missing step would hide within the float32 tolerance`).toBeGreaterThan(1);
      }
    }
    // Generated smooth architectures, losses and optimisers, full batch or seeded mini-batches. A run that
    // diverges has no finite w_S to represent: it is counted per optimiser and eps, as a finding.
    let minibatchRuns = 0;
    const ledger = caseLedger(ctx, 'generated TensorFlow.js paths', FILE);
    fc.assert(
      fc.property(flowCaseArb({ losses: ['squared', 'binaryLogistic', 'softmaxCrossEntropy'], maxTrain: 4, maxQueries: 2 }), fc.constantFrom(...optimizers), fc.constantFrom(0.01, 0.03), fc.option(fc.nat({ max: 1000 }), { nil: null }), (c, opt, eps, batchSeed) => {
        ledger.draw();
        const w0 = roundToFloat32(c.w0);
        const m = c.problem.xTrain.rows;
        const batches = batchSeed === null || m < 2 ? undefined : batchSchedule({ kind: 'seeded', size: Math.ceil(m / 2), seed: batchSeed }, m);
        if (batches) minibatchRuns++;
        try {
          record(checkPath({ ...c, w0 }, opt, eps, DEEP ? 40 : 15, `${describeFlowCase(c)}${batches ? `, mini-batches seed ${batchSeed}` : ''}`, batches));
        } catch (e) {
          if (!(e instanceof RangeError && /diverged/.test(e.message))) throw e;
          ledger.find(`diverged: ${opt.kind === 'momentum' && opt.nesterov ? 'nesterov' : opt.kind} eps ${eps}`);
        }
      }),
      propertyParameters(8),
    );
    recordFigure(ctx, 'backend', runtime.backend);
    recordFigure(ctx, 'worst |exact - TensorFlow.js| / max |f(x; w_S)|', worstGap);
    recordFigure(ctx, 'worst |exact - TensorFlow.js| / float32 tolerance', worstRatio);
    recordFigure(ctx, 'largest float32 tolerance (absolute)', worstTolerance);
    recordFigure(ctx, 'worst float64 residual of the representation', worstResidual);
    recordFigure(ctx, 'runs', runs);
    recordFigure(ctx, 'runs with mini-batches', minibatchRuns);
    recordFigure(ctx, 'one missing step / float32 tolerance (smallest, named runs)', weakestOneStep);
    const detail = `${runs} paths of tf.train.sgd, momentum, Nesterov and adam (${runtime.backend} backend), full batch and seeded mini-batches`;
    recordEvidence(ctx, 'xfw.tfjs', verifiedAgainst('TensorFlow.js', `${detail}: the float64 representation along TensorFlow.js's iterates reproduces its own float32 outputs at w_S within the float32 forward bound`));
    recordEvidence(ctx, 'disc.exact-path-kernel', verifiedAgainst('TensorFlow.js', `${detail}: f(x; w_0) + sum_s of the segment integrals equals TensorFlow.js's f(x; w_S) to float32, for paths our code did not produce`));
  });

  claimTest(['xfw.tfjs', 'rate.first-order'], "Domingos' continuous formula (left-point form) on a TensorFlow.js path is off by O(eps): its order decided by refinement of eps", (ctx) => {
    const T = 0.5;
    const c = teacherProblem({ kind: 'mlp', inputDim: 3, layers: [{ width: 8, activation: 'tanh' }] }, squared, 6, SEED);
    let floor = 0;
    // eps = T / (8 2^k). The float32 path resolves the gap only to its rounding floor, which these problems
    // reach near eps = 0.005 (S = 100): a sweep from 0.02 had three levels above it, one short of the four
    // (two contracting local slopes) that a settled order needs, and stopped inconclusive on some seeds.
    // Starting at S = 8 puts five levels above it.
    const S0 = 8;
    const order = orderByRefinement({
      x: (level) => T / (S0 * 2 ** level),
      error: (level) => {
        const eps = T / (S0 * 2 ** level);
        const r = checkPath(c, { kind: 'sgd' }, eps, Math.round(T / eps), `MLP 3-8-1, tf.train.sgd(${eps})`);
        floor = Math.max(floor, r.relativeGap);
        return r.leftPointGap;
      },
      // The path is float32: no relative quantity on it resolves below u32.
      floor: UNIT_ROUNDOFF_F32,
      // Intervals of a quarter (separatingHalfWidth): rounding of 1/100 moves a slope by 0.03 at most, and the
      // interval carries that term (the margin verdict.ts documents for such targets; its default 1000 stopped
      // this float32 sweep while the slopes were still settling, seed 323301177).
      roundingMargin: 100,
      maxLevels: DEEP ? 9 : 7,
      targetHalfWidth: separatingHalfWidth(LEFT_POINT_RULE),
    });
    const verdict = decideLaw(LEFT_POINT_RULE, order.estimate, order.halfWidth);
    recordSeries(ctx, { name: "Domingos' left-point form on a TensorFlow.js path", claim: 'xfw.tfjs', xLabel: 'eps', yLabel: 'max |left point - exact| / max |f(x; w_S) - f(x; w_0)|', x: order.xs, y: order.errors });
    recordFigure(ctx, 'order of the left-point gap', order.estimate);
    recordFigure(ctx, 'half-width', order.halfWidth);
    recordFigure(ctx, 'local orders', order.localSlopes.map((v) => v.toFixed(3)).join(', '));
    recordFigure(ctx, 'refinement stopped', order.stop);
    recordFigure(ctx, 'float32 gap of the exact representation (worst)', floor);
    recordEvidence(ctx, 'rate.first-order', lawEvidence(LEFT_POINT_RULE, verdict, order.estimate, order.halfWidth, countVerdicts([verdict]), `tf.train.sgd paths (float32, ${runtime.backend}) of an MLP 3-8-1 at eps T / (8 2^k), ${order.xs.length} levels`));
    // Every path of the sweep also had its exact representation checked against TensorFlow.js's outputs.
    recordEvidence(ctx, 'xfw.tfjs', verifiedAgainst('TensorFlow.js', `the exact representation along ${order.xs.length} tf.train.sgd paths reproduces TensorFlow.js's outputs at w_S within the float32 bound`));
  });
});
