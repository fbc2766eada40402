/**
 * A discrete run (gd, sgd, momentum, adam, adamw): train step by step while streaming each step into the
 * exact discrete path kernel at the test points, then report the exact representation (which must equal
 * f(x; w_S) up to quadrature and rounding), its per-example contributions, and Domingos' left-point form.
 *
 * @module
 */
import { allFinite, add, matrix } from '../core/matrix.js';
import { SpecError } from '../core/specError.js';
import { discretePath, type DiscreteRepresentation } from '../kernels/index.js';
import { totalLoss } from '../losses/index.js';
import { batchSchedule, train, type BatchSpec, type OptimizerSpec, type TrainResult } from '../train/index.js';
import type { PreparedRun } from './problem.js';
import type { RunProgress } from './progress.js';
import { maxAbsDifference, rowsOf, type DiscreteResultPart } from './result.js';
import { RunError } from './runError.js';
import type { DiscreteTrainingSpec, RunOptionsSpec } from './spec.js';

/** Gauss-Legendre nodes per segment when the spec gives none (discretePath's default). */
const DEFAULT_NODES = 8;

function optimizerOf(training: DiscreteTrainingSpec): OptimizerSpec {
  switch (training.method) {
    case 'gd':
    case 'sgd':
      return { kind: 'gd' };
    case 'momentum':
      return { kind: 'momentum', beta: training.beta, nesterov: training.nesterov };
    case 'adam':
      return { kind: 'adam', beta1: training.beta1, beta2: training.beta2, epsilon: training.epsilon };
    case 'adamw':
      return { kind: 'adamw', beta1: training.beta1, beta2: training.beta2, epsilon: training.epsilon, weightDecay: training.weightDecay };
  }
}

function batchesOf(training: DiscreteTrainingSpec): BatchSpec {
  if (training.method === 'gd' || training.batches === undefined) return { kind: 'full' };
  const { explicit, size, seed, replacement } = training.batches;
  if (explicit) return { kind: 'explicit', batches: explicit };
  return { kind: 'seeded', size: size!, seed: seed!, ...(replacement === undefined ? {} : { replacement }) };
}

/** S: `steps`, or round(T / eps), or one step per explicit batch. */
function stepCount(training: DiscreteTrainingSpec, batches: BatchSpec): number {
  if (training.steps !== undefined) return training.steps;
  if (training.T !== undefined) {
    const steps = Math.round(training.T / training.eps);
    if (steps < 1) throw new SpecError('training.T', `T / eps = ${training.T / training.eps} rounds to 0 steps`);
    return steps;
  }
  return batches.kind === 'explicit' ? batches.batches.length : 0;
}

// Check the schedule before training: indices against the training set, and enough explicit batches.
function checkBatches(batches: BatchSpec, m: number, steps: number): void {
  if (batches.kind === 'full') return;
  batchSchedule(batches, m, batches.kind === 'explicit' ? 'training.batches.explicit' : 'training.batches');
  if (batches.kind === 'explicit' && batches.batches.length < steps) {
    throw new SpecError('training.batches.explicit', `${batches.batches.length} batches for ${steps} steps: give one batch per step`);
  }
}

// The trainer names the step in its message ("training diverged at step 7: ..."); the result names it once.
function withoutStepPrefix(message: string): string {
  return message.replace(/^training diverged at step \d+: /, 'training diverged: ');
}

function curvaturePart(rep: DiscreteRepresentation): Pick<DiscreteResultPart, 'curvature'> {
  if (!rep.curvatureTerm) return {};
  const corrected = add(rep.leftPoint, rep.curvatureTerm);
  return { curvature: { term: rowsOf(rep.curvatureTerm), corrected: rowsOf(corrected), correctedError: maxAbsDifference(corrected, rep.fS) } };
}

/** Train and build the discrete representation at the test points. */
export function runDiscrete(run: PreparedRun, training: DiscreteTrainingSpec, options: RunOptionsSpec, progress?: RunProgress): { part: DiscreteResultPart; wT: Float64Array; losses: number[] } {
  const { model, problem, xTest } = run;
  const batches = batchesOf(training);
  const steps = stepCount(training, batches);
  checkBatches(batches, problem.xTrain.rows, steps);
  const nodes = options.nodes ?? DEFAULT_NODES;
  const curvature = options.curvature ?? false;
  const adaptive = options.adaptive ? { tol: options.adaptive.tol, ...(options.adaptive.maxDepth === undefined ? {} : { maxDepth: options.adaptive.maxDepth }) } : null;
  const accumulator = discretePath(problem, xTest, run.w0, { nodes, curvature, adaptive, perExample: true });
  let done = 0;
  let trained: TrainResult;
  progress?.start(steps, 'steps');
  try {
    trained = train(problem, run.w0, {
      optimizer: optimizerOf(training),
      eps: training.eps,
      steps,
      batches,
      onStep: (step) => {
        accumulator.onStep(step);
        done++;
        progress?.update(done);
      },
    });
  } catch (error) {
    if (error instanceof RangeError) throw new RunError(`step ${done}`, withoutStepPrefix(error.message));
    throw error;
  }
  const badLoss = trained.losses.findIndex((v) => !Number.isFinite(v));
  if (badLoss >= 0) throw new RunError(`step ${badLoss}`, `training diverged: the batch loss is ${trained.losses[badLoss]} (eps ${training.eps})`);
  const rep = accumulator.result(trained.wS);
  if (!allFinite(rep.fS) || !allFinite(rep.exact)) throw new RunError(`step ${steps}`, 'training diverged: the outputs at the final parameters are not finite');
  const finalLoss = totalLoss(problem.loss, model.forward(trained.wS, problem.xTrain), problem.yTrain, problem.reduction ?? 'sum');
  const part: DiscreteResultPart = {
    kind: 'discrete',
    steps,
    eps: training.eps,
    finalLoss,
    exact: rowsOf(rep.exact),
    exactError: maxAbsDifference(rep.exact, rep.fS),
    quadratureErrorEstimate: rep.quadratureErrorEstimate,
    quadratureNodes: nodes,
    contributions: rowsOf(rep.contributions!),
    regulariserContribution: rowsOf(rep.regulariserContribution ?? matrix(xTest.rows, model.outputDim)),
    leftPoint: rowsOf(rep.leftPoint),
    leftPointError: maxAbsDifference(rep.leftPoint, rep.fS),
    ...curvaturePart(rep),
  };
  return { part, wT: trained.wS, losses: [...trained.losses] };
}
