/**
 * Batch schedules: which training examples step s uses. Full batch (gradient descent), seeded mini-batches
 * with or without replacement (from the generator's `batches` stream, so that the schedule never depends on
 * the initialisation or the data), or explicit index lists given by the user.
 *
 * @module
 */
import { rng, STREAMS } from '../core/rng.js';
import { SpecError } from '../core/specError.js';

/** How batches are chosen. */
export type BatchSpec =
  | { readonly kind: 'full' }
  | { readonly kind: 'seeded'; readonly size: number; readonly seed: number; readonly replacement?: boolean }
  | { readonly kind: 'explicit'; readonly batches: readonly (readonly number[])[] };

/** Step s's batch (indices into the training set, in order; repeated under replacement). */
export type BatchSchedule = (s: number) => readonly number[];

/** The schedule of a spec over m training examples; errors name the field. */
export function batchSchedule(spec: BatchSpec, m: number, field = 'training.batches'): BatchSchedule {
  if (spec.kind === 'full') {
    const all = Array.from({ length: m }, (_, i) => i);
    return () => all;
  }
  if (spec.kind === 'explicit') {
    if (spec.batches.length === 0) throw new SpecError(field, 'no batches given');
    spec.batches.forEach((b, s) => {
      if (b.length === 0) throw new SpecError(`${field}[${s}]`, 'empty batch');
      b.forEach((i, k) => {
        if (!Number.isInteger(i) || i < 0 || i >= m) throw new SpecError(`${field}[${s}][${k}]`, `index ${i} is not a training example (0..${m - 1})`);
      });
    });
    return (s) => {
      const b = spec.batches[s];
      if (!b) throw new SpecError(field, `step ${s} has no batch: ${spec.batches.length} were given`);
      return b;
    };
  }
  const { size, seed } = spec;
  if (!Number.isInteger(size) || size < 1) throw new SpecError(`${field}.size`, `${size} is not a positive integer`);
  if (!spec.replacement && size > m) throw new SpecError(`${field}.size`, `${size} exceeds the ${m} training examples (sampling without replacement)`);
  const r = rng(seed).stream(STREAMS.batches);
  const cache: number[][] = [];
  let epoch: number[] = [];
  const next = (): number[] => {
    if (spec.replacement) return Array.from({ length: size }, () => r.int(m));
    // Without replacement: consecutive slices of a fresh permutation each epoch (a short tail is dropped).
    if (epoch.length < size) epoch = r.permutation(m);
    return epoch.splice(0, size);
  };
  return (s) => {
    while (cache.length <= s) cache.push(next());
    return cache[s]!;
  };
}
