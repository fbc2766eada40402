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
 * @module
 */
import { eigs } from 'mathjs';
import { gamma, symmetricEigenvalues, toRows, type Matrix } from '../../src/core/index.js';

/** The precision asked of mathjs's eigs on the scaled matrix (see the module's note). */
export const MATHJS_PRECISION = 1e-13;

// Both are Jacobi rotation methods (ours cyclic, mathjs's classical), both backward stable: each one's
// eigenvalues are within c n u ||K|| of the exact ones (Weyl), ||K|| <= n max diag, c = 64 as in the unit test
// of src/core/eigen.ts. The two may then differ by both budgets, 2 c n u ||K||, plus mathjs's stopping error.
// (Counting one budget for the pair failed on one seed's rank-deficient kernel: two eigenvalues at rounding
// level, 2.8e-12 and 4.4e-12 on a largest diagonal of 4.6, differed by 1.3 budgets.)
const JACOBI_SAFETY = 64;
const SOLVERS = 2;

/** Both spectra, ascending, and the bound on their difference (absolute, in the matrix's own units). */
export function twoSpectra(K: Matrix): { jacobi: Float64Array; mathjs: number[]; agreement: number; maxDiagonal: number } {
  const n = K.rows;
  let maxDiagonal = 0;
  for (let i = 0; i < n; i++) maxDiagonal = Math.max(maxDiagonal, Math.abs(K.data[i * n + i]!));
  const jacobi = symmetricEigenvalues(K);
  if (maxDiagonal === 0) return { jacobi, mathjs: Array.from(jacobi), agreement: 0, maxDiagonal };
  const scaled = toRows(K).map((row) => row.map((v) => v / maxDiagonal));
  const values = (eigs(scaled, { eigenvectors: false, precision: MATHJS_PRECISION }).values as number[]).map((v) => v * maxDiagonal).sort((a, b) => a - b);
  const agreement = (MATHJS_PRECISION + SOLVERS * JACOBI_SAFETY * gamma(n) * n) * maxDiagonal;
  return { jacobi, mathjs: values, agreement, maxDiagonal };
}
