/**
 * pathkernel: a proof companion for Domingos (2020), "Every Model Learned by Gradient Descent Is
 * Approximately a Kernel Machine". The exports follow the paper's argument.
 *
 * @module
 */

/** Numbers: float64 matrices, the seeded generator, closeness and rounding-derived tolerances. */
export * from './core/index.js';

/** Derivatives: reverse and forward mode over a tape, each primitive's rules beside its forward rule. */
export * from './autodiff/index.js';

/** The setting of the paper: models f_w(x) with a flat parameter vector, losses with L' and L'', data. */
export * from './models/index.js';
export * from './losses/index.js';
export * from './data/index.js';

/** Integrators: a generic adaptive Runge-Kutta solver that knows nothing of models. */
export * from './flow/index.js';

/** Discrete training: the objective (P5) and gradient descent (P1). */
export * from './train/index.js';

/** TensorFlow.js (float32): the same models trained by a practitioners' framework, for the cross-check. */
export * from './frameworks/index.js';

/** Definition 1: the tangent kernel K^g; the flow with its path integrals; the kernel machine of Theorem 1. */
export * from './kernels/index.js';

/** Measured laws: log-log fits with confidence intervals, sweeps on worker threads, regimes, interpretation. */
export * from './laws/index.js';

/** The command line's engine: a JSON run spec in, a JSON result out (`pathkernel run SPEC.json`). */
export { runSpec } from './cli/run.js';
export { RunError } from './cli/runError.js';
export { parseRunSpec, type RunSpec } from './cli/spec.js';
