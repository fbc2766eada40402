/**
 * Kernels of the paper: the tangent kernel (Definition 1), the gradient flow with its path integrals
 * (Definition 2, steps P2-P8), and the kernel machine of Theorem 1.
 *
 * @module
 */
export * from './tangentKernel.js';
export * from './segmentKernel.js';
export * from './gradientFlow.js';
export * from './kernelMachine.js';
export * from './discretePath.js';
export * from './modifiedFlow.js';
