/**
 * Numbers: float64 matrices, a seeded generator with sub-streams, closeness, rounding-derived tolerances,
 * eigenvalues of symmetric matrices and the error type for bad input.
 *
 * @module
 */
export * from './matrix.js';
export { productKernel, SIMD_MAX_VALUES } from './simd.js';
export * from './rng.js';
export * from './close.js';
export * from './tolerance.js';
export * from './eigen.js';
export * from './specError.js';
export * from './finiteDifference.js';
export * from './gaussLegendre.js';
