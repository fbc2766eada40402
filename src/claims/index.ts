/**
 * The claim registry (data) and its gate.
 *
 * @module
 */
export * from './registry.js';
export * from './gate.js';
