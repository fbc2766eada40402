/**
 * Data sets: the {@link Dataset} contract, synthetic generators (teacher-student, sine, blobs, moons, k
 * blobs) drawn from an explicit generator, the real Iris data, and the registry by name.
 *
 * @module
 */
export * from './dataset.js';
export * from './teacher.js';
export * from './sine1d.js';
export * from './blobs.js';
export * from './moons.js';
export * from './multiclass.js';
export * from './iris.js';
export * from './registry.js';
