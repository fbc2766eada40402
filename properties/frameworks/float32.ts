/**
 * How far a float32 computation (TensorFlow.js) may sit from the float64 engine's on the same numbers: the
 * tolerances of xfw.tfjs, derived from float32 rounding (u32 = 2^-24).
 *
 * Forward pass. Every rounding of a dense network's float32 forward pass can be moved onto a weight: the
 * sum fl(sum_j W_ij h_j) equals sum_j W_ij (1 + theta_ij) h_j with theta_ij a product of at most n factors
 * (1 + delta), |delta| <= u32 (Higham, section 3.1), and the rounding of the multiplier, the bias addition, the
 * activation's value (TensorFlow.js's float32 elementary functions are within a few ulps), the residual
 * addition and the next layer's read of h multiply the same weights by further such factors. So fl32(f(x)) is
 * f at weights w_j (1 + Theta_j), Theta_j a product of at most K factors, K = the longest sum plus
 * ELEMENTWISE_ROUNDINGS, and to first order
 *   |fl32(f_k(x)) - f_k(x)| <= c(K) u32 S_k(x),   S_k(x) = sum_j |w_j d f_k(x) / d w_j|,
 * computed from the float64 Jacobian. The worst case is c(K) = K (gamma_K); when the rounding errors are
 * independent and of mean zero, Higham and Mary's probabilistic bound (SIAM J. Sci. Comput. 41, 2019,
 * Theorem 2.4; Hoeffding's inequality on the first-order error) gives c(K) = LAMBDA sqrt(K) with probability
 * at least 1 - 2 exp(-LAMBDA^2 / 2) per output. The tests use the probabilistic form, which is tight enough
 * to see a relative change of 1e-3 in one layer (a wrong multiplier); the worst-case form is about
 * sqrt(K) / LAMBDA times looser.
 *
 * Layer normalisation's centring is the one rounding that does not move onto a weight: u = (z - mean) / s,
 * s = sqrt(var + eps), is computed with an absolute error of about (|z| + |mean|) / s roundings, not |u|
 * roundings, and s can be as small as sqrt(eps) when the units' values nearly agree (over a width of 2 the
 * layer is a smoothed sign function). That error reaches output k through d f_k / d u, so S gains
 * sum_units |d f_k / d u_unit| (|z_unit| + |mean|) / s (an exact first-order term, computed per example).
 *
 * Elementwise functions accurate in the absolute sense only. TensorFlow.js's wasm backend computes sin of a
 * small NEGATIVE argument to a few u32 absolutely, not relatively (measured here: sin(-1e-5) off by 2.7 u32,
 * a relative error of 2.7e5 u32; positive arguments and the cpu backend are accurate to an ulp), so a hidden
 * value a may carry an error of ACTIVATION_ABS u32 whatever its size. That error reaches output k through
 * d f_k / d a, so the bound gains LAMBDA ACTIVATION_ABS u32 sum_units |d f_k / d a_unit| over the hidden values a
 * (the inputs of every dense site but the first, whose input is the data); S carries it divided by sqrt(K).
 *
 * Gradient. g_j = sum_i sum_k L'_ik J_ikj (step P5). Its float32 error has three sources: the error of L'_ik,
 * at most |L''| |error of y_i| <= c u32 S_i (|L''| <= 1 in the infinity norm for the squared, logistic and
 * softmax losses); the errors of J_ikj from the forward and backward passes, each stage adding roundings of
 * the magnitude of the terms; and the final sum over examples. With
 *   M_j = sum_i sum_k (|L'_ik| + S_i) |J_ikj|   (+ lambda |w_j| with weight decay)
 * and one forward and one backward stage per dense layer, one for L' and one for the sum over examples
 * (stages = 2 (D + 1) + 2), at most K roundings per stage touch a term. The absolute error of a hidden value
 * a_unit enters the weight gradient alpha delta a_unit of the next layer as alpha |delta| ACTIVATION_ABS u32:
 *   E = ACTIVATION_ABS max over dense sites of sum_i sum_k |L'_ik| alpha max_unit |delta_ik,unit|.
 * Layer normalisation amplifies every rounding after its centring, in the forward values it passes on and in
 * the backward pass through its Jacobian (I - 1 1^T / n - u u^T / n) / s, by at most
 * rho = (max |z| + |mean|) / (s max(1, max |u|)), which is about 1 when the layer is well conditioned; the
 * bound is multiplied by 1 + sum over layer-norm layers of the largest rho over the examples. Then
 *   max_j |g32_j - g_j| <= LAMBDA sqrt(K stages) u32 (max_j M_j + E) (1 + sum rho)
 * (worst case: K stages u32 in place of LAMBDA sqrt(K stages) u32).
 * The bound is norm-wise (relative to the largest M_j): an error made in a shared quantity (L'_i, a layer's
 * delta) reaches every component, including those whose own terms are small.
 *
 * Slack. The tests record the measured gaps over these bounds as figures, and they sit far below 1; that is the
 * bound's construction, not a loose constant. LAMBDA = 6 is Hoeffding's tail at a failure probability of 3e-8
 * per checked entry (a run checks thousands of entries, so a bound at the typical, one-sigma error would fail
 * in most runs), six times the typical error; and S and M_j add the magnitudes of every rounding site's
 * contribution, |w_j d f / d w_j|, which errors of random sign reach only as the root of a sum of squares. The
 * optimisers' one-step and trajectory bounds (tfjsTrajectory.ts), which add worst-case roundings of a few
 * operations to this gradient bound, are the tight ones; their figures show how close.
 *
 * @module
 */
import { matrix, UNIT_ROUNDOFF_F32, type Matrix } from '../../src/core/index.js';
import { lossDerivatives, type Loss, type Reduction } from '../../src/losses/index.js';
import { flattenParamAdjoints, type Model } from '../../src/models/index.js';

/** Roundings per weight besides the longest sum: multiplier, bias, activation (a few ulps), GELU's composed ops, residual. */
export const ELEMENTWISE_ROUNDINGS = 8;

/** The absolute accuracy of a hidden value, in u32 (TensorFlow.js wasm's sin near 0: measured up to 3.9). */
export const ACTIVATION_ABS = 4;

/**
 * Hoeffding's multiplier in the probabilistic bound LAMBDA sqrt(K) u32: a bound exceeded with probability at
 * most 2 exp(-LAMBDA^2 / 2) = 3e-8 when the rounding errors are independent with mean zero.
 */
export const LAMBDA = 6;

/** The factor over the forward bound for layer normalisation's mean subtraction and second-order terms. */
export const FORWARD_SAFETY = 2;

/** The longest sum of the computation: the largest fan-in or normalised width, or the number of examples. */
export function longestSum(model: Model, examples: number): number {
  const spec = model.spec;
  const widths = spec.kind === 'mlp' ? [spec.inputDim, ...spec.layers.map((l) => l.width)] : [model.inputDim];
  return Math.max(...widths, examples, 1);
}

/** K = the longest sum + {@link ELEMENTWISE_ROUNDINGS}: the roundings that can touch one term of one stage. */
export function roundingsPerStage(model: Model, examples: number): number {
  return longestSum(model, examples) + ELEMENTWISE_ROUNDINGS;
}

/** The probabilistic relative bound of n roundings: LAMBDA sqrt(n) u32. */
export function probabilisticBound(n: number): number {
  return LAMBDA * Math.sqrt(n) * UNIT_ROUNDOFF_F32;
}

/** Rounded stages of a gradient: a forward and a backward stage per dense layer, L', and the sum over examples. */
export function gradientStages(model: Model): number {
  const depth = model.spec.kind === 'mlp' ? model.spec.layers.length : 1;
  return 2 * (depth + 1) + 2;
}

/** What the float32 bounds are made of, per example i and output k (row i O + k). */
export interface Float32Scales {
  /** J, (N O) x d. */
  readonly J: Matrix;
  /**
   * S_ik in units of the relative bound: sum_j |w_j J_ikj| + (ACTIVATION_ABS / sqrt(K)) sum_units |d f_k / d a_unit|
   * + the layer-norm centring term.
   */
  readonly S: Matrix;
  /** Per dense site after the first: alpha max_unit |delta_ik,unit|, (N O) x sites. */
  readonly deltaMax: Matrix;
  /** Per layer-norm layer: the largest amplification rho over the examples. */
  readonly normAmplification: readonly number[];
}

/** The Jacobian, the forward scales and the site deltas, one example and one output at a time. */
export function float32Scales(model: Model, w: Float64Array, X: Matrix): Float32Scales {
  const d = model.paramCount;
  const O = model.outputDim;
  const K = roundingsPerStage(model, X.rows);
  const J = matrix(X.rows * O, d);
  const S = matrix(X.rows, O);
  let deltaMax: Matrix | null = null;
  const layerNorm = model.spec.kind === 'mlp' && model.spec.layers.some((l) => l.norm === 'layer');
  let rho: number[] = [];
  for (let i = 0; i < X.rows; i++) {
    const trace = model.trace(w, matrix(1, X.cols, X.data.subarray(i * X.cols, (i + 1) * X.cols)));
    const hidden = trace.sites.flatMap((s, n) => (s.kind === 'dense' && n > 0 ? [s] : []));
    deltaMax ??= matrix(X.rows * O, hidden.length);
    // Layer norm: an affine site (gain and shift) follows the dense site whose output z it normalised.
    const norms = layerNorm ? trace.sites.flatMap((s, n) => (s.kind === 'affine' ? [{ u: s.input, z: trace.sites[n - 1]!.output.value }] : [])) : [];
    const centring = norms.map(({ u, z }) => {
      const n = z.data.length;
      const mean = z.data.reduce((a, v) => a + v, 0) / n;
      const sd = Math.sqrt(z.data.reduce((a, v) => a + (v - mean) ** 2, 0) / n + (model.spec.kind === 'mlp' ? model.spec.normEps : 0));
      const zMax = Math.max(...Array.from(z.data, Math.abs));
      const uMax = Math.max(...Array.from(u.value.data, Math.abs));
      return { u, weights: Array.from(z.data, (v) => (Math.abs(v) + Math.abs(mean)) / sd), rho: (zMax + Math.abs(mean)) / (sd * Math.max(1, uMax)) };
    });
    rho = centring.map((c, l) => Math.max(rho[l] ?? 0, c.rho));
    for (let k = 0; k < O; k++) {
      const seed = matrix(1, O);
      seed.data[k] = 1;
      const adj = trace.tape.backward(trace.output, seed);
      const row = flattenParamAdjoints(trace, adj, d);
      J.data.set(row, (i * O + k) * d);
      let rel = 0;
      for (let j = 0; j < d; j++) rel += Math.abs(w[j]! * row[j]!);
      let abs = 0;
      hidden.forEach((site, n) => {
        const da = adj.get(site.input.id);
        const dz = adj.get(site.output.id);
        if (da) for (const v of da.data) abs += Math.abs(v);
        let m = 0;
        if (dz) for (const v of dz.data) m = Math.max(m, Math.abs(v));
        deltaMax!.data[(i * O + k) * hidden.length + n] = (site.kind === 'dense' ? site.alpha : 1) * m;
      });
      let centred = 0;
      for (const c of centring) {
        const du = adj.get(c.u.id);
        if (du) du.data.forEach((v, unit) => (centred += Math.abs(v) * c.weights[unit]!));
      }
      S.data[i * O + k] = rel + (ACTIVATION_ABS / Math.sqrt(K)) * abs + centred;
    }
  }
  return { J, S, deltaMax: deltaMax ?? matrix(X.rows * O, 0), normAmplification: rho };
}

/** The float32 forward tolerance per output entry: FORWARD_SAFETY LAMBDA sqrt(K) u32 S_ik (N x O). */
export function forwardTolerance(model: Model, w: Float64Array, X: Matrix, examples = X.rows): Matrix {
  const { S } = float32Scales(model, w, X);
  const g = FORWARD_SAFETY * probabilisticBound(roundingsPerStage(model, examples));
  return matrix(S.rows, S.cols, S.data.map((v) => g * v));
}

/** (max_j M_j + E) (1 + sum rho), the magnitude of the gradient's terms (see the module comment). */
export function gradientScale(model: Model, loss: Loss, w: Float64Array, X: Matrix, Y: Matrix, reduction: Reduction = 'sum', weightDecay = 0): number {
  const d = model.paramCount;
  const O = model.outputDim;
  const { J, S, deltaMax, normAmplification } = float32Scales(model, w, X);
  const Lp = lossDerivatives(loss, model.forward(w, X), Y, reduction);
  const perExample = reduction === 'mean' ? 1 / X.rows : 1;
  const M = new Float64Array(d);
  const E = new Float64Array(deltaMax.cols);
  for (let i = 0; i < X.rows; i++) {
    let Si = 0;
    for (let k = 0; k < O; k++) Si = Math.max(Si, S.data[i * O + k]!);
    for (let k = 0; k < O; k++) {
      const r = i * O + k;
      const c = Math.abs(Lp.data[r]!) + perExample * Si;
      for (let j = 0; j < d; j++) M[j]! += c * Math.abs(J.data[r * d + j]!);
      for (let n = 0; n < E.length; n++) E[n]! += ACTIVATION_ABS * Math.abs(Lp.data[r]!) * deltaMax.data[r * E.length + n]!;
    }
  }
  let max = 0;
  for (let j = 0; j < d; j++) max = Math.max(max, M[j]! + weightDecay * Math.abs(w[j]!));
  return (max + Math.max(0, ...E)) * (1 + normAmplification.reduce((a, r) => a + r, 0));
}

/** The float32 gradient tolerance (absolute, norm-wise): LAMBDA sqrt(K stages) u32 (max_j M_j + E) (1 + sum rho). */
export function gradientTolerance(model: Model, loss: Loss, w: Float64Array, X: Matrix, Y: Matrix, reduction: Reduction = 'sum', weightDecay = 0): number {
  return probabilisticBound(roundingsPerStage(model, X.rows) * gradientStages(model)) * gradientScale(model, loss, w, X, Y, reduction, weightDecay);
}
