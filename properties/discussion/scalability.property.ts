/**
 * disc.scalability — section 3: evaluating the trained model at a query costs the same whatever the number
 * of training examples m, while the path-kernel machine needs every training point and the whole path (the
 * HN thread: a query costs about as much as training).
 *
 * Measured by counting, not by timing (wall clock belongs to `npm run bench`, which times the same two
 * evaluations): a wrapper around the model counts the input rows it evaluates (every forward pass, JVP and
 * reverse pass starts from a trace of some rows). At one new query x, after S steps of GD on m points:
 * - the model, f(x; w_S): one trace of one row, whatever m and S;
 * - the exact discrete path-kernel machine (disc.exact-path-kernel, 8 Gauss nodes), which writes f(x; w_S)
 *   as f(x; w_0) + sum_i sum_s (example i's exact share of step s): per step, the query at every node and at
 *   the step's start, and every training point at the step's start. The training rows are exactly m S; the
 *   query rows are (nodes + 1) S + 2, so the total's slope in m approaches 1 from below as m outgrows
 *   nodes + 1. Training itself evaluates the same m S training rows, so one query costs about one training
 *   run: their ratio is 1 + ((nodes + 1) S + 2) / (m S).
 * The replayed machine is checked to reproduce f(x; w_S), so what is counted is the working machine.
 */
import { describe, expect } from 'vitest';
import { matrix, rng, type Matrix } from '../../src/core/index.js';
import { discretePath } from '../../src/kernels/index.js';
import { fitLogLog } from '../../src/laws/index.js';
import { squared } from '../../src/losses/index.js';
import { compileModel, type Model } from '../../src/models/index.js';
import { train, type StepRecord, type TrainingProblem } from '../../src/train/index.js';
import { claimTest, recordFigure, recordSeries } from '../arbitraries/claims.js';
import { DEEP, SEED } from '../arbitraries/config.js';

const NODES = 8;
const EPS = 0.01;
const M_LIST = DEEP ? [4, 8, 16, 32, 64, 128, 256] : [4, 8, 16, 32, 64, 128];
const S_LIST = DEEP ? [4, 8, 16, 32, 64, 128] : [4, 8, 16, 32, 64];
const M_FIXED = 16;
const S_FIXED = 16;
// Counts are exact integers, so their slopes are exact up to the fit's rounding: a constant count has slope
// 0 and a count proportional to m or S has slope 1, to about 1e-15. SLOPE_TOL only absorbs that rounding.
const SLOPE_TOL = 1e-9;
// The replayed machine reproduces f(x; w_S) to quadrature and rounding (disc.exact-path-kernel's own bound).
const EXACT_RTOL = 1e-12;

interface Counts {
  /** Rows evaluated at the query. */
  query: number;
  /** Rows of training inputs evaluated. */
  training: number;
}

/** The model, with every trace counted by whose rows it evaluates. */
function counting(model: Model, queries: Matrix, counts: Counts): Model {
  const trace: Model['trace'] = (w, X) => {
    if (X === queries) counts.query += X.rows;
    else counts.training += X.rows;
    return model.trace(w, X);
  };
  return { ...model, trace, forward: (w, X) => trace(w, X).output.value };
}

interface Case {
  readonly problem: TrainingProblem;
  readonly w0: Float64Array;
  readonly query: Matrix;
}

function setup(m: number): Case {
  const r = rng(SEED);
  const model = compileModel({ kind: 'mlp', inputDim: 3, layers: [{ width: 8, activation: 'tanh' }, { width: 8, activation: 'tanh' }] });
  const data = r.stream('data');
  const xTrain = matrix(m, 3, Array.from({ length: 3 * m }, () => data.normal()));
  const yTrain = matrix(m, 1, Array.from({ length: m }, (_, i) => Math.sin(xTrain.data[3 * i]!) + 0.5 * xTrain.data[3 * i + 1]!));
  const query = matrix(1, 3, Array.from({ length: 3 }, () => data.normal()));
  return { problem: { model, loss: squared, xTrain, yTrain, reduction: 'mean' }, w0: model.init(r.stream('init')), query };
}

interface Measurement {
  readonly model: Counts;
  readonly machine: Counts;
  readonly training: Counts;
}

/** Train S steps on m points (counted), then evaluate the model and the kernel machine at one new query. */
function measure(m: number, S: number): Measurement {
  const c = setup(m);
  const trainingCounts: Counts = { query: 0, training: 0 };
  const steps: StepRecord[] = [];
  const trained = train({ ...c.problem, model: counting(c.problem.model, c.query, trainingCounts) }, c.w0, { optimizer: { kind: 'gd' }, eps: EPS, steps: S, onStep: (s) => steps.push(s) });
  const modelCounts: Counts = { query: 0, training: 0 };
  const fS = counting(c.problem.model, c.query, modelCounts).forward(trained.wS, c.query);
  // The kernel machine at a query chosen after training: replay the recorded path through it.
  const machineCounts: Counts = { query: 0, training: 0 };
  const machineProblem = { ...c.problem, model: counting(c.problem.model, c.query, machineCounts) };
  const acc = discretePath(machineProblem, c.query, c.w0, { nodes: NODES, errorEstimate: false });
  steps.forEach(acc.onStep);
  const rep = acc.result(trained.wS);
  let sum = rep.f0.data[0]!;
  for (let i = 0; i < m; i++) sum += rep.contributions!.data[i]!;
  const scale = Math.abs(rep.f0.data[0]!) + Math.abs(fS.data[0]!) + 1;
  if (Math.abs(sum - fS.data[0]!) > EXACT_RTOL * scale) {
    throw new Error(`m ${m}, S ${S}: the kernel machine gives ${sum}, the model ${fS.data[0]}; seed ${SEED}`);
  }
  return { model: modelCounts, machine: machineCounts, training: trainingCounts };
}

const total = (c: Counts) => c.query + c.training;

describe('section 3: the kernel machine needs every training point and the whole path', () => {
  claimTest(['disc.scalability'], 'a query costs the model one evaluation whatever m and S, and the path-kernel machine m S training evaluations: about one training run', (ctx) => {
    const byM = M_LIST.map((m) => measure(m, S_FIXED));
    const byS = S_LIST.map((S) => measure(M_FIXED, S));
    const slopes = {
      modelM: fitLogLog(M_LIST, byM.map((r) => total(r.model))).slope,
      modelS: fitLogLog(S_LIST, byS.map((r) => total(r.model))).slope,
      machineTrainingM: fitLogLog(M_LIST, byM.map((r) => r.machine.training)).slope,
      machineTrainingS: fitLogLog(S_LIST, byS.map((r) => r.machine.training)).slope,
      machineTotalM: fitLogLog(M_LIST, byM.map((r) => total(r.machine))),
      machineTotalS: fitLogLog(S_LIST, byS.map((r) => total(r.machine))).slope,
    };
    // Exact counts first: the model evaluates the query once; the machine every training point at every step.
    byM.forEach((r, k) => {
      expect(total(r.model), `model rows at m = ${M_LIST[k]}`).toBe(1);
      expect(r.machine.training, `machine training rows at m = ${M_LIST[k]}`).toBe(M_LIST[k]! * S_FIXED);
      expect(r.machine.query).toBe((NODES + 1) * S_FIXED + 2);
    });
    byS.forEach((r, k) => {
      expect(total(r.model)).toBe(1);
      expect(r.machine.training).toBe(M_FIXED * S_LIST[k]!);
    });
    expect(Math.abs(slopes.modelM)).toBeLessThan(SLOPE_TOL);
    expect(Math.abs(slopes.modelS)).toBeLessThan(SLOPE_TOL);
    expect(Math.abs(slopes.machineTrainingM - 1)).toBeLessThan(SLOPE_TOL);
    expect(Math.abs(slopes.machineTrainingS - 1)).toBeLessThan(SLOPE_TOL);
    // Every per-step cost scales with S, so the total's slope in S is 1 up to the 2 rows of f(x; w_0), f(x; w_S).
    expect(Math.abs(slopes.machineTotalS - 1)).toBeLessThan(0.01);
    // In m the query's own (nodes + 1) S rows dilute the slope; it rises towards 1 as m grows.
    const local = slopes.machineTotalM.localSlopes;
    expect(local.every((s, k) => k === 0 || s >= local[k - 1]!), `local slopes ${local}`).toBe(true);
    expect(local.at(-1)!).toBeGreaterThan(0.85);
    // One query against one training run: both evaluate the m S training rows; the query adds its own.
    const ratios = byM.map((r) => total(r.machine) / total(r.training));
    ratios.forEach((ratio, k) => expect(ratio).toBeCloseTo(1 + ((NODES + 1) * S_FIXED + 2) / (M_LIST[k]! * S_FIXED), 12));

    recordFigure(ctx, 'model: slope in m', slopes.modelM);
    recordFigure(ctx, 'model: slope in S', slopes.modelS);
    recordFigure(ctx, 'kernel machine, training rows: slope in m', slopes.machineTrainingM);
    recordFigure(ctx, 'kernel machine, training rows: slope in S', slopes.machineTrainingS);
    recordFigure(ctx, 'kernel machine, all rows: slope in S', slopes.machineTotalS);
    recordFigure(ctx, 'kernel machine, all rows: slope in m (fit; last local slope)', `${slopes.machineTotalM.slope.toFixed(3)}; ${local.at(-1)!.toFixed(3)}`);
    recordFigure(ctx, `one query / one training run (rows), m = ${M_LIST.at(-1)}`, ratios.at(-1)!);
    recordSeries(ctx, { name: `rows evaluated per query against m (S = ${S_FIXED}): kernel machine`, xLabel: 'training points m', yLabel: 'rows evaluated', x: M_LIST, y: byM.map((r) => total(r.machine)), fit: { slope: slopes.machineTotalM.slope, intercept: slopes.machineTotalM.intercept } });
    recordSeries(ctx, { name: `rows evaluated per query against m (S = ${S_FIXED}): model`, xLabel: 'training points m', yLabel: 'rows evaluated', x: M_LIST, y: byM.map((r) => total(r.model)), fit: { slope: slopes.modelM, intercept: 0 } });
    recordSeries(ctx, { name: `rows evaluated per query against S (m = ${M_FIXED}): kernel machine`, xLabel: 'GD steps S', yLabel: 'rows evaluated', x: S_LIST, y: byS.map((r) => total(r.machine)), fit: { slope: slopes.machineTotalS, intercept: fitLogLog(S_LIST, byS.map((r) => total(r.machine))).intercept } });
    recordSeries(ctx, { name: `rows evaluated per query against S (m = ${M_FIXED}): model`, xLabel: 'GD steps S', yLabel: 'rows evaluated', x: S_LIST, y: byS.map((r) => total(r.model)), fit: { slope: slopes.modelS, intercept: 0 } });
  });
});
