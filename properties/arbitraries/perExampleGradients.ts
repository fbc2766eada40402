/**
 * Per-example gradients written out from explicit Jacobians: the other side of the checks that rebuild an
 * optimiser's step through its update rule (properties/frameworks/torchOptim.property.ts, tfjsTrajectory.ts).
 * Row i < m is example i's gradient L'_i^T J_i (zero for an example outside the batch), row m the regulariser's
 * lambda w; no code path of the trainer's gradient (the tape's vector-Jacobian product) is shared.
 *
 * @module
 */
import { lossDerivatives } from '../../src/losses/index.js';
import { jacobian } from '../../src/models/index.js';
import type { TrainingProblem } from '../../src/train/index.js';

/** Rows g_0..g_(m-1) (per example, by its batch's Jacobian) and g_m = lambda w, each of length d. */
export function perExampleGradients(problem: TrainingProblem, w: Float64Array, batch: readonly number[], sub: TrainingProblem): Float64Array[] {
  const { model } = problem;
  const d = model.paramCount;
  const m = problem.xTrain.rows;
  const O = model.outputDim;
  const J = jacobian(model, w, sub.xTrain);
  const Lp = lossDerivatives(problem.loss, model.forward(w, sub.xTrain), sub.yTrain, problem.reduction ?? 'sum');
  const g = Array.from({ length: m + 1 }, () => new Float64Array(d));
  batch.forEach((i, b) => {
    for (let k = 0; k < O; k++) for (let j = 0; j < d; j++) g[i]![j]! += Lp.data[b * O + k]! * J.data[(b * O + k) * d + j]!;
  });
  const lambda = problem.weightDecay ?? 0;
  for (let j = 0; j < d; j++) g[m]![j] = lambda * w[j]!;
  return g;
}
