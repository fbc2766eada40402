/**
 * xfw.tfjs for the optimisers: TensorFlow.js's tf.train.sgd, tf.train.momentum (heavy ball and Nesterov) and
 * tf.train.adam, in float32, against our optimisers in float64, step by step (./tfjsTrajectory.ts derives the
 * bounds):
 * - from each of TensorFlow.js's iterates w_s, one step of our float64 twin (TensorFlow.js's float32
 *   hyperparameters, the optimiser state fed with float64 gradients along TensorFlow.js's path) lands on its
 *   w_{s+1} within the float32 bound of one step; so does the step rebuilt through our UpdateRule from
 *   per-example gradients, which is what the exact representation's per-example split uses;
 * - our trainer, run on its own from the same w_0, stays within those local bounds propagated by the measured
 *   amplification of a perturbation, at every step.
 * Runs that diverge are counted per optimiser and learning rate, as findings.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, type TestContext } from 'vitest';
import { matrix, rng } from '../../src/core/index.js';
import { compileTfjs, loadTfjs, roundMatrixToFloat32, roundToFloat32, trainTfjs, type TfjsOptimizerSpec, type TfjsRuntime } from '../../src/frameworks/index.js';
import { binaryLogistic, softmaxCrossEntropy, squared, type Loss } from '../../src/losses/index.js';
import { compileModel, type ModelSpecInput } from '../../src/models/index.js';
import { batchSchedule, train, type TrainingProblem } from '../../src/train/index.js';
import { claimTest, recordEvidence, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { DEEP, propertyParameters, replayCommand, SEED } from '../arbitraries/config.js';
import { caseLedger, type CaseLedger } from '../arbitraries/ledger.js';
import { describeFlowCase, flowCaseArb } from '../arbitraries/problems.js';
import { amplification, checkSteps, float64Twin, trajectoryBound, type StepChecks } from './tfjsTrajectory.js';

const FILE = 'properties/frameworks/tfjsOptimizers.property.ts';
const STEPS = DEEP ? 40 : 20;

let runtime: TfjsRuntime;
beforeAll(async () => {
  runtime = await loadTfjs();
}, 60_000);

const OPTIMIZERS: readonly TfjsOptimizerSpec[] = [{ kind: 'sgd' }, { kind: 'momentum', momentum: 0.9 }, { kind: 'momentum', momentum: 0.9, nesterov: true }, { kind: 'adam' }];
const family = (o: TfjsOptimizerSpec) => (o.kind === 'momentum' ? (o.nesterov ? 'nesterov' : 'momentum') : o.kind);

interface Case {
  readonly what: string;
  readonly problem: TrainingProblem;
  readonly w0: Float64Array;
}

function teacherCase(what: string, spec: ModelSpecInput, loss: Loss, m: number, extra: Partial<TrainingProblem> = {}): Case {
  const model = compileModel(spec);
  const r = rng(SEED).stream('data');
  const uniform = (rows: number, cols: number, lo: number, hi: number) => matrix(rows, cols, Float64Array.from({ length: rows * cols }, () => r.uniformIn(lo, hi)));
  const O = model.outputDim;
  const yTrain = loss === squared ? uniform(m, O, -1, 1) : matrix(m, 1, Array.from({ length: m }, () => r.int(loss === binaryLogistic ? 2 : O)));
  return { what, problem: { model, loss, xTrain: uniform(m, model.inputDim, -1.5, 1.5), yTrain, ...extra }, w0: model.init(rng(SEED).stream('init')) };
}

const NAMED: readonly { c: Case; eps: number; optimizers: readonly TfjsOptimizerSpec[] }[] = [
  { c: teacherCase('MLP 3-8-1 tanh, squared loss', { kind: 'mlp', inputDim: 3, layers: [{ width: 8, activation: 'tanh' }] }, squared, 6), eps: 0.05, optimizers: OPTIMIZERS },
  { c: teacherCase('MLP 4-6-3 gelu, softmax cross-entropy, mean, weight decay 0.05', { kind: 'mlp', inputDim: 4, outputDim: 3, layers: [{ width: 6, activation: 'gelu' }] }, softmaxCrossEntropy, 8, { reduction: 'mean', weightDecay: 0.05 }), eps: 0.1, optimizers: [OPTIMIZERS[2]!, OPTIMIZERS[3]!] },
  { c: teacherCase('MLP 2-5-5-1 muP, layer norm + residual, logistic loss', { kind: 'mlp', inputDim: 2, parametrisation: 'mup', layers: [{ width: 5, activation: 'softplus', norm: 'layer' }, { width: 5, activation: 'sin', residual: true }] }, binaryLogistic, 6), eps: 0.02, optimizers: [OPTIMIZERS[1]!, OPTIMIZERS[3]!] },
];

interface Run {
  readonly c: Case;
  readonly spec: TfjsOptimizerSpec;
  readonly eps: number;
  readonly problem: TrainingProblem;
  readonly path: readonly Float64Array[];
  readonly batches: readonly (readonly number[])[];
  readonly call: string;
  readonly checks: StepChecks;
}

// TensorFlow.js runs by case, shared by the two tests (fast-check draws the same cases from the same seed).
const runs = new Map<string, Run | { diverged: string }>();

/** Train with TensorFlow.js (float32 data, w_0 rounded to float32) and check every step; memoised. */
function tfjsRun(c: Case, spec: TfjsOptimizerSpec, eps: number, steps: number, batchSeed: number | null): Run | { diverged: string } {
  const key = `${c.what}|${JSON.stringify(spec)}|${eps}|${steps}|${batchSeed}`;
  const known = runs.get(key);
  if (known) return known;
  const problem = { ...c.problem, xTrain: roundMatrixToFloat32(c.problem.xTrain), yTrain: roundMatrixToFloat32(c.problem.yTrain) };
  const m = problem.xTrain.rows;
  const schedule = batchSeed === null || m < 2 ? null : batchSchedule({ kind: 'seeded', size: Math.ceil(m / 2), seed: batchSeed }, m);
  let result: Run | { diverged: string };
  try {
    const run = trainTfjs(compileTfjs(runtime.tf, c.problem.model), problem, roundToFloat32(c.w0), schedule ? { optimizer: spec, eps, steps, batches: schedule } : { optimizer: spec, eps, steps });
    result = { c, spec, eps, problem, path: run.path, batches: run.batches, call: run.call, checks: checkSteps(problem, run.path, run.batches, spec, eps) };
  } catch (e) {
    if (!(e instanceof RangeError && /diverged/.test(e.message))) throw e;
    result = { diverged: e.message };
  }
  runs.set(key, result);
  return result;
}

/** The named runs and the generated ones, each through `visit`; diverged runs are findings of the ledger. */
function everyRun(ctx: TestContext, label: string, visit: (run: Run) => void): CaseLedger {
  const ledger = caseLedger(ctx, label, FILE);
  const one = (c: Case, spec: TfjsOptimizerSpec, eps: number, steps: number, batchSeed: number | null) => {
    ledger.draw();
    const run = tfjsRun(c, spec, eps, steps, batchSeed);
    if ('diverged' in run) ledger.find(`diverged: ${family(spec)} eps ${eps}`);
    else visit(run);
  };
  for (const n of NAMED) for (const spec of n.optimizers) one(n.c, spec, spec.kind === 'adam' ? n.eps / 5 : n.eps, STEPS, null);
  fc.assert(
    fc.property(flowCaseArb({ losses: ['squared', 'binaryLogistic', 'softmaxCrossEntropy'], maxTrain: 4, maxQueries: 1 }), fc.constantFrom(...OPTIMIZERS), fc.constantFrom(0.01, 0.03), fc.option(fc.nat({ max: 1000 }), { nil: null }), (fc0, spec, eps, batchSeed) => {
      one({ what: describeFlowCase(fc0), problem: fc0.problem, w0: fc0.w0 }, spec, eps, DEEP ? 30 : 12, batchSeed);
    }),
    propertyParameters(8),
  );
  return ledger;
}

function fail(run: Run, what: string, s: number, gap: number, bound: number, scale: number): never {
  throw new Error(`${run.c.what}, ${run.call}, step ${s}: ${what} ${gap.toExponential(3)} (relative ${(gap / scale).toExponential(3)}) > float32 bound ${bound.toExponential(3)}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
}

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};
const bump = (map: Map<string, number>, key: string, v: number) => map.set(key, Math.max(map.get(key) ?? 0, v));
function figures(ctx: TestContext, label: string, values: Map<string, number>): void {
  for (const [fam, v] of [...values].sort()) recordFigure(ctx, `${label}: ${fam}`, v);
}

describe('TensorFlow.js optimisers against ours, step by step', () => {
  claimTest(['xfw.tfjs', 'disc.momentum-exact', 'disc.adam-exact', 'disc.sgd-exact'], "from each of TensorFlow.js's iterates, our optimiser's step and its UpdateRule rebuilt from per-example gradients land on TensorFlow.js's next iterate within the float32 bound of one step", (ctx) => {
    const local = new Map<string, number>();
    const rule = new Map<string, number>();
    const relative = new Map<string, number>();
    let miniBatchRuns = 0;
    const ledger = everyRun(ctx, 'TensorFlow.js steps', (run) => {
      const fam = family(run.spec);
      if (run.batches.some((b) => b.length < run.problem.xTrain.rows)) miniBatchRuns++;
      run.checks.local.forEach((gap, s) => {
        const bound = run.checks.localBound[s]!;
        bump(local, fam, gap / bound);
        bump(relative, fam, gap / maxAbs(run.path[s + 1]!.map((v, j) => v - run.path[s]![j]!)));
        if (!(gap <= bound)) fail(run, 'one step of ours from w_s misses TensorFlow.js’s w_{s+1} by', s, gap, bound, maxAbs(run.path[s + 1]!));
        const rgap = run.checks.rule[s]!;
        bump(rule, fam, rgap / run.checks.ruleBound[s]!);
        if (!(rgap <= run.checks.ruleBound[s]!)) fail(run, 'the step rebuilt through the UpdateRule misses TensorFlow.js’s step by', s, rgap, run.checks.ruleBound[s]!, maxAbs(run.path[s + 1]!));
      });
    });
    figures(ctx, 'worst one-step gap / float32 bound', local);
    figures(ctx, 'worst rebuilt-through-the-rule gap / float32 bound', rule);
    figures(ctx, "worst one-step gap / max |TensorFlow.js's step|", relative);
    recordFigure(ctx, 'backend', runtime.backend);
    const n = ledger.drawn;
    recordEvidence(ctx, 'xfw.tfjs', verifiedAgainst('TensorFlow.js', `every step of tf.train.sgd, momentum, Nesterov and adam (${n} runs, ${runtime.backend} backend) reproduced by our float64 optimisers from TensorFlow.js's iterates within the float32 bound of one step`));
    recordEvidence(ctx, 'disc.momentum-exact', verifiedAgainst('TensorFlow.js', 'tf.train.momentum (heavy ball and useNesterov) steps rebuilt from per-example gradients through decay/gain/mix/direct'));
    recordEvidence(ctx, 'disc.adam-exact', verifiedAgainst('TensorFlow.js', "tf.train.adam steps rebuilt from per-example gradients through P_s and the first moment's EMA / (1 - beta1^t)"));
    recordFigure(ctx, 'runs with mini-batches', miniBatchRuns);
    expect(miniBatchRuns, 'no run drew mini-batches: the split over a batch went unchecked').toBeGreaterThan(0);
    recordEvidence(ctx, 'disc.sgd-exact', verifiedAgainst('TensorFlow.js', `steps on seeded mini-batches (${miniBatchRuns} runs) rebuilt from the batch's per-example gradients (with 1/B for a mean loss)`));
  });

  claimTest(['xfw.tfjs'], 'our float64 trainer from the same w_0 follows TensorFlow.js’s sgd, momentum, Nesterov and adam trajectories within the derived float32 bound at every step', (ctx) => {
    const ratio = new Map<string, number>();
    const relative = new Map<string, number>();
    const growth = new Map<string, number>();
    let steps = 0;
    const ledger = everyRun(ctx, 'TensorFlow.js trajectories', (run) => {
      const fam = family(run.spec);
      const twin = float64Twin(run.spec, run.eps);
      const ours = train(run.problem, run.path[0]!, { ...twin, steps: run.path.length - 1, batches: { kind: 'explicit', batches: run.batches }, record: true });
      const G = amplification(run.problem, run.path, run.batches, run.spec, run.eps, run.checks, SEED);
      expect(ours.path!.length).toBe(run.path.length);
      ours.path!.forEach((w, s) => {
        const gap = maxAbs(w.map((v, j) => v - run.path[s]![j]!));
        if (s === 0) {
          expect(gap).toBe(0);
          return;
        }
        const bound = trajectoryBound(G, run.checks.localBound, s);
        bump(ratio, fam, gap / bound);
        bump(relative, fam, gap / maxAbs(run.path[s]!));
        for (let r = 1; r <= s; r++) bump(growth, fam, G[r]![s]!);
        steps++;
        if (!(gap <= bound)) fail(run, 'our trajectory differs from TensorFlow.js’s by', s, gap, bound, maxAbs(run.path[s]!));
      });
    });
    figures(ctx, 'worst |ours - TensorFlow.js| / derived bound', ratio);
    figures(ctx, 'worst |ours - TensorFlow.js| / max |w_s|', relative);
    figures(ctx, 'largest amplification of a perturbation', growth);
    recordFigure(ctx, 'steps compared', steps);
    recordEvidence(ctx, 'xfw.tfjs', verifiedAgainst('TensorFlow.js', `${ledger.drawn} trajectories of tf.train.sgd, momentum, Nesterov and adam against our trainer from the same w_0, every step within the derived float32 bound`));
  });
});

