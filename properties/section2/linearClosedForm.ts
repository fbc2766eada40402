/**
 * The closed-form oracle of section 2 (../shared/reference/paper.md): a model linear in w, f(x; w) = J(x) w,
 * under the squared loss 1/2 |f - y*|^2 summed (or averaged, s = 1/m) with weight decay lambda >= 0 has the
 * gradient flow dw/dt = -(A w - c), A = s Phi^T Phi + lambda I, c = s Phi^T y*, Phi = J(x_train), so
 *
 *   w(t) = w0 - t phi1(t A) g0,   int_0^t w dt = t w0 - t^2 phi2(t A) g0,   g0 = A w0 - c,
 *
 * with phi1(z) = (1 - e^-z) / z and phi2(z) = (z - 1 + e^-z) / z^2 (the forms w* + e^{-tA}(w0 - w*) and its
 * integral, valid also where A is singular). Every quantity of Theorem 1 follows: L'_i(t) = s (Phi_i w(t) -
 * y*_i) is affine in w, so int L'_i dt = s (Phi_i int w dt - t y*_i); the regulariser term of Remark 4 is
 * lambda J(x) int w dt; the superposition row i is Phi_i^T int L'_i dt.
 *
 * J is read off forward passes at the unit vectors (f is linear in w), so nothing here differentiates: the
 * oracle shares with the engine only the forward pass that defines f, and the eigendecomposition (Jacobi,
 * checked against mathjs in src/core/eigen.test.ts).
 *
 * @module
 */
import { gamma, matrix, symmetricEigen, type Matrix } from '../../src/core/index.js';
import type { TrainingProblem } from '../../src/kernels/index.js';
import type { Model } from '../../src/models/index.js';

/** J(X), (N O) x d, from forward passes at the unit vectors of a model linear in w (checked: f(x; 0) = 0). */
export function linearJacobian(model: Model, X: Matrix): Matrix {
  const d = model.paramCount;
  const rows = X.rows * model.outputDim;
  const J = matrix(rows, d);
  const e = new Float64Array(d);
  const zero = model.forward(e, X).data;
  if (zero.some((v) => v !== 0)) throw new RangeError('linearJacobian: f(x; 0) != 0, the model is not linear in w');
  for (let p = 0; p < d; p++) {
    e[p] = 1;
    const column = model.forward(e, X).data;
    for (let r = 0; r < rows; r++) J.data[r * d + p] = column[r]!;
    e[p] = 0;
  }
  return J;
}

/** (1 - e^-z) / z for z >= 0, without cancellation near 0. */
export function phi1(z: number): number {
  return z < 1e-8 ? 1 - z / 2 : -Math.expm1(-z) / z;
}

/** (z - 1 + e^-z) / z^2 for z >= 0: its series below 1 (where the subtraction would cancel). */
export function phi2(z: number): number {
  if (z >= 1) return (z + Math.expm1(-z)) / (z * z);
  // sum_k (-z)^k / (k + 2)!: 25 terms leave an error below 1 / 27!, far under u.
  let term = 0.5;
  let sum = 0;
  for (let k = 0; k < 25; k++) {
    sum += term;
    term *= -z / (k + 3);
  }
  return sum;
}

/** The closed-form flow of a linear model under the squared loss at horizon T. */
export interface LinearFlow {
  /** w(T). */
  readonly wT: Float64Array;
  /** int_0^T w dt. */
  readonly intW: Float64Array;
  /** int_0^T L'_{i,k} dt, m x O (with the reduction's 1/m). */
  readonly intLossDerivatives: Matrix;
  /** Phi = J(x_train), (m O) x d. */
  readonly Phi: Matrix;
  /**
   * The size of the rounding of the closed form, absolute, per component of w: the eigendecomposition's
   * error (a few d u ||A||) through phi1 and phi2 (Lipschitz in z), times T |g0|.
   */
  readonly rounding: number;
  /** |g0|_inf, the largest rate of the flow (|dw/dt| decreases along a flow with A >= 0). */
  readonly rate: number;
}

// The eigendecomposition moves each eigenvalue and the matrix functions built from it by at most a few
// d u ||A||; phi1 and phi2 and their derivatives are bounded by 1 on z >= 0, so t phi1(tA) g0 moves by at
// most T (1 + T ||A||) d u |g0| times a constant. CLOSED_FORM_SAFETY is that constant (64, as for Jacobi
// against mathjs in src/core/eigen.test.ts).
const CLOSED_FORM_SAFETY = 64;

/** The closed-form flow (see the module's note). The problem's loss must be the squared loss. */
export function linearSquaredFlow(problem: TrainingProblem, w0: Float64Array, T: number): LinearFlow {
  if (problem.loss.name !== 'squared') throw new RangeError(`linearSquaredFlow: the closed form needs the squared loss, got ${problem.loss.name}`);
  const { model, xTrain, yTrain } = problem;
  const d = model.paramCount;
  const O = model.outputDim;
  const m = xTrain.rows;
  const s = (problem.reduction ?? 'sum') === 'mean' ? 1 / m : 1;
  const lambda = problem.weightDecay ?? 0;
  const Phi = linearJacobian(model, xTrain);
  const A = matrix(d, d);
  const g0 = new Float64Array(d);
  const residual0 = new Float64Array(m * O);
  for (let r = 0; r < m * O; r++) {
    let acc = -yTrain.data[r]!;
    for (let p = 0; p < d; p++) acc += Phi.data[r * d + p]! * w0[p]!;
    residual0[r] = acc;
  }
  for (let p = 0; p < d; p++) {
    for (let q = 0; q < d; q++) {
      let acc = 0;
      for (let r = 0; r < m * O; r++) acc += Phi.data[r * d + p]! * Phi.data[r * d + q]!;
      A.data[p * d + q] = s * acc + (p === q ? lambda : 0);
    }
    let acc = 0;
    for (let r = 0; r < m * O; r++) acc += Phi.data[r * d + p]! * residual0[r]!;
    g0[p] = s * acc + lambda * w0[p]!;
  }
  const { values, vectors: V } = symmetricEigen(A);
  // Coordinates of g0 in the eigenbasis, scaled by T phi1(T lambda_k) and T^2 phi2(T lambda_k).
  const coords = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    let acc = 0;
    for (let p = 0; p < d; p++) acc += V.data[p * d + k]! * g0[p]!;
    coords[k] = acc;
  }
  const wT = w0.slice();
  const intW = Float64Array.from(w0, (v) => T * v);
  for (let k = 0; k < d; k++) {
    const z = T * Math.max(values[k]!, 0);
    const a1 = T * phi1(z) * coords[k]!;
    const a2 = T * T * phi2(z) * coords[k]!;
    for (let p = 0; p < d; p++) {
      wT[p]! -= V.data[p * d + k]! * a1;
      intW[p]! -= V.data[p * d + k]! * a2;
    }
  }
  const intLossDerivatives = matrix(m, O);
  for (let r = 0; r < m * O; r++) {
    let acc = -T * yTrain.data[r]!;
    for (let p = 0; p < d; p++) acc += Phi.data[r * d + p]! * intW[p]!;
    intLossDerivatives.data[r] = s * acc;
  }
  const rate = g0.reduce((acc, v) => Math.max(acc, Math.abs(v)), 0);
  const normA = values.reduce((acc, v) => Math.max(acc, Math.abs(v)), 0);
  const rounding = CLOSED_FORM_SAFETY * gamma(d + 1) * T * (1 + T * normA) * d * rate;
  return { wT, intW, intLossDerivatives, Phi, rounding, rate };
}
