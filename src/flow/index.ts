/**
 * A generic adaptive Runge-Kutta integrator: vector field, stepping method (tableau as data), step-size
 * controller, what to record, and a result with a status.
 *
 * @module
 */
export * from './vectorField.js';
export * from './tableau.js';
export * from './controller.js';
export * from './dense.js';
export * from './orderConditions.js';
export { DOPRI5 } from './tableaux/dopri5.js';
export { DOP853 } from './tableaux/dop853.js';
export * from './solve.js';
