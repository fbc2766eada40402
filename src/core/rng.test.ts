import { describe, expect, it } from 'vitest';
import { rng } from './rng.js';

describe('the seeded generator', () => {
  it('the same seed gives the same bits, another seed other bits', () => {
    const a = Array.from({ length: 8 }, rng(7).uniform);
    const b = Array.from({ length: 8 }, rng(7).uniform);
    const c = Array.from({ length: 8 }, rng(8).uniform);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('sub-streams are independent of how much the parent or a sibling has drawn', () => {
    const parent = rng(1);
    const init = Array.from({ length: 4 }, parent.stream('init').uniform);
    for (let i = 0; i < 100; i++) parent.uniform();
    parent.stream('batches').uniform();
    expect(Array.from({ length: 4 }, parent.stream('init').uniform)).toEqual(init);
    expect(Array.from({ length: 4 }, parent.stream('data').uniform)).not.toEqual(init);
  });

  it('uniform draws lie in [0, 1) with mean 1/2 and variance 1/12 within sampling error', () => {
    const r = rng(3);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      s += u;
      s2 += u * u;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    // Standard errors: sqrt(1/12 / n) ~ 9e-4 for the mean and ~ 3e-4 for the second moment; 5 sigma bounds.
    expect(Math.abs(s / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s2 / n - s ** 2 / n ** 2 - 1 / 12)).toBeLessThan(5 * 0.3 / Math.sqrt(n));
  });

  it('normal draws have mean 0 and variance 1 within sampling error', () => {
    const r = rng(4);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    // Standard errors 1/sqrt(n) for the mean and sqrt(2/n) for the variance; 5 sigma bounds.
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });

  it('a permutation contains every index once', () => {
    const p = rng(5).permutation(50);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
