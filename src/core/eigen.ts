/**
 * Eigenvalues of a symmetric matrix by the cyclic Jacobi method: slow (O(n^3) per sweep) but accurate to a
 * small multiple of u * ||A||, which is what a positive-semidefiniteness check needs. Sizes here are kernel
 * Gram matrices of at most a few hundred rows.
 *
 * @module
 */
import { matrix, type Matrix } from './matrix.js';

/** Sweeps after which the iteration gives up (convergence is quadratic; 60 is never reached in practice). */
const MAX_SWEEPS = 60;

/** An eigendecomposition A = V diag(values) V^T; column k of `vectors` belongs to values[k]. */
export interface SymmetricEigen {
  /** Ascending. */
  readonly values: Float64Array;
  /** Orthogonal, n x n, eigenvectors as columns. */
  readonly vectors: Matrix;
}

/** The eigenvalues of a symmetric matrix, ascending. Symmetry is assumed, not checked. */
export function symmetricEigenvalues(a: Matrix): Float64Array {
  return symmetricEigen(a).values;
}

/** Eigenvalues and orthonormal eigenvectors of a symmetric matrix (cyclic Jacobi, rotations accumulated). */
export function symmetricEigen(a: Matrix): SymmetricEigen {
  if (a.rows !== a.cols) throw new RangeError(`symmetricEigenvalues: matrix is [${a.rows}, ${a.cols}], not square`);
  const n = a.rows;
  const A = a.data.slice();
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += A[i * n + i]! ** 2;
      for (let j = i + 1; j < n; j++) off += A[i * n + j]! ** 2;
    }
    if (off <= 1e-36 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        const app = A[p * n + p]!;
        const aqq = A[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!;
          const akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!;
          const aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!;
          const vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[i * n + i]! - A[j * n + j]!);
  const values = Float64Array.from(order, (i) => A[i * n + i]!);
  const vectors = matrix(n, n);
  order.forEach((src, k) => {
    for (let r = 0; r < n; r++) vectors.data[r * n + k] = V[r * n + src]!;
  });
  return { values, vectors };
}

/** f(A) = V diag(f(lambda)) V^T for a symmetric A (for example exp(-t A) with f = x -> exp(-t x)). */
export function symmetricFunction(a: Matrix, f: (lambda: number) => number): Matrix {
  const { values, vectors } = symmetricEigen(a);
  const n = a.rows;
  const out = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += vectors.data[i * n + k]! * f(values[k]!) * vectors.data[j * n + k]!;
      out.data[i * n + j] = acc;
    }
  }
  return out;
}
