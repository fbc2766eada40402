/**
 * The tangent kernel K^g(x, x') = grad_w f(x) . grad_w f(x') (Definition 1), matrix-valued for models with
 * several outputs, computed three independent ways:
 *
 * - `jacobian`: per-example gradients stacked into J, then K = J1 J2^T. Costs N O backward passes and
 *   N1 N2 O^2 d multiply-adds; the reference (neural-tangents' default).
 * - `kvp`: kernel-vector products, K v = J1 (J2^T v): one VJP then one JVP per column, never holding J.
 * - `structured`: for parameters that enter linearly at a site z = alpha h W^T + beta b, the site's share of
 *   K is (delta(x) . delta(x')) (alpha^2 h(x) . h(x') + beta^2) with delta = df/dz; for a gain and shift,
 *   ((delta u)(x) . (delta u)(x')) + delta(x) . delta(x'). One forward and O backward passes per input set,
 *   then N1 N2 O^2 (sum of site widths) multiply-adds; no per-example gradient exists at any point.
 *
 * Layout: K is (N1 O) x (N2 O), entry ((i, k), (j, k')) at row i O + k, column j O + k'.
 *
 * A batch-coupled model (batch normalisation in training mode) has a kernel only within one batch, with
 * total derivatives through the batch statistics; the structured rule assumes independent examples, so such
 * models fall back to the Jacobian method and say so.
 *
 * @module
 * @claim def.tangent-kernel
 */
import { matmulTransB, matrix, type Matrix } from '../core/matrix.js';
import { flattenParamAdjoints, jacobian, paramTangents, type Model, type Trace } from '../models/index.js';

/** The three implementations. */
export const KERNEL_METHODS = ['structured', 'kvp', 'jacobian'] as const;
/** One of the three implementations. */
export type KernelMethod = (typeof KERNEL_METHODS)[number];

/** A kernel and how it was computed. */
export interface KernelComputation {
  readonly K: Matrix;
  /** The method that ran (differs from the one asked for when it does not apply to the model). */
  readonly method: KernelMethod;
  /** Why the method asked for was replaced, or null. */
  readonly note: string | null;
}

function checkBatch(model: Model, X1: Matrix, X2: Matrix): void {
  if (model.batchCoupled && X1 !== X2) {
    throw new RangeError(
      'tangent kernel: this model couples the examples of a batch (batch normalisation), so its kernel is defined only within one batch; pass the same batch as X1 and X2',
    );
  }
}

/** K^g(X1, X2; w) by Jacobian contraction. */
export function tangentKernelJacobian(model: Model, w: Float64Array, X1: Matrix, X2: Matrix = X1): Matrix {
  checkBatch(model, X1, X2);
  const J1 = jacobian(model, w, X1);
  return matmulTransB(J1, X2 === X1 ? J1 : jacobian(model, w, X2));
}

/** J1 J2^T V for a cotangent V on X2's outputs (N2 x O): one VJP, then one JVP; returns N1 x O. */
export function kernelVectorProduct(model: Model, w: Float64Array, X1: Matrix, X2: Matrix, V: Matrix): Matrix {
  checkBatch(model, X1, X2);
  const trace2 = model.trace(w, X2);
  const u = flattenParamAdjoints(trace2, trace2.tape.backward(trace2.output, V), model.paramCount);
  const trace1 = X2 === X1 ? trace2 : model.trace(w, X1);
  return trace1.tape.jvp(paramTangents(trace1, u), trace1.output);
}

/** K^g(X1, X2; w) column by column from kernel-vector products. */
export function tangentKernelKvp(model: Model, w: Float64Array, X1: Matrix, X2: Matrix = X1): Matrix {
  checkBatch(model, X1, X2);
  const O = model.outputDim;
  const trace2 = model.trace(w, X2);
  const trace1 = X2 === X1 ? trace2 : model.trace(w, X1);
  const K = matrix(X1.rows * O, X2.rows * O);
  const cols = X2.rows * O;
  for (let c = 0; c < cols; c++) {
    const seed = matrix(X2.rows, O);
    seed.data[c] = 1;
    const u = flattenParamAdjoints(trace2, trace2.tape.backward(trace2.output, seed), model.paramCount);
    const column = trace1.tape.jvp(paramTangents(trace1, u), trace1.output);
    for (let r = 0; r < column.data.length; r++) K.data[r * cols + c] = column.data[r]!;
  }
  return K;
}

/**
 * What the structured identity needs from one evaluation f(X; w): at every linear site, its input (h for a
 * dense layer, the normalised u for a gain) and, for each output k, delta_k = df_k/dz at the site's output;
 * for a gain site also delta_k * u. Computed from one trace and O reverse passes that skip the weight
 * gradients (every row seeded at once: valid because examples are independent).
 */
export interface SiteFactors {
  /** N, the number of inputs. */
  readonly rows: number;
  /** O, the number of outputs. */
  readonly outputs: number;
  readonly sites: readonly SiteFactor[];
}

/** One site's factors (see {@link SiteFactors}). */
export interface SiteFactor {
  readonly kind: 'dense' | 'affine';
  /** alpha^2 and beta^2 of a dense site (1 and 0 for a gain site, unused). */
  readonly alpha2: number;
  readonly beta2: number;
  /** h (dense) or u (gain), N x width. */
  readonly input: Matrix;
  /** delta_k for each output k, N x width. */
  readonly deltas: readonly Matrix[];
  /** delta_k * u for each output k (gain sites only). */
  readonly scaledDeltas: readonly Matrix[] | null;
}

function rowScaled(a: Matrix, b: Matrix): Matrix {
  const out = matrix(a.rows, a.cols);
  for (let i = 0; i < a.data.length; i++) out.data[i] = a.data[i]! * b.data[i]!;
  return out;
}

/** The structured factors of a recorded evaluation (a trace of f(X; w) on N independent inputs). */
export function siteFactors(model: Model, trace: Trace): SiteFactors {
  if (model.batchCoupled || !model.structured) {
    throw new RangeError('structured tangent kernel: the model couples examples or has parameters outside linear sites');
  }
  const O = model.outputDim;
  const n = trace.output.value.rows;
  const perOutput: Matrix[][] = [];
  for (let k = 0; k < O; k++) {
    const seed = matrix(n, O);
    for (let i = 0; i < n; i++) seed.data[i * O + k] = 1;
    const adj = trace.tape.backward(trace.output, seed, { skipVariables: true });
    perOutput.push(trace.sites.map((s) => adj.get(s.output.id) ?? matrix(s.output.value.rows, s.output.value.cols)));
  }
  const sites = trace.sites.map((site, s): SiteFactor => {
    const deltas = perOutput.map((d) => d[s]!);
    const input = site.input.value;
    return site.kind === 'dense'
      ? { kind: 'dense', alpha2: site.alpha * site.alpha, beta2: site.beta * site.beta, input, deltas, scaledDeltas: null }
      : { kind: 'affine', alpha2: 1, beta2: 0, input, deltas, scaledDeltas: deltas.map((d) => rowScaled(d, input)) };
  });
  return { rows: n, outputs: O, sites };
}

/**
 * J(X1; w1) J(X2; w2)^T from the two evaluations' structured factors, (N1 O) x (N2 O): per site,
 * (D1_k D2_k'^T) o (alpha^2 H1 H2^T + beta^2) for a dense layer and (D1_k D2_k'^T) + (D1_k u1)(D2_k' u2)^T
 * for a gain and shift. Passing the same factors twice gives a Gram matrix, whose products compute only the
 * upper triangle (bit-identical to the full product).
 */
export function crossKernelOfFactors(F1: SiteFactors, F2: SiteFactors): Matrix {
  if (F1.outputs !== F2.outputs || F1.sites.length !== F2.sites.length) {
    throw new RangeError(`cross kernel: factors of ${F1.sites.length} and ${F2.sites.length} sites (${F1.outputs} and ${F2.outputs} outputs) come from different models`);
  }
  const O = F1.outputs;
  const N1 = F1.rows;
  const N2 = F2.rows;
  const K = matrix(N1 * O, N2 * O);
  const Kd = K.data;
  const rowStride = N2 * O;
  F1.sites.forEach((site, s) => {
    const other = F2.sites[s]!;
    // The factor shared by every output pair: alpha^2 h h'^T + beta^2 for a dense site.
    const H = site.kind === 'dense' ? matmulTransB(site.input, other.input) : null;
    if (H) for (let i = 0; i < H.data.length; i++) H.data[i] = site.alpha2 * H.data[i]! + site.beta2;
    for (let k = 0; k < O; k++) {
      for (let kk = 0; kk < O; kk++) {
        const dd = matmulTransB(site.deltas[k]!, other.deltas[kk]!).data;
        const factor = H ? H.data : matmulTransB(site.scaledDeltas![k]!, other.scaledDeltas![kk]!).data;
        for (let i = 0; i < N1; i++) {
          const out = (i * O + k) * rowStride + kk;
          const row = i * N2;
          if (H) for (let j = 0; j < N2; j++) Kd[out + j * O]! += dd[row + j]! * factor[row + j]!;
          else for (let j = 0; j < N2; j++) Kd[out + j * O]! += dd[row + j]! + factor[row + j]!;
        }
      }
    }
  });
  return K;
}

/** K^g(X1, X2; w) by the structured per-site identity (independent examples only). */
export function tangentKernelStructured(model: Model, w: Float64Array, X1: Matrix, X2: Matrix = X1): Matrix {
  return crossTangentKernel(model, w, X1, w, X2);
}

/**
 * The cross kernel J(X1; w1) J(X2; w2)^T between gradients taken at two parameter vectors, by the structured
 * identity: the site structure (alpha, beta) does not depend on w, so each site's share is
 * (delta(x; w1) . delta(x'; w2)) (alpha^2 h(x; w1) . h(x'; w2) + beta^2). The exact discrete path kernel needs
 * it: the gradient at a point of a step's segment against the training gradients at the step's start.
 */
export function crossTangentKernel(model: Model, w1: Float64Array, X1: Matrix, w2: Float64Array, X2: Matrix): Matrix {
  const F1 = siteFactors(model, model.trace(w1, X1));
  const F2 = X2 === X1 && w2 === w1 ? F1 : siteFactors(model, model.trace(w2, X2));
  return crossKernelOfFactors(F1, F2);
}

/** K^g(X1, X2; w) by the method asked for, falling back to the Jacobian where that method does not apply. */
export function computeTangentKernel(
  model: Model,
  w: Float64Array,
  X1: Matrix,
  X2: Matrix = X1,
  method: KernelMethod = 'structured',
): KernelComputation {
  if (method === 'structured' && (model.batchCoupled || !model.structured)) {
    return {
      K: tangentKernelJacobian(model, w, X1, X2),
      method: 'jacobian',
      note: 'no structured rule for a model that couples the examples of a batch; used Jacobian contraction',
    };
  }
  const K = method === 'structured' ? tangentKernelStructured(model, w, X1, X2) : method === 'kvp' ? tangentKernelKvp(model, w, X1, X2) : tangentKernelJacobian(model, w, X1, X2);
  return { K, method, note: null };
}

/** K^g(X1, X2; w), (N1 O) x (N2 O): the structured method where it applies, else Jacobian contraction. */
export function tangentKernel(model: Model, w: Float64Array, X1: Matrix, X2: Matrix = X1, method: KernelMethod = 'structured'): Matrix {
  return computeTangentKernel(model, w, X1, X2, method).K;
}
