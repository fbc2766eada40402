/**
 * Regimes: how far training moves the tangent kernel, the weights and the last hidden features, measured on one
 * run of the reference gradient flow, and the levels of a sweep over width (NTK parametrisation, muP) or over
 * the output scale alpha of the centred model alpha (f_w - f_{w0}), each level a set of initialisations (the
 * slopes over levels and their intervals: src/laws/replicates.ts).
 *
 * Every run here is the gradient flow (an embedded Runge-Kutta pair with its dense output sampled on a grid of
 * times), never GD: at the sizes swept the flow is affordable, and it removes the learning rate as a
 * variable. Measured on a fixed point set X (the training inputs), with K_t = K^g(X, X; w(t)):
 *
 * - kernel drift: max over the grid t_k = k T / G of |K_{t_k} - K_0|_F / |K_0|_F (the sup over [0, T] read on
 *   the grid; the flow is smooth, so the grid misses only the curvature of |K_t - K_0| between samples);
 * - path-kernel distance: |K^p / T - K_0|_F / |K_0|_F, with K^p = int_0^T K_t dt carried as ODE state
 *   (caveat.data-dependent-kernel: how far the paper's kernel is from the kernel fixed before training);
 * - weight movement: |w_T - w_0| / |w_0| (Euclidean, over every parameter), and the largest relative movement
 *   of one weight matrix (see {@link layerMovement});
 * - feature movement: |H_L(w_T) - H_L(w_0)|_F / |H_L(w_0)|_F with H_L the last hidden layer's outputs (post
 *   activation, the input of the output layer) on X: the RMS over units and points of the change, divided by
 *   the RMS of the features at initialisation. Both RMS are Theta(1) per coordinate under the NTK
 *   parametrisation and muP alike, so the normalisation sets constants, not slopes.
 *
 * Output-scale sweep (Chizat, Oyallon, Bach 2019): the model g = alpha (f_w - f_{w0}) has gradient alpha grad f,
 * so under the flow of the same loss its outputs move at rate alpha^2 K^g_f L'. Chizat et al. train the
 * objective alpha^{-2} L(alpha (f - f_0)), whose flow at time tau is the flow of L at time t = tau / alpha^2
 * (equivalently GD with learning rate eps / alpha^2). We therefore integrate the flow of L to T / alpha^2: the
 * outputs then follow an alpha-independent (kernel) trajectory as alpha grows, while the weights move
 * O(1 / alpha) and so does the base kernel (the wrapper's kernel is alpha^2 K^g_f, so its relative drift is
 * the base's).
 *
 * @module
 * @claim regime.lazy
 * @claim regime.feature-learning
 * @claim regime.output-scale
 * @claim caveat.data-dependent-kernel
 */
import { frobenius, matrix, norm2, rng, sub, type Matrix } from '../core/index.js';
import type { ButcherTableau } from '../flow/index.js';
import { gradientFlow, tangentKernel, type KernelMethod } from '../kernels/index.js';
import type { Loss, Reduction } from '../losses/index.js';
import { compileModel, outputScaled, type Model } from '../models/index.js';
import { objective, type TrainingProblem } from '../train/index.js';

/** Options of one measured run. */
export interface RegimeOptions {
  /** The horizon T of the flow. */
  readonly T: number;
  /** Intervals G of the time grid on which the kernel drift is read (default 8). */
  readonly samples?: number;
  /**
   * The integrator's relative tolerance (default 1e-8). The smallest drifts measured are about 1e-3 of the
   * kernel (NTK parametrisation at width 1024, alpha = 64); errors of order rtol in w(t) and K^p stay five
   * orders below them.
   */
  readonly rtol?: number;
  /** The integrator's absolute tolerance (default 1e-11). */
  readonly atol?: number;
  /** Steps allowed (default 20,000). */
  readonly maxSteps?: number;
  /**
   * The integrator's tableau (default DOP853). At the loose tolerances a regime sweep needs (rtol 1e-6), the
   * fifth-order DOPRI5 takes about twice the steps of DOP853 with half the stages each, and less time.
   */
  readonly method?: ButcherTableau;
  /** How the tangent kernel is computed (default structured). */
  readonly kernelMethod?: KernelMethod;
  /**
   * Whether to carry the path kernel K^p on the training block as ODE state (default true): it is what the
   * path-kernel distance needs, and it costs a tangent kernel per stage of the integrator.
   */
  readonly pathKernel?: boolean;
}

/** What one run measured. */
export interface RegimeMeasurement {
  /** max_k |K^g(w(t_k)) - K^g(w0)|_F / |K^g(w0)|_F on the grid t_k = k T / G. */
  readonly kernelDrift: number;
  /** |K^p / T - K^g(w0)|_F / |K^g(w0)|_F, or null when the run did not carry K^p. */
  readonly pathKernelDistance: number | null;
  /** |w_T - w_0| / |w_0|. */
  readonly weightMovement: number;
  /** max over the weight matrices W_l of |W_l(T) - W_l(0)|_F / |W_l(0)|_F (see {@link layerMovement}). */
  readonly layerMovement: number;
  /** |H_L(w_T) - H_L(w_0)|_F / |H_L(w_0)|_F. */
  readonly featureMovement: number;
  /** L(w_T) / L(w_0): how much of the fit the run achieved (comparable runs train comparably). */
  readonly lossRatio: number;
  /** The horizon integrated. */
  readonly T: number;
  /** Accepted steps of the flow. */
  readonly steps: number;
}

/** max_k |K_k - K_0|_F / |K_0|_F over a sequence of kernel matrices K_0, K_1, ... on one point set. */
function relativeDrift(kernels: readonly Matrix[]): number {
  const K0 = kernels[0]!;
  const scale = frobenius(K0);
  if (!(scale > 0)) throw new RangeError('kernel drift: the tangent kernel at w0 is zero on the point set; there is no relative drift');
  let worst = 0;
  for (const K of kernels.slice(1)) worst = Math.max(worst, frobenius(sub(K, K0)) / scale);
  return worst;
}

/** max_k |K^g(X; w_k) - K^g(X; w_0)|_F / |K^g(X; w_0)|_F over a sequence of parameter vectors w_0, w_1, ... */
export function kernelDrift(model: Model, ws: readonly Float64Array[], X: Matrix, method: KernelMethod = 'structured'): number {
  return relativeDrift(ws.map((w) => tangentKernel(model, w, X, X, method)));
}

/** |K^p / T - K0|_F / |K0|_F: how far the path kernel's time average is from the kernel at initialisation. */
export function pathKernelDistance(pathKernel: Matrix, T: number, K0: Matrix): number {
  const averaged = matrix(pathKernel.rows, pathKernel.cols, pathKernel.data.map((v) => v / T));
  return frobenius(sub(averaged, K0)) / frobenius(K0);
}

/** |w_T - w_0| / |w_0|. */
export function weightMovement(w0: Float64Array, wT: Float64Array): number {
  const diff = new Float64Array(w0.length);
  for (let j = 0; j < diff.length; j++) diff[j] = wT[j]! - w0[j]!;
  return norm2(diff) / norm2(w0);
}

/**
 * max over the dense weight matrices W_l (blocks named `*.W`) of |W_l(T) - W_l(0)|_F / |W_l(0)|_F. Unlike the
 * movement of the whole vector, this does not depend on depth through which layer holds most parameters:
 * under the NTK parametrisation the input and output layers move like width^(-1/2) relative to their size,
 * an n x n hidden layer like width^(-1) (its n^2 entries move O(1/n) each), and |w| is dominated by the hidden
 * layers from depth 2 on; the largest layer movement follows the first two at any depth.
 */
export function layerMovement(model: Model, w0: Float64Array, wT: Float64Array): number {
  let worst = 0;
  for (const block of model.layout) {
    if (!block.name.endsWith('.W')) continue;
    let moved = 0;
    let size = 0;
    for (let j = block.offset; j < block.offset + block.rows * block.cols; j++) {
      moved += (wT[j]! - w0[j]!) ** 2;
      size += w0[j]! ** 2;
    }
    if (size > 0) worst = Math.max(worst, Math.sqrt(moved / size));
  }
  if (!(worst > 0)) throw new RangeError('layer movement: no dense weight matrix moved (or the model has none)');
  return worst;
}

/**
 * The last hidden layer's outputs on X at w (N x width): the input of the model's last dense site (the output
 * layer). Throws for a model without a hidden layer, whose last site reads the fixed inputs.
 */
export function lastHiddenFeatures(model: Model, w: Float64Array, X: Matrix): Matrix {
  const sites = model.trace(w, X).sites.filter((s) => s.kind === 'dense');
  const last = sites[sites.length - 1];
  if (!last || !last.input.differentiable) throw new RangeError('features: the model has no hidden layer whose features could move');
  return last.input.value;
}

/** |H_L(w_T) - H_L(w_0)|_F / |H_L(w_0)|_F on X: the RMS change per unit and point over the RMS feature. */
export function featureMovement(model: Model, w0: Float64Array, wT: Float64Array, X: Matrix): number {
  const H0 = lastHiddenFeatures(model, w0, X);
  return frobenius(sub(lastHiddenFeatures(model, wT, X), H0)) / frobenius(H0);
}

/** Run the flow from w0 to T and measure the quantities of {@link RegimeMeasurement} on the training inputs. */
export function measureRegime(problem: TrainingProblem, w0: Float64Array, options: RegimeOptions): RegimeMeasurement {
  const { T } = options;
  const G = options.samples ?? 8;
  const ts = Array.from({ length: G + 1 }, (_, k) => (T * k) / G);
  const method = options.kernelMethod ?? 'structured';
  const carry = options.pathKernel ?? true;
  const flow = gradientFlow(problem, w0, { trainTrain: carry }, { T, ts, rtol: options.rtol ?? 1e-8, atol: options.atol ?? 1e-11, maxSteps: options.maxSteps ?? 20_000, kernelMethod: method, ...(options.method ? { method: options.method } : {}) });
  if (flow.status !== 'success') throw new RangeError(`regime run: the flow ended with status ${flow.status} (${flow.message}) at T = ${T}`);
  const X = problem.xTrain;
  const kernels = flow.ws.map((w) => tangentKernel(problem.model, w, X, X, method));
  return {
    kernelDrift: relativeDrift(kernels),
    pathKernelDistance: carry ? pathKernelDistance(flow.train!.pathKernel, T, kernels[0]!) : null,
    weightMovement: weightMovement(w0, flow.wT),
    layerMovement: layerMovement(problem.model, w0, flow.wT),
    featureMovement: featureMovement(problem.model, w0, flow.wT, X),
    lossRatio: objective(problem, flow.wT) / objective(problem, w0),
    T,
    steps: flow.stats.acceptedSteps,
  };
}

/** The data a sweep trains on: fixed across its runs. */
export interface RegimeTask {
  readonly xTrain: Matrix;
  readonly yTrain: Matrix;
  readonly loss: Loss;
  /** Default `sum` (the paper's convention). */
  readonly reduction?: Reduction;
  /** The model's output count (default the targets' column count, right for the squared loss). */
  readonly outputDim?: number;
}

/** The architecture swept: an MLP of `depth` equal hidden layers. */
export interface RegimeArchitecture {
  readonly parametrisation: 'standard' | 'ntk' | 'mup';
  /** Hidden layers (default 1). */
  readonly depth?: number;
  /** Default tanh. */
  readonly activation?: 'tanh' | 'sin' | 'gelu' | 'softplus' | 'relu';
  /**
   * Train the centred model f_w - f_{w0} (default false): the same tangent kernel and parameter dynamics, with
   * the initial function's random draw removed from the residual (see {@link widthLevel}).
   */
  readonly centred?: boolean;
  /** Initialisations per level. */
  readonly replicates: number;
  /** The seed the initialisations are drawn from. */
  readonly seed: number;
}

function mlp(task: RegimeTask, arch: RegimeArchitecture, width: number): Model {
  return compileModel({
    kind: 'mlp',
    inputDim: task.xTrain.cols,
    outputDim: task.outputDim ?? task.yTrain.cols,
    layers: Array.from({ length: arch.depth ?? 1 }, () => ({ width, activation: arch.activation ?? 'tanh' })),
    parametrisation: arch.parametrisation,
  });
}

function problemOf(task: RegimeTask, model: Model): TrainingProblem {
  return { model, loss: task.loss, xTrain: task.xTrain, yTrain: task.yTrain, ...(task.reduction ? { reduction: task.reduction } : {}) };
}

/**
 * The measurements of one level of a width sweep: `arch.replicates` initialisations of an MLP of the given
 * width, each trained by the flow to T. Every (width, replicate) draws from its own stream, so that levels are
 * independent samples (the interval of a slope across them then adds their variances). With `arch.centred`
 * the model trained is f_w - f_{w0}: under the NTK parametrisation f_{w0} is a Gaussian-process draw of
 * size O(1) at every width, and the residual it adds changes how far training goes from one initialisation to
 * the next; centring removes that spread without changing the tangent kernel or the scaling with width.
 */
export function widthLevel(task: RegimeTask, arch: RegimeArchitecture, width: number, options: RegimeOptions): RegimeMeasurement[] {
  const model = mlp(task, arch, width);
  return Array.from({ length: arch.replicates }, (_, r) => {
    const w0 = model.init(rng(arch.seed).stream(`init width ${width} replicate ${r}`));
    const trained = arch.centred ? outputScaled(model, 1, w0) : model;
    return measureRegime(problemOf(task, trained), w0, options);
  });
}

/**
 * The measurements of one level of an output-scale sweep: g = alpha (f_w - f_{w0}) around an MLP of fixed
 * width, trained by the flow of the same loss to T / alpha^2 (Chizat et al.'s alpha^{-2}-scaled objective).
 * Replicate r starts from the same w0 at every alpha, so levels are paired and the initialisation's factor
 * cancels in a slope taken per replicate.
 */
export function outputScaleLevel(task: RegimeTask, arch: RegimeArchitecture, width: number, alpha: number, options: RegimeOptions): RegimeMeasurement[] {
  const base = mlp(task, arch, width);
  return Array.from({ length: arch.replicates }, (_, r) => {
    const w0 = base.init(rng(arch.seed).stream(`init replicate ${r}`));
    return measureRegime(problemOf(task, outputScaled(base, alpha, w0)), w0, { ...options, T: options.T / (alpha * alpha) });
  });
}
