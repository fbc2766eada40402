/**
 * Discrete training: the objective and its gradient (step P5), and full-batch gradient descent (step P1).
 *
 * @module
 */
export * from './objective.js';
export * from './gd.js';
export * from './batches.js';
export * from './optimizers.js';
export * from './trainer.js';
