/**
 * Measured laws: fitted orders and slopes with their confidence intervals.
 *
 * @module
 */
export * from './fit.js';
export * from './regimes.js';
export * from './interpretation.js';
export * from './sweep.js';
export * from './verdict.js';
export * from './student.js';
export * from './replicates.js';
