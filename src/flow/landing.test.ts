import { describe, expect, it } from 'vitest';
import { DOP853 } from './tableaux/dop853.js';
import { solve } from './solve.js';

describe('the last step lands on t1', () => {
  it('when t + (t1 - t) rounds to just below t1, the solve still ends at t1 instead of a sub-rounding step', () => {
    // t1 = 0.5 / 6 and t = a: a + (t1 - a) is t1 less one ulp in float64. The first step goes to a (h0), the
    // second is capped by hMax at exactly t1 - a and must land on t1.
    const t1 = 0.5 / 6;
    const a = 0.00040208132292671867;
    expect(a + (t1 - a)).toBeLessThan(t1);
    const sol = solve((_t, _y, out) => out.fill(0), 0, t1, Float64Array.of(1), { method: DOP853, controller: { kind: 'pid', rtol: 1e-10, atol: 1e-12, h0: a, hMax: t1 - a, maxFactor: 1e6 } });
    expect(sol.status).toBe('success');
    expect(sol.t).toBe(t1);
    expect(sol.stats.acceptedSteps).toBe(2);
  });
});
