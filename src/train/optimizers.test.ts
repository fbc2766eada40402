import { describe, expect, it } from 'vitest';
import { SpecError } from '../core/index.js';
import { batchSchedule } from './batches.js';
import { createOptimizer, type OptimizerSpec } from './optimizers.js';

// Bad hyperparameters and batch specs are refused before any step, with the field and the problem named.
function refusal(f: () => unknown): SpecError {
  try {
    f();
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('optimiser specs: every hyperparameter is checked and named', () => {
  const cases: [OptimizerSpec, string, RegExp][] = [
    [{ kind: 'momentum', beta: 1 }, 'training.optimizer.beta', /^1 is not in \[0, 1\)$/],
    [{ kind: 'momentum', beta: -0.1 }, 'training.optimizer.beta', /^-0.1 is not in \[0, 1\)$/],
    [{ kind: 'adam', beta1: 1 }, 'training.optimizer.beta1', /^1 is not in \[0, 1\)$/],
    [{ kind: 'adam', beta1: -0.5 }, 'training.optimizer.beta1', /^-0.5 is not in \[0, 1\)$/],
    [{ kind: 'adam', beta2: 1 }, 'training.optimizer.beta2', /^1 is not in \[0, 1\)$/],
    [{ kind: 'adam', beta2: -1 }, 'training.optimizer.beta2', /^-1 is not in \[0, 1\)$/],
    [{ kind: 'adam', epsilon: 0 }, 'training.optimizer.epsilon', /^0 is not positive$/],
    [{ kind: 'adamw', weightDecay: -0.01 }, 'training.optimizer.weightDecay', /^-0.01 is negative$/],
  ];
  it.each(cases)('%j is refused at %s', (spec, field, problem) => {
    const e = refusal(() => createOptimizer(spec, 3));
    expect(e.field).toBe(field);
    expect(e.message.slice(field.length + 2)).toMatch(problem);
  });

  it('the limits themselves are accepted: beta = 0, beta1 = beta2 = 0, weight decay 0', () => {
    expect(() => createOptimizer({ kind: 'momentum', beta: 0 }, 3)).not.toThrow();
    expect(() => createOptimizer({ kind: 'adam', beta1: 0, beta2: 0 }, 3)).not.toThrow();
    expect(() => createOptimizer({ kind: 'adamw', weightDecay: 0 }, 3)).not.toThrow();
  });

});

describe('batch specs: each problem names its field', () => {
  it('an empty explicit batch names its step', () => {
    const e = refusal(() => batchSchedule({ kind: 'explicit', batches: [[0], []] }, 3));
    expect([e.field, e.message]).toEqual(['training.batches[1]', 'training.batches[1]: empty batch']);
  });
  it('no batches at all', () => {
    expect(refusal(() => batchSchedule({ kind: 'explicit', batches: [] }, 3)).message).toBe('training.batches: no batches given');
  });
  it('an index outside the training set names batch and position', () => {
    expect(refusal(() => batchSchedule({ kind: 'explicit', batches: [[0, 3]] }, 3)).message).toBe('training.batches[0][1]: index 3 is not a training example (0..2)');
  });
  it('a batch size that is not a positive integer', () => {
    expect(refusal(() => batchSchedule({ kind: 'seeded', size: 0, seed: 1 }, 3)).message).toBe('training.batches.size: 0 is not a positive integer');
    expect(refusal(() => batchSchedule({ kind: 'seeded', size: 1.5, seed: 1 }, 3)).message).toBe('training.batches.size: 1.5 is not a positive integer');
  });
  it('without replacement a batch may not exceed the training set', () => {
    expect(refusal(() => batchSchedule({ kind: 'seeded', size: 4, seed: 1 }, 3)).message).toBe('training.batches.size: 4 exceeds the 3 training examples (sampling without replacement)');
  });
});
