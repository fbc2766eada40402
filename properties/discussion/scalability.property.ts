/**
 * disc.scalability: section 3, evaluating the trained model at a query costs the same whatever the number
 * of training examples m, while the path-kernel machine needs every training point and the whole path (the
 * HN thread: a query costs about as much as training).
 *
 * Measured by counting, not by timing (wall clock belongs to `npm run bench`, which times the same two
 * evaluations): an instrumented model counts every evaluation it is asked for (trace and forward pass) and
 * the rows of each batch; every forward pass, JVP and reverse pass of the engine starts from such a trace. The
 * instrument is calibrated first (a forward pass of k rows counts k rows once; S steps of full-batch GD count
 * S evaluations of the m training rows). At one new query x, after S steps of GD on m points:
 * - the model, f(x; w_S);
 * - the exact discrete path-kernel machine (disc.exact-path-kernel, 8 Gauss nodes), which writes f(x; w_S)
 *   as f(x; w_0) + sum_i sum_s (example i's exact share of step s), replayed along the recorded path and
 *   checked to reproduce f(x; w_S), so that what is counted is the working machine.
 * The costs are laws in m and in S, decided by the local slopes of log(rows) as m (or S) doubles, with
 * intervals from how much those slopes still move (src/laws/verdict.ts): the model's slope is 0 (competitor
 * 1), the machine's 1 (competitor 0).
 */
import { describe, expect } from 'vitest';
import type { LawRule } from '../../src/claims/index.js';
import { matrix, rng, type Matrix } from '../../src/core/index.js';
import { discretePath } from '../../src/kernels/index.js';
import { countVerdicts, decideLaw, fitLogLog, refinementInterval } from '../../src/laws/index.js';
import { squared } from '../../src/losses/index.js';
import { compileModel, type Model } from '../../src/models/index.js';
import { train, type StepRecord, type TrainingProblem } from '../../src/train/index.js';
import { claimTest, lawEvidence, recordEvidence, recordFigure, recordSeries } from '../arbitraries/claims.js';
import { DEEP, SEED } from '../arbitraries/config.js';

const NODES = 8;
const EPS = 0.01;
const M_LIST = DEEP ? [4, 8, 16, 32, 64, 128, 256] : [4, 8, 16, 32, 64, 128];
const S_LIST = DEEP ? [4, 8, 16, 32, 64, 128] : [4, 8, 16, 32, 64];
const M_FIXED = 16;
const S_FIXED = 16;
// The replayed machine reproduces f(x; w_S) to quadrature and rounding (disc.exact-path-kernel's own bound).
const EXACT_RTOL = 1e-12;

// The laws, fixed before measuring. Rows evaluated per query against m (at S_FIXED) and against S (at M_FIXED).
const MODEL_IN_M: LawRule = {
  quantity: 'slope of log(rows the trained model evaluates for one query) in log m',
  expected: 0,
  competitor: 1,
  reason: 'f(x; w_S) is one forward pass of the query, whatever the training set; slope 1 would be a cost that grows with the training set like the kernel machine\'s',
};
const MODEL_IN_S: LawRule = { ...MODEL_IN_M, quantity: 'slope of log(rows the trained model evaluates for one query) in log S', reason: 'f(x; w_S) is one forward pass whatever the length of the path; slope 1 would be a cost that grows with the path like the kernel machine\'s' };
const MACHINE_IN_M: LawRule = {
  quantity: 'slope of log(rows the path-kernel machine evaluates for one query) in log m',
  expected: 1,
  competitor: 0,
  reason: 'the machine sums over every training point at every step (m S training rows, plus the query at every node of every step): its cost grows in proportion to m; slope 0 would be the model\'s cost',
};
const MACHINE_IN_S: LawRule = { ...MACHINE_IN_M, quantity: 'slope of log(rows the path-kernel machine evaluates for one query) in log S', reason: 'the machine replays every step of the path, each costing the training points and the query at every node: its cost grows in proportion to S; slope 0 would be the model\'s cost' };

interface Counts {
  /** Evaluations (traces) of the query. */
  queryCalls: number;
  /** Rows evaluated at the query. */
  query: number;
  /** Evaluations of training inputs. */
  trainingCalls: number;
  /** Rows of training inputs evaluated. */
  training: number;
}

const noCounts = (): Counts => ({ queryCalls: 0, query: 0, trainingCalls: 0, training: 0 });

/** The model, instrumented: every trace and every forward pass counted once, with its batch's rows. */
function counting(model: Model, queries: Matrix, counts: Counts): Model {
  const count = (X: Matrix) => {
    if (X === queries) {
      counts.queryCalls++;
      counts.query += X.rows;
    } else {
      counts.trainingCalls++;
      counts.training += X.rows;
    }
  };
  return {
    ...model,
    trace: (w, X) => {
      count(X);
      return model.trace(w, X);
    },
    forward: (w, X) => {
      count(X);
      return model.forward(w, X);
    },
  };
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
  /** Steps the trainer reported. */
  readonly steps: number;
}

/** Train S steps on m points (counted), then evaluate the model and the kernel machine at one new query. */
function measure(m: number, S: number): Measurement {
  const c = setup(m);
  const trainingCounts = noCounts();
  const steps: StepRecord[] = [];
  const trained = train({ ...c.problem, model: counting(c.problem.model, c.query, trainingCounts) }, c.w0, { optimizer: { kind: 'gd' }, eps: EPS, steps: S, onStep: (s) => steps.push(s) });
  const modelCounts = noCounts();
  const fS = counting(c.problem.model, c.query, modelCounts).forward(trained.wS, c.query);
  // The kernel machine at a query chosen after training: replay the recorded path through it.
  const machineCounts = noCounts();
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
  return { model: modelCounts, machine: machineCounts, training: trainingCounts, steps: steps.length };
}

const total = (c: Counts) => c.query + c.training;

/** The law's local slopes as the variable doubles, their interval, and the verdict against the rule. */
function law(rule: LawRule, xs: readonly number[], rows: readonly number[]) {
  // Counts are exact integers: no rounding floor.
  const { estimate, halfWidth, localSlopes } = refinementInterval(xs, rows);
  return { rule, estimate, halfWidth, localSlopes, verdict: decideLaw(rule, estimate, halfWidth) };
}

describe('section 3: the kernel machine needs every training point and the whole path', () => {
  claimTest(['disc.scalability'], 'a query costs the model one evaluation whatever m and S, and the path-kernel machine a cost proportional to m and to S: about one training run', (ctx) => {
    // Calibration: the instrument counts what it is given, once.
    const probe = setup(M_FIXED);
    const probeCounts = noCounts();
    const probed = counting(probe.problem.model, probe.query, probeCounts);
    probed.forward(probe.w0, probe.problem.xTrain);
    probed.trace(probe.w0, probe.query);
    expect(probeCounts, 'one forward pass of m rows and one trace of the query').toEqual({ queryCalls: 1, query: 1, trainingCalls: 1, training: M_FIXED });

    const byM = M_LIST.map((m) => measure(m, S_FIXED));
    const byS = S_LIST.map((S) => measure(M_FIXED, S));
    // The trainer evaluates the training batch once per step: the instrument must see exactly that.
    [...byM.map((r, k) => [r, M_LIST[k]!, S_FIXED] as const), ...byS.map((r, k) => [r, M_FIXED, S_LIST[k]!] as const)].forEach(([r, m, S]) => {
      expect(r.steps, `steps reported at m = ${m}, S = ${S}`).toBe(S);
      expect({ calls: r.training.trainingCalls, rows: r.training.training }, `training counted at m = ${m}, S = ${S}`).toEqual({ calls: S, rows: m * S });
    });

    const laws = [
      law(MODEL_IN_M, M_LIST, byM.map((r) => total(r.model))),
      law(MODEL_IN_S, S_LIST, byS.map((r) => total(r.model))),
      law(MACHINE_IN_M, M_LIST, byM.map((r) => total(r.machine))),
      law(MACHINE_IN_S, S_LIST, byS.map((r) => total(r.machine))),
    ];
    for (const l of laws) {
      if (!Number.isFinite(l.estimate)) throw new Error(`${l.rule.quantity}: no slope (local slopes ${l.localSlopes.join(', ')}); seed ${SEED}`);
      recordEvidence(ctx, 'disc.scalability', lawEvidence(l.rule, l.verdict, l.estimate, l.halfWidth, countVerdicts([l.verdict]), `local slopes ${l.localSlopes.map((v) => v.toFixed(3)).join(', ')} as the variable doubles (${l.rule.quantity.endsWith('log m') ? `m = ${M_LIST.join(', ')} at S = ${S_FIXED}` : `S = ${S_LIST.join(', ')} at m = ${M_FIXED}`})`));
      recordFigure(ctx, `${l.rule.quantity}: slope +- half-width, verdict`, `${l.estimate.toFixed(3)} +- ${l.halfWidth.toFixed(3)}, ${l.verdict}`);
    }
    // One query against one training run: both evaluate the m S training rows; the query adds its own.
    const ratios = byM.map((r) => total(r.machine) / total(r.training));
    recordFigure(ctx, `one query / one training run (rows), m = ${M_LIST.at(-1)}`, ratios.at(-1)!);
    recordFigure(ctx, `kernel machine: evaluations (calls) for one query at m = ${M_LIST.at(-1)}, S = ${S_FIXED}`, byM.at(-1)!.machine.queryCalls + byM.at(-1)!.machine.trainingCalls);
    const fitM = fitLogLog(M_LIST, byM.map((r) => total(r.machine)));
    const fitS = fitLogLog(S_LIST, byS.map((r) => total(r.machine)));
    recordSeries(ctx, { name: `rows evaluated per query against m (S = ${S_FIXED}): kernel machine`, xLabel: 'training points m', yLabel: 'rows evaluated', x: M_LIST, y: byM.map((r) => total(r.machine)), fit: { slope: fitM.slope, intercept: fitM.intercept } });
    recordSeries(ctx, { name: `rows evaluated per query against m (S = ${S_FIXED}): model`, xLabel: 'training points m', yLabel: 'rows evaluated', x: M_LIST, y: byM.map((r) => total(r.model)), fit: { slope: laws[0]!.estimate, intercept: 0 } });
    recordSeries(ctx, { name: `rows evaluated per query against S (m = ${M_FIXED}): kernel machine`, xLabel: 'GD steps S', yLabel: 'rows evaluated', x: S_LIST, y: byS.map((r) => total(r.machine)), fit: { slope: fitS.slope, intercept: fitS.intercept } });
    recordSeries(ctx, { name: `rows evaluated per query against S (m = ${M_FIXED}): model`, xLabel: 'GD steps S', yLabel: 'rows evaluated', x: S_LIST, y: byS.map((r) => total(r.model)), fit: { slope: laws[1]!.estimate, intercept: 0 } });
  });
});
