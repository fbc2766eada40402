/**
 * Per-example losses L(y, y*) with closed-form L' and L'', the registry, and the batch total (a SUM over
 * examples, the paper's convention; the mean is available and labelled as such).
 *
 * @module
 */
export * from './loss.js';
export { squared } from './squared.js';
export { binaryLogistic } from './binaryLogistic.js';
export { softmaxCrossEntropy } from './softmaxCrossEntropy.js';
export { huber } from './huber.js';
export { negLogProb } from './negLogProb.js';
export * from './registry.js';
export * from './total.js';
export { lossDerivativesByDifferences } from './lossDerivativesByDifferences.js';
