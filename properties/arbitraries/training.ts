/**
 * Generators of discrete training runs: an optimiser with its settings, a learning rate, a batch schedule.
 *
 * @module
 */
import fc from 'fast-check';
import type { BatchSpec, OptimizerSpec } from '../../src/train/index.js';

/** Any optimiser of the engine, with settings in their usual ranges. */
export function optimizerArb(): fc.Arbitrary<OptimizerSpec> {
  const unit = (lo: number, hi: number) => fc.integer({ min: Math.round(lo * 100), max: Math.round(hi * 100) }).map((k) => k / 100);
  return fc.oneof(
    fc.constant<OptimizerSpec>({ kind: 'gd' }),
    fc.record({ kind: fc.constant('momentum' as const), beta: unit(0, 0.95), nesterov: fc.boolean() }),
    fc.record({ kind: fc.constant('adam' as const), beta1: unit(0, 0.95), beta2: fc.constantFrom(0.9, 0.99, 0.999) }),
    fc.record({ kind: fc.constant('adamw' as const), weightDecay: unit(0, 0.5) }),
  );
}

/** Full batch, or seeded mini-batches of 1..m with or without replacement. */
export function batchArb(m: number): fc.Arbitrary<BatchSpec> {
  return fc.oneof(
    fc.constant<BatchSpec>({ kind: 'full' }),
    fc.record({ kind: fc.constant('seeded' as const), size: fc.integer({ min: 1, max: m }), seed: fc.nat({ max: 1000 }), replacement: fc.boolean() }),
  );
}

/** Learning rates from small to large (the exact representation holds at any of them). */
export const EPS_CHOICES = [0.003, 0.03, 0.1, 0.3] as const;
