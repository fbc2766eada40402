/**
 * TensorFlow.js's optimisers step by step against ours: the float64 twin of a TensorFlow.js optimiser, the
 * float32 bound of one TensorFlow.js step, the per-step check of our optimiser and of its UpdateRule along
 * TensorFlow.js's own path, and the bound of a whole trajectory (local bounds propagated by the measured
 * amplification of a perturbation).
 *
 * The twin. TensorFlow.js holds every hyperparameter as a float32 scalar (tfjs-core 4.22 optimizers/*.js):
 * the learning rate as fround(-eps), momentum as fround(m), Adam's beta as fround(beta) and its epsilon as
 * fround(epsilon) (default the backend's 1e-7); the float64 twin takes exactly those values. One coefficient
 * cannot be matched: Adam's `mul(gradient, 1 - beta)` rounds 1 - beta (taken in float64 from the JS number)
 * to float32, fround(1 - beta), while the bias correction divides by 1 - fround(beta)^t. For beta2 = 0.999
 * these differ by 1.3e-5 relative; the bound below carries that difference, delta = |fround(1 - beta) -
 * (1 - fround(beta))|, as an error of each moment's new term.
 *
 * One step's float32 bound (absolute, per coordinate, then the largest). gt_s = the float32 gradient tolerance
 * of ./float32.ts at TensorFlow.js's w_s on the step's batch, u = 2^-24, alpha = fround(eps):
 * - sgd: w_{s+1} = fl(fl(-alpha g) + w): alpha gt_s + u (|Delta w| + |w_{s+1}|);
 * - momentum: a_s = fl(fl(m a_{s-1}) + g) carries E_s = m E_{s-1} + gt_s + u (m |a_{s-1}| + |a_s|), then
 *   heavy ball alpha E_s + u (|Delta w| + |w_{s+1}|), Nesterov fl(-alpha fl(g + fl(m a_s))) adds alpha (gt_s + m E_s)
 *   and u (|Delta w| + alpha m |a_s|) + u |w_{s+1}|;
 * - adam: the moments carry Em_s = b1 Em + (1 - b1) gt + delta1 |g| + u (b1 |m_{s-1}| + (1 - b1) |g| + |m_s|) and
 *   Ev_s = b2 Ev + (1 - b2)(2 |g| gt + gt^2) + delta2 g^2 + u (b2 v_{s-1} + 2 (1 - b2) g^2 + v_s); b^t is a running
 *   float32 product (relative error (t - 1) u), 1 - b^t and the divisions round once each; then first-order
 *   propagation through sqrt, + epsilon, the quotient, the product with -alpha and the sum with w.
 * Our float64 arithmetic adds a few float64 roundings, 2^29 times smaller, inside the u terms' slack.
 *
 * @module
 */
import { rng, UNIT_ROUNDOFF_F32, UNIT_ROUNDOFF_F64 } from '../../src/core/index.js';
import type { TfjsOptimizerSpec } from '../../src/frameworks/index.js';
import { perExampleGradients } from '../arbitraries/perExampleGradients.js';
import { batchProblem, createOptimizer, lossGradient, type OptimizerSpec, type TrainingProblem, type UpdateRule } from '../../src/train/index.js';
import { gradientTolerance } from './float32.js';

const u32 = UNIT_ROUNDOFF_F32;
const f32 = Math.fround;
/** TensorFlow.js's default Adam epsilon on its float32 backends (backend.epsilon()). */
export const TFJS_ADAM_EPSILON = 1e-7;
// The amplification is measured with perturbations of this relative size: far above float64 rounding, far
// below where the step map stops being linear.
const ETA = 1e-6;

/** Our optimiser and learning rate that take TensorFlow.js's float32 hyperparameters exactly. */
export function float64Twin(spec: TfjsOptimizerSpec, eps: number): { optimizer: OptimizerSpec; eps: number } {
  if (spec.kind === 'sgd') return { optimizer: { kind: 'gd' }, eps: f32(eps) };
  if (spec.kind === 'momentum') return { optimizer: { kind: 'momentum', beta: f32(spec.momentum), nesterov: spec.nesterov === true }, eps: f32(eps) };
  return { optimizer: { kind: 'adam', beta1: f32(spec.beta1 ?? 0.9), beta2: f32(spec.beta2 ?? 0.999), epsilon: f32(spec.epsilon ?? TFJS_ADAM_EPSILON) }, eps: f32(eps) };
}

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

/** The per-step comparison along TensorFlow.js's path. */
export interface StepChecks {
  /** The float64 batch gradient at TensorFlow.js's w_s. */
  readonly gradients: Float64Array[];
  /** TensorFlow.js's w_{s+1} - (w_s + our Delta w_s): the local error, and its largest entry. */
  readonly localError: Float64Array[];
  readonly local: number[];
  /** The float32 bound of one TensorFlow.js step. */
  readonly localBound: number[];
  /** max |Delta w rebuilt through the rule from per-example gradients - TensorFlow.js's Delta w|. */
  readonly rule: number[];
  readonly ruleBound: number[];
}

/**
 * Our optimiser (the float64 twin) driven along TensorFlow.js's path w_0..w_S: at each w_s one step of ours
 * against TensorFlow.js's next iterate, and the step rebuilt through our UpdateRule from per-example float64
 * gradients (the split of the exact discrete representation) against the same.
 */
export function checkSteps(problem: TrainingProblem, path: readonly Float64Array[], batches: readonly (readonly number[])[], spec: TfjsOptimizerSpec, eps: number): StepChecks {
  const { model } = problem;
  const d = model.paramCount;
  const m = problem.xTrain.rows;
  const twin = float64Twin(spec, eps);
  const optimizer = createOptimizer(twin.optimizer, d);
  const out: StepChecks = { gradients: [], localError: [], local: [], localBound: [], rule: [], ruleBound: [] };
  const M = Array.from({ length: m + 1 }, () => new Float64Array(d));
  const state = { E: 0, aMax: 0, Em: new Float64Array(d), Ev: new Float64Array(d), mPrev: new Float64Array(d), vPrev: new Float64Array(d) };
  for (let s = 0; s + 1 < path.length; s++) {
    const w = path[s]!;
    const next = path[s + 1]!;
    const sub = batchProblem(problem, batches[s]!);
    const { gradient } = lossGradient(sub, w);
    out.gradients.push(gradient);
    const { update, rule } = optimizer.step(gradient, w, twin.eps);
    const error = next.map((v, j) => v - (w[j]! + update[j]!));
    const step = next.map((v, j) => v - w[j]!);
    const gt = gradientTolerance(model, problem.loss, w, sub.xTrain, sub.yTrain, problem.reduction ?? 'sum', problem.weightDecay ?? 0);
    const { rebuilt, accumulated, shares } = rebuild(problem, rule, M, w, batches[s]!, sub, twin.eps);
    const bound = stepBound(spec, twin, s + 1, gt, gradient, accumulated, rule, step, next, state);
    out.localError.push(error);
    out.local.push(maxAbs(error));
    out.localBound.push(bound);
    out.rule.push(maxAbs(rebuilt.map((v, j) => v - step[j]!)));
    out.ruleBound.push(bound + UNIT_ROUNDOFF_F64 * (m + 8) * shares);
  }
  return out;
}

/**
 * Delta w = -eps P sum_i (mix M_i + direct g_i) - eps lambda_dec w with M_i = decay M_i + gain g_i, from
 * per-example gradients (the regulariser lambda w as one more example); also sum_i M_i (the optimiser's
 * accumulated state: the momentum buffer, Adam's first moment) and max_j sum_i |share_ij|.
 */
function rebuild(problem: TrainingProblem, rule: UpdateRule, M: Float64Array[], w: Float64Array, batch: readonly number[], sub: TrainingProblem, eps: number) {
  const { model } = problem;
  const d = model.paramCount;
  const m = problem.xTrain.rows;
  const g = perExampleGradients(problem, w, batch, sub);
  const rebuilt = new Float64Array(d);
  const accumulated = new Float64Array(d);
  const magnitude = new Float64Array(d);
  for (let i = 0; i <= m; i++) {
    for (let j = 0; j < d; j++) {
      M[i]![j] = rule.decay * M[i]![j]! + rule.gain * g[i]![j]!;
      accumulated[j]! += M[i]![j]!;
      const share = -eps * (rule.preconditioner ? rule.preconditioner[j]! : 1) * (rule.mix * M[i]![j]! + rule.direct * g[i]![j]!);
      rebuilt[j]! += share;
      magnitude[j]! += Math.abs(share);
    }
  }
  for (let j = 0; j < d; j++) rebuilt[j]! -= eps * rule.decoupledDecay * w[j]!;
  return { rebuilt, accumulated, shares: maxAbs(magnitude) };
}

interface BoundState {
  E: number;
  aMax: number;
  readonly Em: Float64Array;
  readonly Ev: Float64Array;
  readonly mPrev: Float64Array;
  readonly vPrev: Float64Array;
}

/** The float32 bound of TensorFlow.js's step t = s + 1 (see the module comment), updating the carried errors. */
function stepBound(spec: TfjsOptimizerSpec, twin: { optimizer: OptimizerSpec; eps: number }, t: number, gt: number, g: Float64Array, accumulated: Float64Array, rule: UpdateRule, step: Float64Array, next: Float64Array, st: BoundState): number {
  const alpha = twin.eps;
  const round = u32 * (maxAbs(step) + maxAbs(next));
  if (spec.kind === 'sgd') return alpha * gt + round;
  const o = twin.optimizer;
  if (o.kind === 'momentum') {
    const aMax = maxAbs(accumulated);
    st.E = o.beta * st.E + gt + u32 * (o.beta * st.aMax + aMax);
    st.aMax = aMax;
    return o.nesterov ? alpha * (gt + o.beta * st.E) + u32 * (2 * maxAbs(step) + alpha * o.beta * aMax + maxAbs(next)) : alpha * st.E + round;
  }
  if (o.kind !== 'adam') throw new Error(`no TensorFlow.js twin bound for ${o.kind}`);
  const b1 = o.beta1!;
  const b2 = o.beta2!;
  const epsilon = o.epsilon!;
  const delta1 = Math.abs(f32(1 - (spec.kind === 'adam' ? spec.beta1 ?? 0.9 : 0.9)) - (1 - b1));
  const delta2 = Math.abs(f32(1 - (spec.kind === 'adam' ? spec.beta2 ?? 0.999 : 0.999)) - (1 - b2));
  const c1 = 1 - b1 ** t;
  const c2 = 1 - b2 ** t;
  let worst = 0;
  for (let j = 0; j < g.length; j++) {
    const gj = Math.abs(g[j]!);
    const mj = accumulated[j]!;
    const P = rule.preconditioner![j]!;
    const root = Math.max(1 / P - epsilon, 0);
    const vj = root * root * c2;
    st.Em[j] = b1 * st.Em[j]! + (1 - b1) * gt + delta1 * gj + u32 * (b1 * Math.abs(st.mPrev[j]!) + (1 - b1) * gj + Math.abs(mj));
    st.Ev[j] = b2 * st.Ev[j]! + (1 - b2) * (2 * gj * gt + gt * gt) + delta2 * gj * gj + u32 * (b2 * st.vPrev[j]! + 2 * (1 - b2) * gj * gj + vj);
    st.mPrev[j] = mj;
    st.vPrev[j] = vj;
    const mHat = Math.abs(mj) / c1;
    const mHatErr = st.Em[j]! / c1 + mHat * (((t - 1) * u32 * b1 ** t) / c1 + 2 * u32);
    const vHat = root * root;
    const vHatErr = st.Ev[j]! / c2 + vHat * (((t - 1) * u32 * b2 ** t) / c2 + 2 * u32);
    const rootErr = (vHat > 0 ? Math.min(Math.sqrt(vHatErr), vHatErr / (2 * root)) : Math.sqrt(vHatErr)) + u32 * root;
    const D = root + epsilon;
    const denomErr = rootErr + u32 * D;
    const R = mHat / D;
    const RErr = mHatErr / D + (mHat * denomErr) / (D * D) + u32 * R;
    worst = Math.max(worst, alpha * RErr + u32 * (Math.abs(step[j]!) + Math.abs(next[j]!)));
  }
  return worst;
}

/**
 * The UpdateRule of each step of a TensorFlow.js path: our float64 twin fed with the float64 gradients at
 * TensorFlow.js's iterates (what the exact representation's per-example split would use).
 */
export function rulesAlong(problem: TrainingProblem, path: readonly Float64Array[], batches: readonly (readonly number[])[], spec: TfjsOptimizerSpec, eps: number): UpdateRule[] {
  const twin = float64Twin(spec, eps);
  const optimizer = createOptimizer(twin.optimizer, problem.model.paramCount);
  return path.slice(0, -1).map((w, s) => optimizer.step(lossGradient(batchProblem(problem, batches[s]!), w).gradient, w, twin.eps).rule);
}

/**
 * G[r][q]: how much a perturbation of w_r grows by step q under our float64 twin, the state at r replayed from
 * the gradients along TensorFlow.js's path (in the local error's direction and in a random sign direction; the
 * larger). Compared with the unperturbed continuation from the same w_r.
 */
export function amplification(problem: TrainingProblem, path: readonly Float64Array[], batches: readonly (readonly number[])[], spec: TfjsOptimizerSpec, eps: number, checks: StepChecks, seed: number): number[][] {
  const d = problem.model.paramCount;
  const S = path.length - 1;
  const twin = float64Twin(spec, eps);
  const signs = rng(seed).stream('tfjs amplification');
  const continuation = (r: number, w0: Float64Array): Float64Array[] => {
    const optimizer = createOptimizer(twin.optimizer, d);
    for (let q = 0; q < r; q++) optimizer.step(checks.gradients[q]!, path[q]!, twin.eps);
    const ws = [w0];
    let w = w0;
    for (let q = r; q < S; q++) {
      const { update } = optimizer.step(lossGradient(batchProblem(problem, batches[q]!), w).gradient, w, twin.eps);
      w = w.map((v, j) => v + update[j]!);
      ws.push(w);
    }
    return ws;
  };
  const G: number[][] = [];
  for (let r = 1; r <= S; r++) {
    const base = continuation(r, path[r]!);
    const row = new Array<number>(S + 1).fill(0);
    row[r] = 1;
    const random = Float64Array.from({ length: d }, () => (signs.uniform() < 0.5 ? -1 : 1));
    for (const direction of [checks.localError[r - 1]!.map((v) => Math.sign(v)), random]) {
      if (maxAbs(direction) === 0) continue;
      const size = ETA * maxAbs(path[r]!);
      const moved = continuation(r, path[r]!.map((v, j) => v + size * direction[j]!));
      moved.forEach((w, k) => (row[r + k] = Math.max(row[r + k]!, maxAbs(w.map((v, j) => v - base[k]![j]!)) / size)));
    }
    G[r] = row;
  }
  return G;
}

/** B_s = sum_{r=1..s} G[r][s] L_{r-1}: the bound of our trajectory's distance from TensorFlow.js's at step s. */
export function trajectoryBound(G: readonly number[][], localBound: readonly number[], s: number): number {
  let b = 0;
  for (let r = 1; r <= s; r++) b += G[r]![s]! * localBound[r - 1]!;
  return b;
}
