/**
 * The training objective in TensorFlow.js, matching the float64 engine's: the per-example loss summed over
 * examples by default (the paper's convention) or averaged, plus lambda/2 |w|^2 when weight decay is set; and
 * its gradient by TensorFlow.js's own reverse mode (tf.valueAndGrad), in float32.
 *
 * Losses, written with TensorFlow.js ops whose gradients TensorFlow.js supplies:
 * - squared: 1/2 sum (y - y*)^2;
 * - binaryLogistic: sum softplus(z) - y* z (tf.softplus, whose derivative is sigmoid(z));
 * - softmaxCrossEntropy: -sum onehot(c) . logSoftmax(z).
 *
 * @module
 * @claim xfw.tfjs
 */
import type { Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Matrix } from '../core/matrix.js';
import type { Loss, Reduction } from '../losses/index.js';
import type { Model } from '../models/index.js';
import type { Tf } from './backend.js';
import { matrixToTfjs, paramsToTfjs, tensorToFloat64, type TfjsModel } from './tfjsModel.js';

/** The losses compiled to TensorFlow.js. */
export const TFJS_LOSSES = ['squared', 'binaryLogistic', 'softmaxCrossEntropy'] as const;

/** A training problem (structurally the float64 engine's: a train/ TrainingProblem is one). */
export interface TfjsProblem {
  readonly model: Model;
  readonly loss: Loss;
  /** Training inputs, m x inputDim. */
  readonly xTrain: Matrix;
  /** Training targets, m x loss.targetDim(O). */
  readonly yTrain: Matrix;
  /** `sum` (default, the paper's convention) or `mean`. */
  readonly reduction?: Reduction;
  /** lambda of lambda/2 |w|^2 (default 0). */
  readonly weightDecay?: number;
}

/** Check that TensorFlow.js has this problem's loss and that the targets have the loss's shape. */
export function checkTfjsProblem(problem: TfjsProblem): void {
  const { loss, model, xTrain, yTrain } = problem;
  if (!(TFJS_LOSSES as readonly string[]).includes(loss.name)) {
    throw new RangeError(`TensorFlow.js objective: loss '${loss.name}' is not compiled to TensorFlow.js (${TFJS_LOSSES.join(', ')} are)`);
  }
  loss.check(model.outputDim);
  if (yTrain.rows !== xTrain.rows) throw new RangeError(`targets: expected ${xTrain.rows} rows, got ${yTrain.rows}`);
  const width = loss.targetDim(model.outputDim);
  if (yTrain.cols !== width) throw new RangeError(`targets: ${loss.name} with ${model.outputDim} output(s) expects ${width} column(s), got ${yTrain.cols}`);
}

/** The total loss of outputs Y (N x O) against targets (N x targetDim) in TensorFlow.js: a sum, or sum / N. */
export function tfjsTotalLoss(tf: Tf, loss: Loss, Y: Tensor2D, Ystar: Tensor2D, reduction: Reduction = 'sum'): Scalar {
  let total: Scalar;
  if (loss.name === 'squared') total = tf.mul(tf.sum(tf.square(tf.sub(Y, Ystar))), 0.5);
  else if (loss.name === 'binaryLogistic') total = tf.sum(tf.sub(tf.softplus(Y), tf.mul(Ystar, Y)));
  else if (loss.name === 'softmaxCrossEntropy') {
    const classes = tf.cast(tf.reshape(Ystar, [-1]), 'int32');
    const onehot = tf.cast(tf.oneHot(classes as Tensor1D, Y.shape[1]), 'float32');
    total = tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(Y))));
  } else throw new RangeError(`TensorFlow.js objective: loss '${loss.name}' is not compiled to TensorFlow.js (${TFJS_LOSSES.join(', ')} are)`);
  return reduction === 'mean' ? tf.div(total, Y.shape[0]) : total;
}

/** The objective at the parameter tensor `params` on inputs X and targets Ystar (float32 tensors). */
export function tfjsObjective(tm: TfjsModel, problem: TfjsProblem, params: Tensor1D, X: Tensor2D, Ystar: Tensor2D): Scalar {
  const { tf } = tm;
  const data = tfjsTotalLoss(tf, problem.loss, tm.apply(params, X), Ystar, problem.reduction ?? 'sum');
  const lambda = problem.weightDecay ?? 0;
  return lambda === 0 ? data : tf.add(data, tf.mul(tf.sum(tf.square(params)), lambda / 2));
}

/**
 * The objective's value and gradient by TensorFlow.js (tf.valueAndGrad) in float32, at the float32 rounding of
 * w, xTrain and yTrain; returned as float64 (exact copies of the float32 results).
 *
 * @claim xfw.tfjs
 */
export function tfjsLossGradient(tm: TfjsModel, problem: TfjsProblem, w: Float64Array): { gradient: Float64Array; loss: number } {
  checkTfjsProblem(problem);
  const { tf } = tm;
  let gradient: Float64Array = new Float64Array(0);
  let loss = NaN;
  tf.tidy(() => {
    const X = matrixToTfjs(tf, problem.xTrain);
    const Ystar = matrixToTfjs(tf, problem.yTrain);
    const { value, grad } = tf.valueAndGrad((p: Tensor1D) => tfjsObjective(tm, problem, p, X, Ystar))(paramsToTfjs(tf, w));
    gradient = tensorToFloat64(grad);
    loss = value.dataSync()[0]!;
  });
  return { gradient, loss };
}
