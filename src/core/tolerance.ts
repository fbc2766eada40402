/**
 * Tolerances derived from floating-point rounding, so that a test's bound says why it has its value.
 *
 * The standard bound for a computed inner product of length n (Higham, Accuracy and Stability of Numerical
 * Algorithms, section 3.1) is |fl(a.b) - a.b| <= gamma_n * sum_i |a_i b_i| with gamma_n = n u / (1 - n u),
 * u = 2^-53. Two algorithms that sum the same products in different orders therefore differ by at most
 * 2 gamma_n sum |a_i b_i|; a chain of L such stages multiplies that by about L.
 *
 * @module
 */

/** Unit roundoff of float64: 2^-53. */
export const UNIT_ROUNDOFF_F64 = 2 ** -53;

/** Unit roundoff of float32: 2^-24 (TensorFlow.js computes in float32). */
export const UNIT_ROUNDOFF_F32 = 2 ** -24;

/** gamma_n = n u / (1 - n u): the relative error bound of a length-n sum of products. */
export function gamma(n: number, u = UNIT_ROUNDOFF_F64): number {
  const nu = n * u;
  if (nu >= 1) throw new RangeError(`gamma: n u = ${nu} >= 1, no bound exists`);
  return nu / (1 - nu);
}

/**
 * The absolute bound on the difference of two computations of the same inner product of length n whose
 * magnitudes sum to `absSum` (sum |a_i b_i|), after `stages` rounded stages (forward and backward passes
 * add stages), with a safety factor for what the bound leaves out.
 */
export function innerProductTolerance(n: number, absSum: number, stages = 1, safety = 4): number {
  return safety * 2 * stages * gamma(Math.max(n, 1)) * absSum;
}
