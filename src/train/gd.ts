/**
 * Full-batch gradient descent, step P1 of the paper: w_{s+1} = w_s - eps grad_w L(w_s). `gradientDescent` is
 * the trainer ({@link train}) with the `gd` optimiser and the full batch at every step, so that the loop of the
 * gradient-flow limit (P2) is the loop the PyTorch fixtures check (properties/frameworks/torchOptim.property.ts);
 * `gdStep` is one such step on its own, for the checks of P1 that look at a single update.
 *
 * @module
 * @claim step.gd-update
 */
import type { Matrix } from '../core/matrix.js';
import { lossGradient, type TrainingProblem } from './objective.js';
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
 * w_{s+1} = w_s - eps grad L(w_s): one step, returning the new parameters and the step's loss derivatives.
 * The same arithmetic as a step of {@link gradientDescent} (w_s + (-eps g_s), which rounds like w_s - eps g_s).
 */
export function gdStep(problem: TrainingProblem, w: Float64Array, eps: number): { w: Float64Array; lossDerivatives: Matrix } {
  const { gradient, lossDerivatives } = lossGradient(problem, w);
  const next = new Float64Array(w.length);
  for (let j = 0; j < w.length; j++) next[j] = w[j]! - eps * gradient[j]!;
  return { w: next, lossDerivatives };
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
