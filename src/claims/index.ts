/**
 * The claim registry (data), the vocabulary of evidence, and the gate.
 *
 * @module
 */
export * from './registry.js';
export * from './gate.js';
export * from './evidence.js';
