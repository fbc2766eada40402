/**
 * The training objective: a model, a loss summed (or averaged) over a training set, and optional weight
 * decay. Its gradient is assembled as the paper's step P5 writes it, grad L = sum_i L'_i grad f(x_i), by one
 * VJP with the matrix of loss derivatives as the cotangent.
 *
 * @module
 * @claim step.loss-additivity
 */
import type { Matrix } from '../core/matrix.js';
import { lossDerivatives, totalLoss, type Loss, type Reduction } from '../losses/index.js';
import { flattenParamAdjoints, type Model } from '../models/index.js';

/** A training problem: a model, a loss summed (or averaged) over a training set, and optional weight decay. */
export interface TrainingProblem {
  readonly model: Model;
  readonly loss: Loss;
  /** Training inputs, m x inputDim. */
  readonly xTrain: Matrix;
  /** Training targets, m x loss.targetDim(O). */
  readonly yTrain: Matrix;
  /** `sum` (the paper's convention, default) or `mean`. */
  readonly reduction?: Reduction;
  /** lambda of the regulariser R(w) = lambda/2 |w|^2 (Remark 4); default 0. */
  readonly weightDecay?: number;
}

/**
 * The gradient of the total loss (plus weight decay) at w, the loss derivatives L'_i (m x O), and the loss
 * value (without the regulariser).
 */
export function lossGradient(problem: TrainingProblem, w: Float64Array): { gradient: Float64Array; lossDerivatives: Matrix; loss: number } {
  const { model, loss, xTrain, yTrain } = problem;
  const trace = model.trace(w, xTrain);
  const reduction = problem.reduction ?? 'sum';
  const Lp = lossDerivatives(loss, trace.output.value, yTrain, reduction);
  const gradient = flattenParamAdjoints(trace, trace.tape.backward(trace.output, Lp), model.paramCount);
  const lambda = problem.weightDecay ?? 0;
  if (lambda !== 0) for (let j = 0; j < gradient.length; j++) gradient[j]! += lambda * w[j]!;
  return { gradient, lossDerivatives: Lp, loss: totalLoss(loss, trace.output.value, yTrain, reduction) };
}

/** The objective L(w) = sum_i L(y*_i, f_w(x_i)) (or the mean) + lambda/2 |w|^2. */
export function objective(problem: TrainingProblem, w: Float64Array): number {
  const { model, loss, xTrain, yTrain } = problem;
  let value = totalLoss(loss, model.forward(w, xTrain), yTrain, problem.reduction ?? 'sum');
  const lambda = problem.weightDecay ?? 0;
  if (lambda !== 0) {
    let s = 0;
    for (const v of w) s += v * v;
    value += (lambda / 2) * s;
  }
  return value;
}
