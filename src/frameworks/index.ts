/**
 * Practitioners' frameworks: TensorFlow.js with the best backend available (backend.ts), the architecture
 * spec compiled to a TensorFlow.js function with the same flat parameter layout (tfjsModel.ts), the objective
 * and its float32 gradient (tfjsLoss.ts), and training with TensorFlow.js's own optimisers (tfjsTrain.ts).
 *
 * @module
 */
export * from './backend.js';
export * from './tfjsModel.js';
export * from './tfjsLoss.js';
export * from './tfjsTrain.js';
