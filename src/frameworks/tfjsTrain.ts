/**
 * Training with TensorFlow.js's own optimisers in float32, recording the path w_0..w_S.
 *
 * What TensorFlow.js 4.22 does (read from tfjs-core's optimizers/*.js; every quantity a float32 tensor, every
 * operation rounded to float32), with learning rate eps and gradient g_s of the batch objective at w_s:
 * - tf.train.sgd(eps): w_{s+1} = w_s - eps g_s.
 * - tf.train.momentum(eps, m): a_s = m a_{s-1} + g_s (a_{-1} = 0), w_{s+1} = w_s - eps a_s; with
 *   useNesterov, w_{s+1} = w_s - eps (g_s + m a_s). These are PyTorch's conventions (SGD with momentum,
 *   dampening 0), which the float64 engine also follows; Keras's SGD instead keeps v_s = m v_{s-1} - eps g_s,
 *   the same iterates at a constant learning rate.
 * - tf.train.adam(eps, b1 = 0.9, b2 = 0.999, epsilon): m_s = b1 m_{s-1} + (1 - b1) g_s,
 *   v_s = b2 v_{s-1} + (1 - b2) g_s^2, w_{s+1} = w_s - eps (m_s / (1 - b1^t)) / (sqrt(v_s / (1 - b2^t)) + epsilon)
 *   with t = s + 1 and b^t kept as a running float32 product. PyTorch's formula is the same; the differences are
 *   the default epsilon (TensorFlow.js takes the backend's, 1e-7 in float32, where PyTorch takes 1e-8) and the
 *   float32 arithmetic.
 *
 * The exact discrete representation needs none of this: only the recorded iterates (their differences are
 * the steps Delta w_s). The rules matter when the update is split into per-example contributions.
 *
 * @module
 * @claim xfw.tfjs
 */
import type { Optimizer, Scalar, Tensor2D } from '@tensorflow/tfjs';
import type { Matrix } from '../core/matrix.js';
import { checkTfjsProblem, tfjsObjective, type TfjsProblem } from './tfjsLoss.js';
import { matrixToTfjs, paramsToTfjs, type TfjsModel } from './tfjsModel.js';
import type { Tf } from './backend.js';

/** A TensorFlow.js optimiser and its settings (TensorFlow.js's names and defaults). */
export type TfjsOptimizerSpec =
  | { readonly kind: 'sgd' }
  | { readonly kind: 'momentum'; readonly momentum: number; readonly nesterov?: boolean }
  | { readonly kind: 'adam'; readonly beta1?: number; readonly beta2?: number; readonly epsilon?: number };

/** Options of {@link trainTfjs}. */
export interface TfjsTrainOptions {
  readonly optimizer: TfjsOptimizerSpec;
  /** The learning rate eps > 0. */
  readonly eps: number;
  /** The number of steps S. */
  readonly steps: number;
  /** Step s's batch (training indices); default the full batch at every step. */
  readonly batches?: (s: number) => readonly number[];
}

/** A TensorFlow.js training run. */
export interface TfjsTrainResult {
  /** w_0..w_S: the float32 iterates as float64 (exact); w_0 is the float32 rounding of the given w0. */
  readonly path: readonly Float64Array[];
  /** I_s, the batch of each step. */
  readonly batches: readonly (readonly number[])[];
  /** The batch objective at w_s, as TensorFlow.js computed it (float32) before step s. */
  readonly losses: readonly number[];
  /** The optimiser call, for example `tf.train.momentum(0.05, 0.9, true)`. */
  readonly call: string;
}

function createTfjsOptimizer(tf: Tf, spec: TfjsOptimizerSpec, eps: number): { optimizer: Optimizer; call: string } {
  switch (spec.kind) {
    case 'sgd':
      return { optimizer: tf.train.sgd(eps), call: `tf.train.sgd(${eps})` };
    case 'momentum': {
      const nesterov = spec.nesterov === true;
      return { optimizer: tf.train.momentum(eps, spec.momentum, nesterov), call: `tf.train.momentum(${eps}, ${spec.momentum}, ${nesterov})` };
    }
    case 'adam': {
      const b1 = spec.beta1 ?? 0.9;
      const b2 = spec.beta2 ?? 0.999;
      const optimizer = spec.epsilon === undefined ? tf.train.adam(eps, b1, b2) : tf.train.adam(eps, b1, b2, spec.epsilon);
      return { optimizer, call: `tf.train.adam(${eps}, ${b1}, ${b2}${spec.epsilon === undefined ? '' : `, ${spec.epsilon}`})` };
    }
  }
}

/**
 * S steps of a TensorFlow.js optimiser (optimizer.minimize on a float32 variable holding the flat parameter
 * vector) from the float32 rounding of w0, recording every iterate. Throws naming the step when the iterates
 * stop being finite.
 *
 * @claim xfw.tfjs
 */
export function trainTfjs(tm: TfjsModel, problem: TfjsProblem, w0: Float64Array, options: TfjsTrainOptions): TfjsTrainResult {
  checkTfjsProblem(problem);
  const { eps, steps } = options;
  if (!(eps > 0 && Number.isFinite(eps))) throw new RangeError(`eps: ${eps} is not a positive finite learning rate`);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps: ${steps} is not a non-negative integer`);
  const { tf } = tm;
  const m = problem.xTrain.rows;
  const all = Array.from({ length: m }, (_, i) => i);
  const X = matrixToTfjs(tf, problem.xTrain);
  const Ystar = matrixToTfjs(tf, problem.yTrain);
  const w = tf.variable(paramsToTfjs(tf, w0), true);
  const { optimizer, call } = createTfjsOptimizer(tf, options.optimizer, eps);
  const path: Float64Array[] = [Float64Array.from(w.dataSync())];
  const batches: (readonly number[])[] = [];
  const losses: number[] = [];
  try {
    for (let s = 0; s < steps; s++) {
      const batch = options.batches ? options.batches(s) : all;
      batch.forEach((i) => {
        if (!Number.isInteger(i) || i < 0 || i >= m) throw new RangeError(`batches: step ${s} names example ${i}, not one of 0..${m - 1}`);
      });
      const full = batch === all;
      const rows = full ? null : tf.tensor1d(Int32Array.from(batch), 'int32');
      const Xb = rows ? (tf.gather(X, rows) as Tensor2D) : X;
      const Yb = rows ? (tf.gather(Ystar, rows) as Tensor2D) : Ystar;
      const cost = optimizer.minimize(() => tfjsObjective(tm, problem, w, Xb, Yb), true, [w]) as Scalar;
      losses.push(cost.dataSync()[0]!);
      cost.dispose();
      if (rows) tf.dispose([rows, Xb, Yb]);
      const next = Float64Array.from(w.dataSync());
      if (!next.every(Number.isFinite)) throw new RangeError(`TensorFlow.js training diverged at step ${s}: the parameters are no longer finite (${call})`);
      batches.push(batch);
      path.push(next);
    }
  } finally {
    optimizer.dispose();
    tf.dispose([w, X, Ystar]);
  }
  return { path, batches, losses, call };
}

/**
 * The steps Delta w_s = w_{s+1} - w_s of a float32 path, in float64. The difference of two float32 numbers
 * is exact in float64 when their exponents differ by at most 29 (24 + 29 = 53 bits), which holds unless a
 * coordinate jumps from within 2^-29 of zero relative to its new size; then w_s + Delta w_s = w_{s+1}.
 */
export function pathSteps(path: readonly Float64Array[]): Float64Array[] {
  return path.slice(1).map((next, s) => next.map((v, j) => v - path[s]![j]!));
}

/** The training inputs as a float64 matrix rounded to float32, what TensorFlow.js trained on. */
export function roundMatrixToFloat32(a: Matrix): Matrix {
  return { rows: a.rows, cols: a.cols, data: Float64Array.from(Float32Array.from(a.data)) };
}
