import { describe, expect, it } from 'vitest';
import { compare, describeComparison, isClose, relativeError } from './close.js';

describe('closeness', () => {
  it('relative error uses the larger magnitude or the named scale', () => {
    expect(relativeError(1, 1.5)).toBeCloseTo(1 / 3, 15);
    expect(relativeError(1e-20, 2e-20, 1)).toBeCloseTo(1e-20, 30);
    expect(relativeError(0, 0)).toBe(0);
  });

  it('NaN is close to nothing, and a comparison with NaN fails', () => {
    expect(isClose(NaN, NaN, { rtol: 1, atol: 1 })).toBe(false);
    expect(compare([1, NaN], [1, NaN], { rtol: 1, atol: 1 }).ok).toBe(false);
  });

  it('the report names the worst entry with both errors', () => {
    const c = compare([1, 2, 3], [1, 2.1, 3], { rtol: 1e-3, atol: 0 });
    expect(c.ok).toBe(false);
    expect(c.worstIndex).toBe(1);
    expect(c.maxAbsError).toBeCloseTo(0.1, 12);
    expect(describeComparison(c, 'outputs', { rtol: 1e-3, atol: 0 })).toMatch(/max relative error 4\.762e-2, max absolute error 1\.000e-1/);
  });
});
