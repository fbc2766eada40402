/**
 * The spectrum of a symmetric matrix by mathjs's eigs, an eigensolver we did not write, beside our Jacobi
 * (src/core/eigen.ts), with the bound on how far the two may differ.
 *
 * mathjs's real symmetric Jacobi iteration stops once every off-diagonal entry is below precision / n in
 * ABSOLUTE terms, so its eigenvalues carry an absolute error up to the 2-norm of what is left, n (precision /
 * n) = precision. The matrix is therefore scaled to a largest diagonal entry of 1 first, which makes that a
 * relative error, and the precision is asked for at 1e-13: above the rounding level the iteration reaches
 * (a few u n), below anything a wrong kernel would show.
 *
 * Its rotation angle falls back to pi/4 whenever two diagonal entries differ by at most the instance's relTol
 * (1e-12 by default, an absolute test): on a nearly rank-one Gram matrix, whose small eigenvalues are all
 * below 1e-11, every rotation in that block took the fallback and the rounding of the many rotations left
 * 1.2e-12 in the smallest eigenvalue (seed 1024095421: 1.2802e-12 against 1.1221e-13 by 50-digit mpmath,
 * 1.1176e-13 by our Jacobi). An instance with relTol = absTol = 0 is used instead: the fallback is then taken
 * only where the two entries are equal, where pi/4 is the exact angle; the same matrix then gave 1.1203e-13.
 * With a zero tolerance mathjs tests symmetry exactly, so the matrix is symmetrised first (its symmetry is
 * checked apart, against its own bound).
 *
 * @module
 */
import { all, create } from 'mathjs';
import { gamma, symmetricEigenvalues, type Matrix } from '../../src/core/index.js';

/** The precision asked of mathjs's eigs on the scaled matrix (see the module's note). */
export const MATHJS_PRECISION = 1e-13;

// Both are Jacobi rotation methods (ours cyclic, mathjs's classical), both backward stable: each one's
// eigenvalues are within c n u ||K|| of the exact ones (Weyl), ||K|| <= n max diag, c = 64 as in the unit test
// of src/core/eigen.ts. The two may then differ by both budgets, 2 c n u ||K||, plus mathjs's stopping error.
// (Counting one budget for the pair failed on one seed's rank-deficient kernel: two eigenvalues at rounding
// level, 2.8e-12 and 4.4e-12 on a largest diagonal of 4.6, differed by 1.3 budgets.)
const JACOBI_SAFETY = 64;
const { eigs } = create(all!, { relTol: 0, absTol: 0 });
const SOLVERS = 2;

/** Both spectra, ascending, and the bound on their difference (absolute, in the matrix's own units). */
export function twoSpectra(K: Matrix): { jacobi: Float64Array; mathjs: number[]; agreement: number; maxDiagonal: number } {
  const n = K.rows;
  let maxDiagonal = 0;
  for (let i = 0; i < n; i++) maxDiagonal = Math.max(maxDiagonal, Math.abs(K.data[i * n + i]!));
  const jacobi = symmetricEigenvalues(K);
  if (maxDiagonal === 0) return { jacobi, mathjs: Array.from(jacobi), agreement: 0, maxDiagonal };
  const scaled = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (K.data[i * n + j]! + K.data[j * n + i]!) / 2 / maxDiagonal));
  const values = (eigs(scaled, { eigenvectors: false, precision: MATHJS_PRECISION }).values as number[]).map((v) => v * maxDiagonal).sort((a, b) => a - b);
  const agreement = (MATHJS_PRECISION + SOLVERS * JACOBI_SAFETY * gamma(n) * n) * maxDiagonal;
  return { jacobi, mathjs: values, agreement, maxDiagonal };
}
