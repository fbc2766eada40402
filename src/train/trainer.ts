/**
 * The discrete training loop for every optimiser and batch schedule. Step s takes the batch I_s, forms the
 * batch loss's gradient g_s = sum_{i in I_s} L'_{i,s} grad f(x_i; w_s) (times 1/B for a mean loss, plus
 * lambda w_s with weight decay), and applies the optimiser's update. Each step is streamed to `onStep` with
 * everything the exact discrete representation needs; the path is recorded only when asked.
 *
 * @module
 * @claim step.gd-update
 * @claim rem.sgd-indicators
 */
import { selectRows, type Matrix } from '../core/matrix.js';
import { batchSchedule, type BatchSpec } from './batches.js';
import { lossGradient, type TrainingProblem } from './objective.js';
import { createOptimizer, type OptimizerSpec, type UpdateRule } from './optimizers.js';

/** One step, as streamed. */
export interface StepRecord {
  readonly s: number;
  /** The learning rate eps of the step. */
  readonly eps: number;
  /** w_s (do not modify). */
  readonly w: Float64Array;
  /** Delta w_s = w_{s+1} - w_s. */
  readonly update: Float64Array;
  /** I_s: the training indices of this step's batch. */
  readonly batch: readonly number[];
  /** L'_{i,s} for the batch rows (B x O), including the 1/B of a mean loss. */
  readonly lossDerivatives: Matrix;
  /** How the update was built from the gradients (for the exact representation). */
  readonly rule: UpdateRule;
}

/** Options of {@link train}. */
export interface TrainOptions {
  readonly optimizer: OptimizerSpec;
  /** Learning rate eps > 0. */
  readonly eps: number;
  /** Number of steps S. */
  readonly steps: number;
  /** Batch schedule (default full batch). */
  readonly batches?: BatchSpec;
  /** Called after each step. */
  readonly onStep?: (step: StepRecord) => void;
  /** Keep w_0..w_S. */
  readonly record?: boolean;
}

/** The result of training. */
export interface TrainResult {
  readonly wS: Float64Array;
  readonly path: readonly Float64Array[] | null;
  /** The batch loss (at w_s, before the step) for each step. */
  readonly losses: readonly number[];
}

/** The batch of step s as a training problem of its own (a batch-norm model sees only that batch). */
export function batchProblem(problem: TrainingProblem, batch: readonly number[]): TrainingProblem {
  // Stryker disable next-line ConditionalExpression: without the shortcut the full batch is copied row by row into an identical problem (equivalent; the shortcut saves the copy)
  if (batch.length === problem.xTrain.rows && batch.every((i, k) => i === k)) return problem;
  return { ...problem, xTrain: selectRows(problem.xTrain, batch), yTrain: selectRows(problem.yTrain, batch) };
}

/**
 * The batch's gradient at step s. Finite parameters can still overflow the forward pass (a logit of Infinity);
 * the loss then refuses its input, and that is divergence too, reported as such with the step.
 */
function stepGradient(problem: TrainingProblem, w: Float64Array, s: number, eps: number): ReturnType<typeof lossGradient> {
  try {
    return lossGradient(problem, w);
  } catch (e) {
    if (s > 0 && !problem.model.forward(w, problem.xTrain).data.every(Number.isFinite)) {
      throw new RangeError(`training diverged at step ${s}: the model's outputs are no longer finite (eps ${eps}; ${(e as Error).message})`);
    }
    throw e;
  }
}

/** Train from w0; throws naming the step when the parameters or the model's outputs stop being finite (divergence). */
export function train(problem: TrainingProblem, w0: Float64Array, options: TrainOptions): TrainResult {
  const { eps, steps } = options;
  if (!(eps > 0 && Number.isFinite(eps))) throw new RangeError(`training.eps: ${eps} is not a positive finite learning rate`);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`training.steps: ${steps} is not a non-negative integer`);
  const d = problem.model.paramCount;
  const schedule = batchSchedule(options.batches ?? { kind: 'full' }, problem.xTrain.rows);
  const optimizer = createOptimizer(options.optimizer, d);
  let w: Float64Array = w0.slice();
  const path = options.record ? [w.slice()] : null;
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const batch = schedule(s);
    const sub = batchProblem(problem, batch);
    const { gradient, lossDerivatives, loss } = stepGradient(sub, w, s, eps);
    losses.push(loss);
    const { update, rule } = optimizer.step(gradient, w, eps);
    const next = new Float64Array(d);
    // Stryker disable next-line EqualityOperator: j <= d only writes next[d], past the end of a Float64Array of length d, which JavaScript ignores (equivalent)
    for (let j = 0; j < d; j++) next[j] = w[j]! + update[j]!;
    if (!next.every(Number.isFinite)) throw new RangeError(`training diverged at step ${s}: the parameters are no longer finite (eps ${eps}, batch loss ${loss})`);
    options.onStep?.({ s, eps, w, update, batch, lossDerivatives, rule });
    w = next;
    path?.push(w.slice());
  }
  return { wS: w, path, losses };
}
