/**
 * Kernels of the paper: the tangent kernel (Definition 1).
 *
 * @module
 */
export * from './tangentKernel.js';
