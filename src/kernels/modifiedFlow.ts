/**
 * The modified flow of gradient descent (Barrett and Dherin 2021, implicit gradient regularisation): GD with
 * step eps follows, to O(eps^2) at fixed T, the gradient flow of L~ = L + (eps/4) |grad L|^2, whose vector
 * field is -(grad L + (eps/2) Hess L grad L). The Hessian-vector product is a central difference of exact
 * gradients along grad L over a step of length HVP_STEP: truncation (HVP_STEP^2 / 6) |D^4 L| and rounding
 * u |grad L| / HVP_STEP, both about 1e-10 relative here; the field's correction carries it times eps / 2,
 * far below the O(eps^2) effect it measures.
 *
 * @module
 * @claim rate.modified-flow
 */
import { DOP853, solve, type SolveStats, type SolveStatus } from '../flow/index.js';
import { lossGradient, type TrainingProblem } from '../train/index.js';

/** The result of integrating the modified flow. */
export interface ModifiedFlowResult {
  readonly status: SolveStatus;
  readonly wT: Float64Array;
  readonly stats: SolveStats;
}

/**
 * Step length (in parameter space) of the Hessian-vector product's central difference: near u^(1/3) of the
 * parameters' unit scale, where truncation and rounding balance (about 1e-10 relative each).
 */
export const HVP_STEP = 1e-5;

/** Hess L(w) v by a central difference of exact gradients: (grad L(w + h v) - grad L(w - h v)) / 2h, |h v| = HVP_STEP. */
export function hessianVectorProduct(problem: TrainingProblem, w: Float64Array, v: Float64Array): Float64Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  const out = new Float64Array(v.length);
  if (norm === 0) return out;
  const h = HVP_STEP / norm;
  const plus = lossGradient(problem, w.map((wj, j) => wj + h * v[j]!)).gradient;
  const minus = lossGradient(problem, w.map((wj, j) => wj - h * v[j]!)).gradient;
  for (let j = 0; j < out.length; j++) out[j] = (plus[j]! - minus[j]!) / (2 * h);
  return out;
}

/**
 * The modified flow's vector field at learning rate eps: -grad L~ = -(grad L + (eps/2) Hess L grad L), the
 * gradient of L~ = L + (eps/4) |grad L|^2 (written into `out`).
 */
export function modifiedFlowField(problem: TrainingProblem, eps: number): (t: number, w: Float64Array, out: Float64Array) => void {
  return (_t, w, out) => {
    const { gradient } = lossGradient(problem, w);
    const hg = hessianVectorProduct(problem, w, gradient);
    for (let j = 0; j < w.length; j++) out[j] = -(gradient[j]! + (eps / 2) * hg[j]!);
  };
}

/** Integrate dw/dt = -(grad L + (eps/2) Hess L grad L) from w0 to T. */
export function modifiedFlow(problem: TrainingProblem, w0: Float64Array, eps: number, T: number, rtol = 1e-11, atol = 1e-14, maxSteps?: number): ModifiedFlowResult {
  const sol = solve(modifiedFlowField(problem, eps), 0, T, w0, { method: DOP853, controller: { kind: 'pid', rtol, atol }, ...(maxSteps === undefined ? {} : { maxSteps }) });
  return { status: sol.status, wT: sol.y, stats: sol.stats };
}
