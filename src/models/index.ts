/**
 * The model zoo: specs, compilation, the parameter layout and derivatives of outputs.
 *
 * @module
 */
export * from './spec.js';
export * from './model.js';
export * from './compile.js';
export * from './derivatives.js';
export { describeLayout } from './layout.js';
export { layerScale, type LayerScale, type LayerPosition } from './parametrisation.js';
export { featureMap, type FeatureMap } from './features.js';
export { outputScaled, type OutputScaledModel } from './outputScale.js';
