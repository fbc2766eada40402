/**
 * Full-batch gradient descent, step P1 of the paper: w_{s+1} = w_s - eps grad_w L(w_s). `gradientDescent` is
 * the trainer ({@link train}) with the `gd` optimiser and the full batch at every step, so that the loop of the
 * gradient-flow limit (P2) is the loop the PyTorch fixtures check (properties/frameworks/torchOptim.property.ts).
 *
 * @module
 * @claim step.gd-update
 */
import type { Matrix } from '../core/matrix.js';
import type { TrainingProblem } from './objective.js';
import { train } from './trainer.js';

/** One GD step's record. */
export interface GdStep {
  /** Step index s (the update from w_s to w_{s+1}). */
  readonly s: number;
  readonly wBefore: Float64Array;
  readonly wAfter: Float64Array;
  /** L'_{i,s}, m x O, at w_s. */
  readonly lossDerivatives: Matrix;
}

/** Options of {@link gradientDescent}. */
export interface GdOptions {
  /** The learning rate eps > 0. */
  readonly eps: number;
  /** The number of steps S (horizon T = S eps). */
  readonly steps: number;
  /** Called after every step (the path streamed). */
  readonly onStep?: (step: GdStep) => void;
  /** Keep every iterate w_0..w_S (memory grows with S). */
  readonly record?: boolean;
}

/** The result of GD. */
export interface GdResult {
  readonly wS: Float64Array;
  /** w_0..w_S when `record` was set. */
  readonly path: readonly Float64Array[] | null;
}

/**
 * S steps of full-batch GD from w0: {@link train} with the `gd` optimiser. Throws naming the step when the
 * iterates stop being finite, and when eps or S is not valid.
 */
export function gradientDescent(problem: TrainingProblem, w0: Float64Array, options: GdOptions): GdResult {
  const { onStep } = options;
  const run = train(problem, w0, {
    optimizer: { kind: 'gd' },
    eps: options.eps,
    steps: options.steps,
    ...(options.record === undefined ? {} : { record: options.record }),
    ...(onStep ? { onStep: (r) => onStep({ s: r.s, wBefore: r.w, wAfter: r.w.map((v, j) => v + r.update[j]!), lossDerivatives: r.lossDerivatives }) } : {}),
  });
  return { wS: run.wS, path: run.path };
}
