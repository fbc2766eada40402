/**
 * What a per-example loss is: a function L(y, y*) of one example's output vector y (length O, the model's
 * output count) and its target y*, with its gradient L' = dL/dy and Hessian L'' = d2L/dy2 given by closed
 * formulas beside the value (not by automatic differentiation), so that they can serve as an oracle.
 *
 * The total loss of a training set is the SUM of these terms over examples (the paper's convention); see
 * total.ts for the mean.
 *
 * @module
 * @claim step.loss-additivity
 */
import type { Matrix } from '../core/matrix.js';

/** A per-example loss L(y, y*) with its first and second derivatives in y. */
export interface Loss {
  /** The registry name, for example `squared`. */
  readonly name: string;
  /**
   * Throw a RangeError naming the loss when it cannot take `outputDim` outputs (for example binary log
   * loss on a model with 3 outputs).
   */
  check(outputDim: number): void;
  /** How many numbers one example's target has when the model has `outputDim` outputs. */
  targetDim(outputDim: number): number;
  /** L(y, y*). */
  value(y: Float64Array, yStar: Float64Array): number;
  /** L' = dL/dy, a vector of length O. */
  derivative(y: Float64Array, yStar: Float64Array): Float64Array;
  /** L'' = d2L/dy2, an O x O symmetric matrix. */
  secondDerivative(y: Float64Array, yStar: Float64Array): Matrix;
}

/**
 * Check that `outputDim` is a positive integer and lies in [min, max]; the error names the loss and the
 * count, for example `binaryLogistic: takes 1 output (a logit), but the model has 3`.
 *
 * @param what - how the loss describes its outputs, for example `1 output (a logit)`.
 */
export function checkOutputCount(name: string, outputDim: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(outputDim) || outputDim < 1) {
    throw new RangeError(`${name}: output count ${outputDim} is not a positive integer`);
  }
  if (outputDim < min || outputDim > max) {
    throw new RangeError(`${name}: takes ${what}, but the model has ${outputDim}`);
  }
}

/**
 * Check one example: y's length is an output count the loss takes, and y* has the loss's target length.
 * Every loss calls this first, so a wrong shape is reported by name instead of producing NaN.
 */
export function checkExample(loss: Loss, y: Float64Array, yStar: Float64Array): void {
  loss.check(y.length);
  const expected = loss.targetDim(y.length);
  if (yStar.length !== expected) {
    throw new RangeError(`${loss.name}: a target has ${expected} number(s) for ${y.length} output(s), got ${yStar.length}`);
  }
}
