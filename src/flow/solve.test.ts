import { describe, expect, it } from 'vitest';
import { solve } from './solve.js';
import { DOPRI5 } from './tableaux/dopri5.js';
import { DOP853 } from './tableaux/dop853.js';

const decay = (_t: number, y: Float64Array, out: Float64Array) => {
  out[0] = -y[0]!;
};

describe('solve', () => {
  it('reports its work: right-hand-side evaluations, accepted and rejected steps', () => {
    const sol = solve(decay, 0, 10, Float64Array.of(1), { method: DOPRI5, controller: { kind: 'pid', rtol: 1e-8, atol: 1e-12 } });
    expect(sol.status).toBe('success');
    expect(sol.t).toBe(10);
    expect(sol.stats.acceptedSteps).toBeGreaterThan(5);
    // FSAL: six new evaluations per step attempt, plus the first and the starting-step estimate.
    expect(sol.stats.rhsEvaluations).toBe(6 * (sol.stats.acceptedSteps + sol.stats.rejectedSteps) + 2);
    expect(Math.abs(sol.y[0]! - Math.exp(-10))).toBeLessThan(1e-11);
  });

  it('DOP853 spends twelve evaluations per attempt, one more per accepted step, three more per dense step', () => {
    const sol = solve(decay, 0, 1, Float64Array.of(1), { method: DOP853, controller: { kind: 'constant', h: 0.25 } });
    expect(sol.stats.acceptedSteps).toBe(4);
    expect(sol.stats.rhsEvaluations).toBe(1 + 4 * 12);
    const dense = solve(decay, 0, 1, Float64Array.of(1), { method: DOP853, controller: { kind: 'constant', h: 0.25 }, saveAt: { dense: true } });
    expect(dense.stats.rhsEvaluations).toBe(1 + 4 * 12 + 4 * 3);
    expect(Math.abs(dense.dense!.evaluate(0.6)[0]! - Math.exp(-0.6))).toBeLessThan(1e-9);
  });

  it('a blow-up ends with status nonfinite or step-size-underflow, not an exception', () => {
    const blowUp = (_t: number, y: Float64Array, out: Float64Array) => {
      out[0] = y[0]! * y[0]!;
    };
    // y' = y^2, y(0) = 1 explodes at t = 1.
    const sol = solve(blowUp, 0, 2, Float64Array.of(1), { controller: { kind: 'pid', rtol: 1e-8, atol: 1e-8 }, maxSteps: 100_000 });
    expect(['nonfinite', 'step-size-underflow', 'max-steps']).toContain(sol.status);
    expect(sol.t).toBeLessThan(1 + 1e-6);
    expect(sol.message).toMatch(/t = /);
  });

  it('a NaN in the vector field is reported as nonfinite', () => {
    const sol = solve(() => undefined, 0, 1, Float64Array.of(1), { controller: { kind: 'constant', h: 0.1 } });
    // f leaves dydt untouched (zeros) so this is fine; now poison it.
    expect(sol.status).toBe('success');
    const nan = solve((_t, _y, out) => out.fill(NaN), 0, 1, Float64Array.of(1), { controller: { kind: 'constant', h: 0.1 } });
    expect(nan.status).toBe('nonfinite');
  });

  it('max-steps stops the run and says where', () => {
    const sol = solve(decay, 0, 1, Float64Array.of(1), { controller: { kind: 'constant', h: 0.01 }, maxSteps: 10 });
    expect(sol.status).toBe('max-steps');
    expect(sol.t).toBeCloseTo(0.1, 12);
  });

  it('bad settings are refused naming the field', () => {
    expect(() => solve(decay, 0, 1, Float64Array.of(1), { controller: { kind: 'pid', rtol: 1e-16, atol: 0 } })).toThrow(/controller\.rtol: 1e-16 is below 1\.11e-14/);
    expect(() => solve(decay, 0, 1, Float64Array.of(1), { controller: { kind: 'constant', h: -1 } })).toThrow(/controller\.h/);
    expect(() => solve(decay, 1, 0, Float64Array.of(1), { controller: { kind: 'constant', h: 0.1 } })).toThrow(/must exceed/);
    expect(() => solve(decay, 0, 1, Float64Array.of(1), { controller: { kind: 'constant', h: 0.1 }, saveAt: { ts: [2] } })).toThrow(/saveAt\.ts: 2 is outside/);
  });

  it('memory does not grow with the steps unless asked: no steps or pieces are kept by default', () => {
    const sol = solve(decay, 0, 100, Float64Array.of(1), { controller: { kind: 'constant', h: 0.01 } });
    expect(sol.stats.acceptedSteps).toBe(10000);
    expect(sol.steps.length).toBe(0);
    expect(sol.dense).toBeNull();
  });
});
