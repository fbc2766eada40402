/**
 * Helpers of the Remark 1 property (queryDependence.property.ts): Theorem 1's weights a_i(x) at the queries
 * of a flow with a bound on their integration error, Huber targets that keep every residual beyond delta,
 * and a separate solve of the time average of L'_i, the value a_i(x) must take when K^g is constant in t.
 *
 * @module
 */
import { gamma, matrix, rng, UNIT_ROUNDOFF_F64, type Matrix } from '../../src/core/index.js';
import { DOP853, solve } from '../../src/flow/index.js';
import { kernelMachine, lossGradient, tangentKernel, type FlowResult, type TrainingProblem } from '../../src/kernels/index.js';
import type { Model } from '../../src/models/index.js';
import { FLOW_ATOL, FLOW_RTOL, IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';
import { SMALL_FLOW_BUDGET } from '../arbitraries/smallFlows.js';

// a_i(x) = -K^lp(x, x_i) / K^p(x, x_i). Each integral carries an error of at most IDENTITY_RTOL times the
// size of what is integrated: for K^p that size is at most S = T max_t sqrt(K^g_t(x, x) K^g_t(x_i, x_i))
// (Cauchy-Schwarz bounds |K^g(x, x_i)| by the product of the gradient norms), for K^lp it is max_t |L'_i| S. A
// quotient adds the relative errors of its parts: |error of a_i(x)| <= 2 IDENTITY_RTOL max_t |L'_i| S / |K^p|.
export const A_INTEGRATOR_FACTOR = 2 * IDENTITY_RTOL;

// In the two special cases the integrator's error cancels from a_i: K^lp and K^p are sums over the SAME
// stages, with K^lp's stage values K^g(t_s) L'_i(t_s) equal to a constant times K^p's (K^g constant for a
// linear model, L'_i constant when pinned). What remains is rounding. One step adds h sum_l b_l k_l to the
// state: gamma(s + 1) h sum_l |b_l| |k_l| for the stage sum plus u |y| for the addition; over N steps and
// with |k| <= max|L'| S / T that is at most (gamma(s + 1) B1 + N u) max|L'| S, B1 = sum_l |b_l| (12.9 for
// DOP853). Numerator and denominator each contribute that much relative to S / |K^p|, the quotient u |a|.
// ROUNDING_SAFETY covers the sampled max of |L'| and of the kernel diagonals between recorded times.
const ROUNDING_SAFETY = 4;
const B1 = DOP853.b.reduce((acc, b) => acc + Math.abs(b), 0);

/** The rounding factor of a_i in the special cases after `acceptedSteps` steps (see above). */
export function roundingFactor(acceptedSteps: number): number {
  return ROUNDING_SAFETY * 2 * (gamma(DOP853.b.length + 1) * B1 + acceptedSteps * UNIT_ROUNDOFF_F64);
}

// Pairs (x, x_i) with |K^p(x, x_i)| below this fraction of S have no usable a_i: there the division of P9
// amplifies the integrals' errors by more than 1e3 (caveat.zero-path-kernel studies that regime).
export const KP_FLOOR = 1e-3;

/** max over the recorded times of |L'_{i,k}(t)|, m x O. */
export function maxLossDerivatives(problem: TrainingProblem, ws: readonly Float64Array[]): Matrix {
  const O = problem.model.outputDim;
  const out = matrix(problem.xTrain.rows, O);
  for (const w of ws) {
    const Lp = lossGradient(problem, w).lossDerivatives;
    for (let r = 0; r < Lp.data.length; r++) out.data[r] = Math.max(out.data[r]!, Math.abs(Lp.data[r]!));
  }
  return out;
}

/** max over the recorded times of the diagonal K^g_t(x, x) (one entry per row (x, k)). */
function maxDiagonal(model: Model, ws: readonly Float64Array[], X: Matrix): Float64Array {
  const out = new Float64Array(X.rows * model.outputDim);
  for (const w of ws) {
    const K = tangentKernel(model, w, X);
    for (let r = 0; r < out.length; r++) out[r] = Math.max(out[r]!, K.data[r * K.cols + r]!);
  }
  return out;
}

/** a_i(x) for one query row (x, k) and training point i, with its error bound. */
export interface Weight {
  readonly a: number;
  readonly bound: number;
}

/**
 * The weights a_{i,k}(x) of a query block with error bounds factor max|L'_i| S / |K^p| (null where K^p is
 * below the floor). For several outputs only the entries ((x, k), (i, k)) are used: the callers with O > 1
 * pass linear models, whose kernel blocks are diagonal.
 */
export function weightsWithBounds(problem: TrainingProblem, res: FlowResult, Lmax: Matrix, factor: number): (Weight | null)[][] {
  const { model, xTrain } = problem;
  const q = res.queries!;
  const O = model.outputDim;
  const m = xTrain.rows;
  const gx = maxDiagonal(model, res.ws, q.x);
  const gi = maxDiagonal(model, res.ws, xTrain);
  const { a } = kernelMachine(q);
  const out: (Weight | null)[][] = [];
  for (let r = 0; r < q.x.rows * O; r++) {
    const k = r % O;
    const row: (Weight | null)[] = [];
    for (let i = 0; i < m; i++) {
      const S = res.T * Math.sqrt(gx[r]! * gi[i * O + k]!);
      const kp = q.pathKernel.data[r * m * O + i * O + k]!;
      const ai = a.data[r * m + i]!;
      row.push(S > 0 && Math.abs(kp) >= KP_FLOOR * S ? { a: ai, bound: (factor * Lmax.data[i * O + k]! * S) / Math.abs(kp) + UNIT_ROUNDOFF_F64 * Math.abs(ai) } : null);
    }
    out.push(row);
  }
  return out;
}

/**
 * The pairs (x, x_i) whose tangent kernel is zero at every recorded point of the path because grad_w f
 * vanishes at x or at x_i (S = T sqrt(max K^g(x, x) max K^g(x_i, x_i)) = 0; for example x = 0 in a network
 * without biases): there K^p = K^lp = 0 exactly and a_i is undefined, whatever the loss (caveat.zero-path-kernel).
 * {@link weightsWithBounds} leaves these null too, with the pairs whose K^p is merely below the floor.
 */
export function zeroKernelPairs(problem: TrainingProblem, res: FlowResult): boolean[][] {
  const { model, xTrain } = problem;
  const q = res.queries!;
  const O = model.outputDim;
  const gx = maxDiagonal(model, res.ws, q.x);
  const gi = maxDiagonal(model, res.ws, xTrain);
  return Array.from({ length: q.x.rows * O }, (_, r) => Array.from({ length: xTrain.rows }, (_, i) => gx[r]! * gi[i * O + (r % O)]! === 0));
}

/**
 * The time averages (1/T) int_0^T L'_{i,k}(t) dt along the flow, m x O, from a solve of its own: state
 * [w | int L' dt] with dw/dt = -grad L (lossGradient) and d/dt int L' dt = L'. No kernel, no gradientFlow.
 */
export function averageLossDerivatives(problem: TrainingProblem, w0: Float64Array, T: number): Matrix | null {
  const d = problem.model.paramCount;
  const mO = problem.xTrain.rows * problem.model.outputDim;
  const y0 = new Float64Array(d + mO);
  y0.set(w0);
  const sol = solve(
    (_t, state, out) => {
      const { gradient, lossDerivatives } = lossGradient(problem, state.subarray(0, d));
      for (let j = 0; j < d; j++) out[j] = -gradient[j]!;
      out.set(lossDerivatives.data, d);
    },
    0,
    T,
    y0,
    { method: DOP853, controller: { kind: 'pid', rtol: FLOW_RTOL, atol: FLOW_ATOL }, maxSteps: SMALL_FLOW_BUDGET },
  );
  if (sol.status !== 'success') return null;
  return matrix(problem.xTrain.rows, problem.model.outputDim, sol.y.slice(d).map((v) => v / T));
}

/**
 * Targets y*_i = f_{w0}(x_i) +- offset (a seeded sign per entry), so that every residual starts `offset`
 * beyond zero and Huber's L'_i starts at delta sign(r_i).
 */
export function farTargets(model: Model, w0: Float64Array, xTrain: Matrix, offset: number, seed: number): Matrix {
  const f0 = model.forward(w0, xTrain);
  const r = rng(seed).stream('data');
  return matrix(f0.rows, 1, Array.from(f0.data, (v) => v + (r.int(2) === 0 ? -offset : offset)));
}

/**
 * An offset that keeps every residual beyond delta over [0, T], with a factor of 4 to spare: while L'_i is
 * pinned, |dr_j/dt| = |sum_i L'_i K^g(x_j, x_i)| <= delta sum_i |K^g(x_j, x_i)|, and the weights move by at
 * most delta T sum_i |grad f(x_i)|, little at delta = 0.05, so K^g stays near its value at w0.
 */
export function pinningOffset(model: Model, w0: Float64Array, xTrain: Matrix, delta: number, T: number): number {
  const K = tangentKernel(model, w0, xTrain);
  const m = xTrain.rows;
  let rate = 0;
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += Math.abs(K.data[j * m + i]!);
    rate = Math.max(rate, s);
  }
  return Math.max(3, delta + 4 * delta * T * rate);
}

// Whether every residual r_i(t) = f_{w(t)}(x_i) - y*_i keeps its sign and stays beyond delta at the recorded
// times, with a margin (min |r_i| - delta) at least MARGIN_OVER_STEP times the largest change of any residual
// between consecutive samples, so that no excursion to +-delta can hide between two samples.
const MARGIN_OVER_STEP = 10;

/** Whether Huber's L'_i stayed pinned at delta sign(r_i(0)) along the recorded path (see above). */
export function pinning(problem: TrainingProblem, ws: readonly Float64Array[], delta: number): { pinned: boolean; margin: number; largestStep: number } {
  const { model, xTrain, yTrain } = problem;
  const residuals = ws.map((w) => Array.from(model.forward(w, xTrain).data, (v, i) => v - yTrain.data[i]!));
  let margin = Infinity;
  let largestStep = 0;
  let signsKept = true;
  residuals.forEach((rs, s) => {
    rs.forEach((v, i) => {
      margin = Math.min(margin, Math.abs(v) - delta);
      if (Math.sign(v) !== Math.sign(residuals[0]![i]!)) signsKept = false;
      if (s > 0) largestStep = Math.max(largestStep, Math.abs(v - residuals[s - 1]![i]!));
    });
  });
  return { pinned: signsKept && margin > MARGIN_OVER_STEP * largestStep, margin, largestStep };
}
