/**
 * Full-batch gradient descent, step P1 of the paper: w_{s+1} = w_s - eps grad_w L(w_s). The path is streamed
 * to the caller (`onStep`) and recorded only when asked.
 *
 * @module
 * @claim step.gd-update
 */
import type { Matrix } from '../core/matrix.js';
import { lossGradient, type TrainingProblem } from './objective.js';

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

/** w_{s+1} = w_s - eps grad L(w_s): one step, returning the new parameters and the step's loss derivatives. */
export function gdStep(problem: TrainingProblem, w: Float64Array, eps: number): { w: Float64Array; lossDerivatives: Matrix } {
  const { gradient, lossDerivatives } = lossGradient(problem, w);
  const next = new Float64Array(w.length);
  for (let j = 0; j < w.length; j++) next[j] = w[j]! - eps * gradient[j]!;
  return { w: next, lossDerivatives };
}

/** S steps of full-batch GD from w0; throws naming the step when the iterates stop being finite. */
export function gradientDescent(problem: TrainingProblem, w0: Float64Array, options: GdOptions): GdResult {
  if (!(options.eps > 0 && Number.isFinite(options.eps))) throw new RangeError(`eps: ${options.eps} is not a positive finite learning rate`);
  if (!Number.isInteger(options.steps) || options.steps < 0) throw new RangeError(`steps: ${options.steps} is not a non-negative integer`);
  let w: Float64Array = w0.slice();
  const path = options.record ? [w.slice()] : null;
  for (let s = 0; s < options.steps; s++) {
    const { w: next, lossDerivatives } = gdStep(problem, w, options.eps);
    if (!next.every(Number.isFinite)) throw new RangeError(`gradient descent diverged at step ${s}: the parameters are no longer finite (eps ${options.eps})`);
    options.onStep?.({ s, wBefore: w, wAfter: next, lossDerivatives });
    w = next;
    path?.push(w.slice());
  }
  return { wS: w, path };
}
