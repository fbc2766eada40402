/**
 * The linear-in-features squared-loss problems of closedForms.property.ts and their closed forms: A's
 * eigendecomposition, the map to and from its eigenbasis, the powers of a 2 x 2 recurrence, and the scales of
 * the rounding bounds.
 *
 * @module
 */
import fc from 'fast-check';
import { matrix, rng, symmetricEigen, UNIT_ROUNDOFF_F64, type Matrix } from '../../src/core/index.js';
import { squared } from '../../src/losses/index.js';
import { compileModel, featureMap, type FeaturesSpec, type Model } from '../../src/models/index.js';
import type { TrainingProblem } from '../../src/train/index.js';
import { featuresSpecArb } from '../arbitraries/models.js';

const u = UNIT_ROUNDOFF_F64;

/**
 * The closed form maps w to A's eigenbasis and back: two products with V, each component a sum of F terms
 * bounded by gamma_F ||x|| (the rows of V have unit norm), so sqrt(F) F u ||x|| each in the 2-norm; and V is
 * orthogonal only to rounding, by ||V V^T - I||_F (measured on the computed V: Jacobi's accumulated rotations
 * leave a defect that grows with F and the number of sweeps).
 */
export function roundTrip(c: LinearCase, wMax: number): number {
  const F = c.phi.cols;
  return (2 * u * F * Math.sqrt(F) + c.orthogonalityDefect) * wMax;
}

/** A generated linear-in-features squared-loss problem with A's eigendecomposition. */
export interface LinearCase {
  readonly spec: FeaturesSpec;
  readonly model: Model;
  readonly problem: TrainingProblem;
  readonly w0: Float64Array;
  /** Phi~, m x F~ (ones appended for a bias). */
  readonly phi: Matrix;
  /** A's eigendecomposition (A = Phi~^T Phi~ / (m or 1) + lambda I). */
  readonly values: Float64Array;
  readonly vectors: Matrix;
  /** sum of squares of Phi~ (/ m for a mean): ||Phi~||_F^2, the scale of the gradient's rounding. */
  readonly frobenius2: number;
  /** ||V V^T - I||_F of the computed eigenvectors. */
  readonly orthogonalityDefect: number;
}

function orthogonalityDefect(V: Matrix): number {
  const n = V.rows;
  let s = 0;
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) {
    let dot = 0;
    for (let k = 0; k < n; k++) dot += V.data[a * n + k]! * V.data[b * n + k]!;
    s += (dot - (a === b ? 1 : 0)) ** 2;
  }
  return Math.sqrt(s);
}

/** A generated linear-in-features squared-loss problem (targets zero when `homogeneous`, so that L = 1/2 w^T A w). */
export function linearCaseArb(homogeneous: boolean): fc.Arbitrary<LinearCase> {
  return fc
    .record({ spec: featuresSpecArb(), m: fc.integer({ min: 1, max: 8 }), dataSeed: fc.nat({ max: 2 ** 31 - 1 }), reduction: fc.constantFrom('sum' as const, 'mean' as const), weightDecay: fc.constantFrom(0, 0.1) })
    .map(({ spec, m, dataSeed, reduction, weightDecay }) => {
      const model = compileModel(spec);
      const r = rng(dataSeed).stream('data');
      const X = matrix(m, model.inputDim, Array.from({ length: m * model.inputDim }, () => r.uniformIn(-1.5, 1.5)));
      const Y = matrix(m, model.outputDim, Array.from({ length: m * model.outputDim }, () => (homogeneous ? 0 : r.uniformIn(-1, 1))));
      const parsed = model.spec as FeaturesSpec;
      const raw = featureMap(parsed)(X);
      const F = raw.cols + (parsed.bias ? 1 : 0);
      const phi = matrix(m, F, Array.from({ length: m * F }, (_, k) => (k % F < raw.cols ? raw.data[Math.floor(k / F) * raw.cols + (k % F)]! : 1)));
      const scale = reduction === 'mean' ? 1 / m : 1;
      const A = matrix(F, F);
      let frobenius2 = 0;
      for (let i = 0; i < m; i++) for (let a = 0; a < F; a++) {
        frobenius2 += scale * phi.data[i * F + a]! ** 2;
        for (let b = 0; b < F; b++) A.data[a * F + b]! += scale * phi.data[i * F + a]! * phi.data[i * F + b]!;
      }
      for (let a = 0; a < F; a++) A.data[a * F + a]! += weightDecay;
      const { values, vectors } = symmetricEigen(A);
      const problem: TrainingProblem = { model, loss: squared, xTrain: X, yTrain: Y, reduction, weightDecay };
      return { spec: parsed, model, problem, w0: model.init(rng(dataSeed).stream('init')), phi, values, vectors, frobenius2, orthogonalityDefect: orthogonalityDefect(vectors) };
    });
}

/** Output k's parameters (W_k, b_k) in Phi~'s column order, and back. */
export function outputParams(c: LinearCase, w: Float64Array, k: number): Float64Array {
  const F = c.phi.cols;
  const raw = c.spec.bias ? F - 1 : F;
  return Float64Array.from({ length: F }, (_, a) => (a < raw ? w[k * raw + a]! : w[c.model.outputDim * raw + k]!));
}

/** V^T x and V z. */
export const toEigen = (c: LinearCase, x: Float64Array) => Float64Array.from(c.values, (_, a) => x.reduce((s, v, b) => s + c.vectors.data[b * x.length + a]! * v, 0));
/** V z: back from the eigenbasis. */
export const fromEigen = (c: LinearCase, z: Float64Array) => Float64Array.from(z, (_, b) => z.reduce((s, v, a) => s + c.vectors.data[b * z.length + a]! * v, 0));

/** c_k = V^T Phi~^T y*_k (/ m): the linear term of output k's gradient in the eigenbasis. */
export function linearTerm(c: LinearCase, k: number): Float64Array {
  const { phi, problem } = c;
  const O = c.model.outputDim;
  const scale = problem.reduction === 'mean' ? 1 / phi.rows : 1;
  const b = Float64Array.from({ length: phi.cols }, (_, a) => {
    let s = 0;
    for (let i = 0; i < phi.rows; i++) s += phi.data[i * phi.cols + a]! * problem.yTrain.data[i * O + k]!;
    return scale * s;
  });
  return toEigen(c, b);
}

/** The closed form per output, assembled back into our layout: z -> g(lambda) applied coordinate-wise. */
export function assemble(c: LinearCase, perCoordinate: (index: number, z0: number, cz: number) => number): Float64Array {
  const out = new Float64Array(c.model.paramCount);
  const F = c.phi.cols;
  const raw = c.spec.bias ? F - 1 : F;
  for (let k = 0; k < c.model.outputDim; k++) {
    const z0 = toEigen(c, outputParams(c, c.w0, k));
    const cz = linearTerm(c, k);
    const theta = fromEigen(c, z0.map((z, a) => perCoordinate(a, z, cz[a]!)));
    theta.forEach((v, a) => (out[a < raw ? k * raw + a : c.model.outputDim * raw + k] = v));
  }
  return out;
}

/** The Euclidean norm. */
export const norm2 = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
/** The Euclidean distance. */
export const dist2 = (a: Float64Array, b: Float64Array) => Math.sqrt(a.reduce((s, x, j) => s + (x - b[j]!) ** 2, 0));

/** The powers of T = [[t00, t01], [t10, t11]]: T^s = a_s T - det a_{s-1} I, a_s = sum_{k<s} r1^k r2^(s-1-k). */
export function powerCoefficients(t00: number, t01: number, t10: number, t11: number, S: number): number[] {
  const tr = t00 + t11;
  const det = t00 * t11 - t01 * t10;
  const disc = tr * tr - 4 * det;
  const a = [0];
  if (disc >= 0) {
    // The root of larger modulus without cancellation; the other from the product of the roots.
    const r1 = (tr + (tr >= 0 ? 1 : -1) * Math.sqrt(disc)) / 2;
    const r2 = r1 === 0 ? 0 : det / r1;
    for (let s = 1; s <= S; s++) {
      let sum = 0;
      for (let k = 0; k < s; k++) sum += r1 ** k * r2 ** (s - 1 - k);
      a.push(sum);
    }
  } else {
    // Complex pair rho e^{+-i theta}: sum_k e^{i (2k - s + 1) theta} = sum_k cos((2k - s + 1) theta), no division.
    const rho = Math.sqrt(det);
    const theta = Math.acos(Math.max(-1, Math.min(1, tr / (2 * rho))));
    for (let s = 1; s <= S; s++) {
      let sum = 0;
      for (let k = 0; k < s; k++) sum += Math.cos((2 * k - s + 1) * theta);
      a.push(rho ** (s - 1) * sum);
    }
  }
  return a;
}

/** max over the eigenvalues of sum_{r <= s} ||T^r||_F, for s = 0..S: how far a rounding error can travel. */
export function travel(c: LinearCase, S: number, T: (lambda: number) => [number, number, number, number]): number[] {
  const out = new Array<number>(S + 1).fill(0);
  for (const lambda of c.values) {
    const [t00, t01, t10, t11] = T(lambda);
    const det = t00 * t11 - t01 * t10;
    const a = powerCoefficients(t00, t01, t10, t11, S);
    let acc = 0;
    for (let s = 0; s <= S; s++) {
      const p = s === 0 ? [1, 0, 0, 1] : [a[s]! * t00 - det * a[s - 1]!, a[s]! * t01, a[s]! * t10, a[s]! * t11 - det * a[s - 1]!];
      acc += Math.hypot(...p);
      out[s] = Math.max(out[s]!, acc);
    }
  }
  return out;
}

/** Per output k: |Phi~|^T (|Phi~| |theta_k| + |y*_k|) (/ m), the magnitude of the gradient's terms; the largest norm over k. */
export function gradientMagnitude(c: LinearCase, w: Float64Array): number {
  const { phi, problem } = c;
  const O = c.model.outputDim;
  const scale = problem.reduction === 'mean' ? 1 / phi.rows : 1;
  let worstNorm = 0;
  for (let k = 0; k < O; k++) {
    const theta = outputParams(c, w, k);
    const residual = Float64Array.from({ length: phi.rows }, (_, i) => theta.reduce((s, t, a) => s + Math.abs(phi.data[i * phi.cols + a]! * t), 0) + Math.abs(problem.yTrain.data[i * O + k]!));
    const g = Float64Array.from(theta, (_, a) => scale * residual.reduce((s, r, i) => s + Math.abs(phi.data[i * phi.cols + a]!) * r, 0));
    worstNorm = Math.max(worstNorm, norm2(g));
  }
  return worstNorm;
}
