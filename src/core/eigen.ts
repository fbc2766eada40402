/**
 * Eigenvalues of a symmetric matrix by the cyclic Jacobi method: slow (O(n^3) per sweep) but accurate to a
 * small multiple of u * ||A||, which is what a positive-semidefiniteness check needs. Sizes here are kernel
 * Gram matrices of at most a few hundred rows.
 *
 * @module
 */
import { type Matrix } from './matrix.js';

/** Sweeps after which the iteration gives up (convergence is quadratic; 60 is never reached in practice). */
const MAX_SWEEPS = 60;

/** The eigenvalues of a symmetric matrix, ascending. Only the upper triangle's symmetry is assumed, not checked. */
export function symmetricEigenvalues(a: Matrix): Float64Array {
  if (a.rows !== a.cols) throw new RangeError(`symmetricEigenvalues: matrix is [${a.rows}, ${a.cols}], not square`);
  const n = a.rows;
  const A = a.data.slice();
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
      }
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = A[i * n + i]!;
  return out.sort();
}
