/**
 * A second implementation of the per-example split of the exact discrete representation, written from the
 * claims' formulas and sharing no code path with src/kernels/discretePath.ts beyond the model's Jacobian and
 * the Gauss-Legendre rule:
 *
 * - every step's update is rebuilt as a combination of the per-example gradients of steps r <= s with the
 *   coefficients c_{s,r} written in closed form from the optimiser's hyperparameters (heavy ball
 *   beta^(s-r); Nesterov beta^(s-r+1) + [r = s]; Adam (1 - beta1) beta1^(s-r) / (1 - beta1^(s+1)) behind a
 *   preconditioner P_s recomputed here from the gradients), never from the optimiser's own UpdateRule;
 * - example i's gradient at step r is J(x_i; w_r)^T L'_{i,r} from the Jacobian (a row per example), times the
 *   batch indicator I_i(r) (Remark 5), counted with multiplicity when a batch repeats an example;
 * - the exact share of example i is sum_s Gbar_s P_s sum_r c_{s,r} g_{i,r}, with Gbar_s the queries' Jacobian
 *   averaged over the segment w_s + tau Delta w_s by this module's own adaptive composite Gauss rule (panels
 *   halved until the shares of the two halves agree with the whole's; the two-time kernel of
 *   disc.momentum-exact and disc.adam-exact); the left-point share (Domingos' form per step) uses J(x; w_s),
 *   so for GD it is -eps sum_s L'_{i,s} K^g(x, x_i; w_s) by Jacobian contraction.
 *
 * @module
 */
import { gaussLegendreOn, matrix, type Matrix } from '../../src/core/index.js';
import { jacobian } from '../../src/models/index.js';
import type { OptimizerSpec, StepRecord, TrainingProblem } from '../../src/train/index.js';

/** Gauss nodes per panel of the reference's segment average. */
export const REFERENCE_NODES = 8;
/**
 * A panel is split until the shares of its two halves agree with its own to this, relative to the largest
 * share of the step (or 1): rounding of an 8-node rule is a few u of that scale. Over a step whose
 * integrand bends sharply (a layer norm over nearly equal pre-activations, whose transition is sqrt(1e-5)
 * wide) this takes a few levels; REFERENCE_MAX_DEPTH caps it, and capped panels are reported.
 */
export const REFERENCE_TOL = 1e-14;
/** Depth cap of the subdivision (2^12 panels per step at most). */
export const REFERENCE_MAX_DEPTH = 12;

/** What the reference keeps of one step (copies: the trainer reuses nothing, but the record is read-only). */
interface StepCopy {
  readonly w: Float64Array;
  readonly update: Float64Array;
  readonly eps: number;
  /** Per-example gradients g_{i,s} (zero outside the batch), m rows of d. */
  readonly g: Float64Array[];
  /** The step's total gradient, sum_i g_{i,s} (+ lambda w_s with coupled weight decay). */
  readonly total: Float64Array;
  /** max_j sum_i |g_{i,s,j}| + lambda |w_{s,j}|: the scale of the step's gradient entries. */
  readonly gradientScale: number;
}

/** The reference split after S steps. */
export interface ReferenceSplit {
  /** Exact shares, (n O) x m. */
  readonly exact: Matrix;
  /** The subdivision's error estimate per share (sum over leaves of |halves - whole|), (n O) x m. */
  readonly exactQuadratureEstimate: Matrix;
  /** Panels that reached the depth cap with their halves still apart by more than the tolerance. */
  readonly cappedPanels: number;
  /** Left-point shares, (n O) x m. */
  readonly leftPoint: Matrix;
  /** Weight decay's share (coupled and decoupled), exact and left-point, n O. */
  readonly regExact: Float64Array;
  readonly regExactEstimate: Float64Array;
  readonly regLeft: Float64Array;
  /** Sum over steps and examples of |share|, n O (the scale of the reference's rounding). */
  readonly magnitude: Float64Array;
  /** Sum over steps and examples of |left-point share|, n O. */
  readonly leftMagnitude: Float64Array;
  /**
   * The largest |sum_i D_{i,s,j} + D_reg,s,j - Delta w_{s,j}| over steps and coordinates, relative to the
   * rounding scale of coordinate j's update: eps P_{s,j} sum_r |c_{s,r}| G_r + eps lambda_dec |w_{s,j}| +
   * |Delta w_{s,j}|, with G_r the largest sum_i |g_{i,r,j'}| of step r (the scale of its gradient entries).
   */
  readonly worstUpdateMismatch: number;
}

/** The coefficients c_{s,r}, r = 0..s, of step s's update in the gradients of steps r (before P_s). */
export function updateCoefficients(spec: OptimizerSpec, s: number): number[] {
  const c = new Array<number>(s + 1).fill(0);
  if (spec.kind === 'gd') {
    c[s] = 1;
  } else if (spec.kind === 'momentum') {
    for (let r = 0; r <= s; r++) c[r] = spec.nesterov ? spec.beta ** (s - r + 1) + (r === s ? 1 : 0) : spec.beta ** (s - r);
  } else {
    const b1 = spec.beta1 ?? 0.9;
    for (let r = 0; r <= s; r++) c[r] = ((1 - b1) * b1 ** (s - r)) / (1 - b1 ** (s + 1));
  }
  return c;
}

/** Adam's P_s from the total gradients of steps 0..s: 1 / (sqrt(v_s / (1 - beta2^(s+1))) + epsilon). */
function adamPreconditioner(spec: Extract<OptimizerSpec, { kind: 'adam' | 'adamw' }>, totals: readonly Float64Array[]): Float64Array {
  const b2 = spec.beta2 ?? 0.999;
  const epsilon = spec.epsilon ?? 1e-8;
  const s = totals.length - 1;
  const d = totals[0]!.length;
  const P = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let v = 0;
    for (let r = 0; r <= s; r++) v += (1 - b2) * b2 ** (s - r) * totals[r]![j]! ** 2;
    P[j] = 1 / (Math.sqrt(v / (1 - b2 ** (s + 1))) + epsilon);
  }
  return P;
}

/**
 * The shares G(tau) . D_k of every direction D_k, integrated over the segment by adaptive composite Gauss:
 * rows x directions, with the error estimate and the capped panels.
 */
function segmentShares(problem: TrainingProblem, queries: Matrix, w: Float64Array, dw: Float64Array, directions: readonly Float64Array[]): { value: Float64Array; estimate: Float64Array; capped: number } {
  const d = problem.model.paramCount;
  const rows = queries.rows * problem.model.outputDim;
  const K = directions.length;
  const panel = (a: number, b: number): Float64Array => {
    const rule = gaussLegendreOn(REFERENCE_NODES, a, b);
    const out = new Float64Array(rows * K);
    rule.nodes.forEach((tau, q) => {
      const J = jacobian(problem.model, w.map((v, j) => v + tau * dw[j]!), queries).data;
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < K; k++) {
          let acc = 0;
          for (let j = 0; j < d; j++) acc += J[r * d + j]! * directions[k]![j]!;
          out[r * K + k]! += rule.weights[q]! * acc;
        }
      }
    });
    return out;
  };
  const value = new Float64Array(rows * K);
  const estimate = new Float64Array(rows * K);
  let capped = 0;
  const whole = panel(0, 1);
  const tol = REFERENCE_TOL * Math.max(1, ...Array.from(whole, Math.abs));
  const refine = (a: number, b: number, coarse: Float64Array, depth: number): void => {
    const mid = (a + b) / 2;
    const left = panel(a, mid);
    const right = panel(mid, b);
    let diff = 0;
    for (let k = 0; k < coarse.length; k++) diff = Math.max(diff, Math.abs(left[k]! + right[k]! - coarse[k]!));
    if (diff <= tol || depth >= REFERENCE_MAX_DEPTH) {
      if (diff > tol) capped++;
      for (let k = 0; k < coarse.length; k++) {
        value[k]! += left[k]! + right[k]!;
        estimate[k]! += Math.abs(left[k]! + right[k]! - coarse[k]!);
      }
      return;
    }
    refine(a, mid, left, depth + 1);
    refine(mid, b, right, depth + 1);
  };
  refine(0, 1, whole, 0);
  return { value, estimate, capped };
}

/** Collects the steps of a run (pass `onStep` to the trainer) and computes the reference split afterwards. */
export function referenceSplit(problem: TrainingProblem, queries: Matrix, spec: OptimizerSpec): { onStep: (step: StepRecord) => void; result: () => ReferenceSplit } {
  const { model, xTrain } = problem;
  const d = model.paramCount;
  const O = model.outputDim;
  const m = xTrain.rows;
  const steps: StepCopy[] = [];
  const onStep = (step: StepRecord): void => {
    const g = Array.from({ length: m }, () => new Float64Array(d));
    const Xb = matrix(step.batch.length, xTrain.cols);
    step.batch.forEach((i, row) => Xb.data.set(xTrain.data.subarray(i * xTrain.cols, (i + 1) * xTrain.cols), row * xTrain.cols));
    const J = jacobian(model, step.w, Xb).data;
    step.batch.forEach((i, row) => {
      for (let k = 0; k < O; k++) {
        const Lp = step.lossDerivatives.data[row * O + k]!;
        for (let j = 0; j < d; j++) g[i]![j]! += Lp * J[(row * O + k) * d + j]!;
      }
    });
    const lambda = problem.weightDecay ?? 0;
    const total = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let acc = lambda * step.w[j]!;
      for (let i = 0; i < m; i++) acc += g[i]![j]!;
      total[j] = acc;
    }
    let gradientScale = 0;
    for (let j = 0; j < d; j++) {
      let abs = Math.abs(lambda * step.w[j]!);
      for (let i = 0; i < m; i++) abs += Math.abs(g[i]![j]!);
      gradientScale = Math.max(gradientScale, abs);
    }
    steps.push({ w: step.w.slice(), update: step.update.slice(), eps: step.eps, g, total, gradientScale });
  };

  const result = (): ReferenceSplit => {
    const rows = queries.rows * O;
    const exact = matrix(rows, m);
    const estimate = matrix(rows, m);
    const leftPoint = matrix(rows, m);
    const regExact = new Float64Array(rows);
    const regExactEstimate = new Float64Array(rows);
    const regLeft = new Float64Array(rows);
    const magnitude = new Float64Array(rows);
    const leftMagnitude = new Float64Array(rows);
    const lambda = problem.weightDecay ?? 0;
    const decoupled = spec.kind === 'adamw' ? spec.weightDecay : 0;
    let worstUpdateMismatch = 0;
    let cappedPanels = 0;
    steps.forEach((st, s) => {
      const c = updateCoefficients(spec, s);
      const P = spec.kind === 'adam' || spec.kind === 'adamw' ? adamPreconditioner(spec, steps.slice(0, s + 1).map((x) => x.total)) : null;
      // D_{i,s} = -eps P_s sum_r c_{s,r} g_{i,r}; the last direction is the regulariser's (coupled lambda w_r,
      // then the decoupled -eps lambda_dec w_s).
      const directions = Array.from({ length: m + 1 }, () => new Float64Array(d));
      let gradientScale = 0;
      for (let r = 0; r <= s; r++) {
        if (c[r] === 0) continue;
        gradientScale += Math.abs(c[r]!) * steps[r]!.gradientScale;
        for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) directions[i]![j]! += c[r]! * steps[r]!.g[i]![j]!;
        if (lambda !== 0) for (let j = 0; j < d; j++) directions[m]![j]! += c[r]! * lambda * steps[r]!.w[j]!;
      }
      for (const D of directions) for (let j = 0; j < d; j++) D[j] = -st.eps * (P ? P[j]! : 1) * D[j]!;
      for (let j = 0; j < d; j++) directions[m]![j]! += -st.eps * decoupled * st.w[j]!;
      // The combination must rebuild the optimiser's own update (closed-form coefficients vs its recursion).
      for (let j = 0; j < d; j++) {
        let sum = 0;
        for (const D of directions) sum += D[j]!;
        const scale = st.eps * (P ? P[j]! : 1) * gradientScale + st.eps * decoupled * Math.abs(st.w[j]!) + Math.abs(st.update[j]!);
        worstUpdateMismatch = Math.max(worstUpdateMismatch, Math.abs(sum - st.update[j]!) / Math.max(scale, Number.MIN_VALUE));
      }
      const shares = segmentShares(problem, queries, st.w, st.update, directions);
      cappedPanels += shares.capped;
      const J0 = jacobian(model, st.w, queries).data;
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i <= m; i++) {
          const exactShare = shares.value[r * (m + 1) + i]!;
          let left = 0;
          for (let j = 0; j < d; j++) left += J0[r * d + j]! * directions[i]![j]!;
          magnitude[r]! += Math.abs(exactShare);
          leftMagnitude[r]! += Math.abs(left);
          if (i === m) {
            regExact[r]! += exactShare;
            regExactEstimate[r]! += shares.estimate[r * (m + 1) + i]!;
            regLeft[r]! += left;
          } else {
            exact.data[r * m + i]! += exactShare;
            estimate.data[r * m + i]! += shares.estimate[r * (m + 1) + i]!;
            leftPoint.data[r * m + i]! += left;
          }
        }
      }
    });
    return { exact, exactQuadratureEstimate: estimate, cappedPanels, leftPoint, regExact, regExactEstimate, regLeft, magnitude, leftMagnitude, worstUpdateMismatch };
  };
  return { onStep, result };
}
