/**
 * xfw.tfjs — models trained by a practitioners' framework. TensorFlow.js (float32, its own optimisers and
 * automatic differentiation) trains the model; the float64 engine only reads the recorded iterates.
 * - Its gradients agree with the float64 engine's within float32 rounding (tolerance derived in ./float32.ts),
 *   on generated architectures, losses, reductions and weight decay.
 * - Along a path trained by tf.train.sgd, tf.train.momentum (heavy ball and Nesterov) or tf.train.adam, the
 *   exact discrete representation computed in float64 from the recorded float32 iterates reproduces
 *   TensorFlow.js's own float32 outputs at w_S to float32 precision (in float64 it is exact).
 * - Domingos' continuous formula (the left-point form) on the same kind of path is off by O(eps).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect } from 'vitest';
import { matrix, rng, selectRows, type Matrix } from '../../src/core/index.js';
import { compileTfjs, loadTfjs, pathSteps, roundMatrixToFloat32, roundToFloat32, tfjsForward, tfjsLossGradient, trainTfjs, paramsToTfjs, tensorToFloat64, type TfjsOptimizerSpec, type TfjsRuntime } from '../../src/frameworks/index.js';
import { discretePath, type DiscreteRepresentation } from '../../src/kernels/index.js';
import { fitLogLog } from '../../src/laws/index.js';
import { binaryLogistic, lossDerivatives, softmaxCrossEntropy, squared, type Loss } from '../../src/losses/index.js';
import { compileModel, type Model, type ModelSpecInput } from '../../src/models/index.js';
import { batchSchedule, lossGradient, type StepRecord, type TrainingProblem } from '../../src/train/index.js';
import { claimTest, recordFigure, recordSeries } from '../arbitraries/claims.js';
import { DEEP, propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { mlpSpecArb } from '../arbitraries/models.js';
import { describeFlowCase, flowCaseArb, type FlowCase } from '../arbitraries/problems.js';
import { forwardTolerance, gradientTolerance } from './float32.js';

const FILE = 'properties/frameworks/tfjs.property.ts';

// The float64 part of the exact representation: adaptive Gauss-Legendre (8 nodes, halving until two
// estimates agree to QUAD_TOL on the outputs) and float64 rounding of S segment sums, relative to
// |f0| + |fS| + sum_s |Delta f_s|; as in properties/discrete/exactPathKernel.property.ts.
const QUAD_TOL = 1e-15;
const EXACT_RTOL = 1e-12;

// Domingos' left-point form is off by 1/2 sum_s Delta w^T Hess f Delta w = O(eps) at fixed T. With a gap
// C1 eps (1 + c eps), the local slope between eps and eps/2 is 1 + log2((1 + c eps) / (1 + c eps / 2)), whose
// excess over 1 halves with each halving of eps; the slope between the two smallest learning rates must be
// 1 within this margin (measured over seeds: at most 0.07 at eps = 0.005 -> 0.0025).
const SLOPE_MARGIN = 0.15;

// The O(eps) gap must stand far above the float32 floor at the smallest eps of the sweep, or the sweep would
// measure rounding rather than Domingos' approximation.
const GAP_OVER_FLOAT32 = 100;

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

/** A TensorFlow.js-trained path as the float64 discrete representation's step records (batch loss derivatives recomputed in float64). */
function stepRecords(problem: TrainingProblem, path: readonly Float64Array[], batches: readonly (readonly number[])[], eps: number): StepRecord[] {
  const steps = pathSteps(path);
  return steps.map((update, s) => {
    const w = path[s]!;
    // The segment w_s + tau Delta w_s must end exactly at w_{s+1}, or the telescoping sum would not be exact.
    const end = path[s + 1]!;
    for (let j = 0; j < w.length; j++) if (w[j]! + update[j]! !== end[j]) throw new Error(`step ${s}: w_s + Delta w_s differs from w_{s+1} at ${j}`);
    const batch = batches[s]!;
    const xb = selectRows(problem.xTrain, batch);
    const yb = selectRows(problem.yTrain, batch);
    const lossDerivativesAtW = lossDerivatives(problem.loss, problem.model.forward(w, xb), yb, problem.reduction ?? 'sum');
    // The segment integral sum_s int grad f . Delta w_s is exact whatever produced Delta w_s, so GD's rule
    // stands in for TensorFlow.js's optimiser (it would matter only for a per-example split, not made here).
    return { s, eps, w, update, batch, lossDerivatives: lossDerivativesAtW, rule: { decay: 0, gain: 1, mix: 1, direct: 0, preconditioner: null, decoupledDecay: 0 } };
  });
}

/** The exact (and left-point) representation at the queries along a recorded path. */
function representAlong(problem: TrainingProblem, queries: Matrix, records: readonly StepRecord[], path: readonly Float64Array[]): { rep: DiscreteRepresentation; absIncrements: number } {
  const acc = discretePath(problem, queries, path[0]!, { perExample: false, adaptive: { tol: QUAD_TOL, maxDepth: 8 } });
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
  const { rep, absIncrements } = representAlong(problem, queries, stepRecords(problem, run.path, run.batches, eps), run.path);
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
  });

  claimTest(['xfw.tfjs'], 'gradients from TensorFlow.js (tf.valueAndGrad, float32) agree with the float64 engine within float32 rounding', (ctx) => {
    let worstRatio = 0;
    let worstRelative = 0;
    let cases = 0;
    let nearKink = 0;
    const specs = fc.oneof({ weight: 9, arbitrary: mlpSpecArb({ relu: true }) }, { weight: 1, arbitrary: fc.constant<ModelSpecInput>({ kind: 'sine' }) });
    fc.assert(
      fc.property(
        flowCaseArb({ losses: ['squared', 'binaryLogistic', 'softmaxCrossEntropy'] }, specs),
        fc.constantFrom('sum' as const, 'mean' as const),
        fc.constantFrom(0, 0.1),
        (c: FlowCase, reduction, weightDecay) => {
          const problem = { ...float32Problem(c.problem), reduction, weightDecay };
          const w = roundToFloat32(c.w0);
          if (nearReluKink(c.model, w, problem.xTrain)) nearKink++;
          fc.pre(!nearReluKink(c.model, w, problem.xTrain));
          const tm = compileTfjs(runtime.tf, c.model);
          const g32 = tfjsLossGradient(tm, problem, w).gradient;
          const g64 = lossGradient(problem, w).gradient;
          const tol = gradientTolerance(c.model, problem.loss, w, problem.xTrain, problem.yTrain, reduction, weightDecay);
          const err = maxAbsDiff(g32, g64);
          const gmax = Math.max(...Array.from(g64, Math.abs));
          worstRatio = Math.max(worstRatio, err / tol);
          if (gmax > 0) worstRelative = Math.max(worstRelative, err / gmax);
          cases++;
          if (!(err <= tol)) {
            throw new Error(`TensorFlow.js gradient off by ${err.toExponential(3)} (max |g| ${gmax.toExponential(3)}) > tolerance ${tol.toExponential(3)}; ${reduction}, weight decay ${weightDecay}; ${describeFlowCase(c)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
        },
      ),
      propertyParameters(40),
    );
    recordFigure(ctx, 'worst gradient gap / float32 tolerance', worstRatio);
    recordFigure(ctx, 'worst gradient gap / max |gradient|', worstRelative);
    recordFigure(ctx, 'cases', cases);
    recordFigure(ctx, 'cases skipped with a ReLU pre-activation within 1e-4 of its kink', nearKink);
  });

  claimTest(['xfw.tfjs'], 'the float32 gradient tolerance is tight enough to see a change of 1e-3 in one layer', () => {
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
    // Generated smooth architectures, losses and optimisers, full batch or seeded mini-batches (SGD).
    let minibatchRuns = 0;
    fc.assert(
      fc.property(flowCaseArb({ losses: ['squared', 'binaryLogistic', 'softmaxCrossEntropy'], maxTrain: 4, maxQueries: 2 }), fc.constantFrom(...optimizers), fc.constantFrom(0.01, 0.03), fc.option(fc.nat({ max: 1000 }), { nil: null }), (c, opt, eps, batchSeed) => {
        const w0 = roundToFloat32(c.w0);
        const m = c.problem.xTrain.rows;
        const batches = batchSeed === null || m < 2 ? undefined : batchSchedule({ kind: 'seeded', size: Math.ceil(m / 2), seed: batchSeed }, m);
        if (batches) minibatchRuns++;
        try {
          record(checkPath({ ...c, w0 }, opt, eps, DEEP ? 40 : 15, `${describeFlowCase(c)}${batches ? `, mini-batches seed ${batchSeed}` : ''}`, batches));
        } catch (e) {
          // A diverging run has no finite w_S to represent: not a case of the claim.
          if (e instanceof RangeError && /diverged/.test(e.message)) fc.pre(false);
          throw e;
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
  });

  claimTest(['xfw.tfjs', 'rate.first-order'], "Domingos' continuous formula (left-point form) on a TensorFlow.js path is off by O(eps), far above the float32 floor", (ctx) => {
    const T = 0.5;
    const epsList = DEEP ? [0.02, 0.01, 0.005, 0.0025, 0.00125] : [0.02, 0.01, 0.005, 0.0025];
    const c = teacherProblem({ kind: 'mlp', inputDim: 3, layers: [{ width: 8, activation: 'tanh' }] }, squared, 6, SEED);
    const gaps: number[] = [];
    let floor = 0;
    for (const eps of epsList) {
      const r = checkPath(c, { kind: 'sgd' }, eps, Math.round(T / eps), `MLP 3-8-1, tf.train.sgd(${eps})`);
      gaps.push(r.leftPointGap);
      floor = Math.max(floor, r.relativeGap);
    }
    const fit = fitLogLog(epsList, gaps);
    recordSeries(ctx, { name: "Domingos' left-point form on a TensorFlow.js path", claim: 'xfw.tfjs', xLabel: 'eps', yLabel: 'max |left point - exact| / max |f(x; w_S) - f(x; w_0)|', x: epsList, y: gaps, fit: { slope: fit.slope, intercept: fit.intercept, halfWidth95: fit.slopeHalfWidth95 } });
    recordFigure(ctx, 'fitted order of the left-point gap', fit.slope);
    recordFigure(ctx, 'local orders', fit.localSlopes.map((v) => v.toFixed(3)).join(', '));
    recordFigure(ctx, `left-point gap at eps ${epsList[0]}`, gaps[0]!);
    recordFigure(ctx, `left-point gap at eps ${epsList[epsList.length - 1]}`, gaps[gaps.length - 1]!);
    recordFigure(ctx, 'float32 gap of the exact representation (worst)', floor);
    const settled = fit.localSlopes[fit.localSlopes.length - 1]!;
    expect(Math.abs(settled - 1), `local slopes ${fit.localSlopes.join(', ')}, gaps ${gaps.join(', ')}`).toBeLessThan(SLOPE_MARGIN);
    expect(gaps[gaps.length - 1]!, `smallest gap ${gaps[gaps.length - 1]} vs float32 gap ${floor}`).toBeGreaterThan(GAP_OVER_FLOAT32 * floor);
  });
});
