import { describe, expect, it } from 'vitest';
import { batchSchedule } from './batches.js';

describe('batchSchedule', () => {
  it('explicit batches: a step past the last given batch is an error that names the field', () => {
    const schedule = batchSchedule({ kind: 'explicit', batches: [[0], [1, 2]] }, 3);
    expect(schedule(1)).toEqual([1, 2]);
    expect(() => schedule(2)).toThrow(/training\.batches: step 2 has no batch: 2 were given/);
  });

  it('seeded without replacement: each epoch is a permutation cut into batches, and a short tail is dropped', () => {
    // m = 5, size 2: each epoch gives two batches of distinct examples and drops the fifth. m = 4, size 2: the
    // two batches of an epoch cover all four (the second is what is left, not a fresh draw). A schedule that
    // drew a new permutation every step, or one that dropped a tail as long as a batch, breaks one of these.
    for (const m of [5, 4]) {
      const schedule = batchSchedule({ kind: 'seeded', size: 2, seed: 7 }, m);
      for (let epoch = 0; epoch < 6; epoch++) {
        const [a, b] = [schedule(2 * epoch), schedule(2 * epoch + 1)];
        expect(a).toHaveLength(2);
        expect(b).toHaveLength(2);
        expect(new Set([...a, ...b]).size).toBe(4);
      }
    }
  });

  it('seeded without replacement: batches of the full size m are each a permutation of all examples', () => {
    const schedule = batchSchedule({ kind: 'seeded', size: 4, seed: 3 }, 4);
    for (let s = 0; s < 5; s++) expect([...schedule(s)].sort()).toEqual([0, 1, 2, 3]);
  });
});
