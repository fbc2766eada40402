/**
 * engine.integrator — the reference integrator is as accurate as it claims, so that Theorem 1 can be checked
 * as an identity: each method's empirical order, from a log-log fit of the global error at fixed steps on a
 * linear ODE y' = A y against the exact exp(t A) y0, matches its order; the dense output's local error has
 * order (dense order + 1); adaptive DOP853 meets relative tolerances down to 1e-13.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { matmulTransB, matrix, rng, symmetricFunction, type Matrix } from '../../src/core/index.js';
import { DOP853, DOPRI5, solve, type ButcherTableau } from '../../src/flow/index.js';
import { fitLogLog } from '../../src/laws/index.js';
import { claimTest, recordFigure } from '../arbitraries/claims.js';
import { propertyParameters, SEED } from '../arbitraries/config.js';

// A fitted order within 0.5 of the method's order: the step counts below keep h ||A|| between 1/2 and 1/16,
// where the leading error term dominates (the local slopes are printed when this fails).
const ORDER_TOLERANCE = 0.5;
// Adaptive runs control the local error per step to rtol; on a contractive linear problem the global error
// stays within a modest multiple of rtol. 50 allows for the number of steps and the controller's safety.
const GLOBAL_ERROR_FACTOR = 50;
// Below this relative error a global error is dominated by the rounding of a few hundred steps (~100 u), and a
// slope fitted through it measures rounding, not the method's order.
const ROUNDING_FLOOR = 1e-13;

/** A = -(B B^T / d + shift I) for a generated B: symmetric negative definite with spectrum in about [-4, -0.2]. */
function linearProblem(seed: number, d: number): { A: Matrix; y0: Float64Array } {
  const r = rng(seed);
  const B = matrix(d, d, Array.from({ length: d * d }, () => r.normal()));
  const G = matmulTransB(B, B);
  const A = matrix(d, d);
  for (let i = 0; i < d * d; i++) A.data[i] = -(G.data[i]! / d) * 0.8;
  for (let i = 0; i < d; i++) A.data[i * d + i]! -= 0.2;
  return { A, y0: Float64Array.from({ length: d }, () => r.normal()) };
}

function field(A: Matrix) {
  const d = A.rows;
  return (_t: number, y: Float64Array, out: Float64Array) => {
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += A.data[i * d + j]! * y[j]!;
      out[i] = s;
    }
  };
}

function exact(A: Matrix, y0: Float64Array, t: number): Float64Array {
  const E = symmetricFunction(A, (l) => Math.exp(t * l));
  const d = A.rows;
  return Float64Array.from({ length: d }, (_, i) => y0.reduce((s, v, j) => s + E.data[i * d + j]! * v, 0));
}

/**
 * A nonlinear system with a closed-form flow: on each plane (y_2k, y_2k+1), y' = (1 + |y|^2) J y with J the
 * rotation generator. |y| is conserved, so the solution rotates y0 by the angle (1 + |y0|^2) t.
 */
function rotationField(y: Float64Array, out: Float64Array): void {
  let r2 = 0;
  for (const v of y) r2 += v * v;
  for (let k = 0; k + 1 < y.length; k += 2) {
    out[k] = -(1 + r2) * y[k + 1]!;
    out[k + 1] = (1 + r2) * y[k]!;
  }
}

function rotationExact(y0: Float64Array, t: number): Float64Array {
  const r2 = y0.reduce((s, v) => s + v * v, 0);
  const a = (1 + r2) * t;
  const out = new Float64Array(y0.length);
  for (let k = 0; k + 1 < y0.length; k += 2) {
    out[k] = Math.cos(a) * y0[k]! - Math.sin(a) * y0[k + 1]!;
    out[k + 1] = Math.sin(a) * y0[k]! + Math.cos(a) * y0[k + 1]!;
  }
  return out;
}

const maxErr = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const yNorm = (a: Float64Array) => Math.max(...Array.from(a, Math.abs), 1e-300);

describe('the reference integrator', () => {
  for (const tab of [DOPRI5, DOP853] as ButcherTableau[]) {
    claimTest(['engine.integrator'], `${tab.name}: the fitted order of the global error is ${tab.order} on a nonlinear system, and at least that on y' = A y`, (ctx) => {
      const slopes: number[] = [];
      const linearSlopes: number[] = [];
      fc.assert(
        fc.property(fc.nat(), fc.integer({ min: 1, max: 3 }), (seed, planes) => {
          const r = rng(seed);
          // |y0| = 1 fixes the angular speed at 2, so that the step counts below keep h * 2 in [0.05, 0.75].
          const raw = Float64Array.from({ length: 2 * planes }, () => r.normal());
          const len = Math.hypot(...raw);
          const y0 = raw.map((v) => v / len);
          const T = 3;
          const ref = rotationExact(y0, T);
          const counts = tab.order >= 8 ? [8, 12, 16, 24] : [16, 32, 64, 128];
          const errors = counts.map((n) => maxErr(solve((_t, y, out) => rotationField(y, out), 0, T, y0, { method: tab, controller: { kind: 'constant', h: T / n } }).y, ref) / yNorm(ref));
          // Errors at rounding level (1e-13 and below) carry no order: such a problem is too easy for these steps.
          fc.pre(errors[errors.length - 1]! > ROUNDING_FLOOR);
          const fit = fitLogLog(counts.map((n) => T / n), errors);
          slopes.push(fit.slope);
          if (Math.abs(fit.slope - tab.order) > ORDER_TOLERANCE) {
            throw new Error(`${tab.name}: fitted order ${fit.slope.toFixed(3)} (local ${fit.localSlopes.map((v) => v.toFixed(2)).join(', ')}), errors ${errors.map((e) => e.toExponential(2)).join(', ')}; y0 from seed ${seed}; seed ${SEED}`);
          }
          // On y' = A y only the "tall" trees count: the error of R(z) against e^z. DOPRI5's stability
          // polynomial agrees with e^z up to z^5 and is off by only z^6/3600 at the next term, so its linear
          // error decays faster than h^5 until h ||A|| is far below 1 (reported, not hidden).
          const { A, y0: ly0 } = linearProblem(seed, 2 * planes);
          const lref = exact(A, ly0, 4);
          const lcounts = tab.order >= 8 ? [8, 12, 16, 24] : [8, 16, 32, 64];
          const lerrors = lcounts.map((n) => maxErr(solve(field(A), 0, 4, ly0, { method: tab, controller: { kind: 'constant', h: 4 / n } }).y, lref) / yNorm(lref));
          fc.pre(lerrors[lerrors.length - 1]! > ROUNDING_FLOOR);
          const lfit = fitLogLog(lcounts.map((n) => 4 / n), lerrors);
          linearSlopes.push(lfit.slope);
          if (lfit.slope < tab.order - ORDER_TOLERANCE) {
            throw new Error(`${tab.name} on y' = A y: fitted order ${lfit.slope.toFixed(3)} below ${tab.order}; errors ${lerrors.map((e) => e.toExponential(2)).join(', ')}; seed ${SEED}`);
          }
        }),
        propertyParameters(10),
      );
      recordFigure(ctx, `${tab.name}: fitted order, nonlinear (min)`, Math.min(...slopes));
      recordFigure(ctx, `${tab.name}: fitted order, nonlinear (max)`, Math.max(...slopes));
      recordFigure(ctx, `${tab.name}: fitted order, y' = A y (min)`, Math.min(...linearSlopes));
      recordFigure(ctx, `${tab.name}: fitted order, y' = A y (max)`, Math.max(...linearSlopes));
    });

    claimTest(['engine.integrator'], `${tab.name}: the dense output's local error has order ${tab.dense.order + 1}`, (ctx) => {
      // One step from the exact y0: the interpolant at theta = 0.4 is off by O(h^(q+1)).
      const { A, y0 } = linearProblem(7, 4);
      const hs = [0.8, 0.4, 0.2, 0.1];
      const errors = hs.map((h) => {
        const sol = solve(field(A), 0, h, y0, { method: tab, controller: { kind: 'constant', h }, saveAt: { ts: [0.4 * h] } });
        return maxErr(sol.ys[0]!, exact(A, y0, 0.4 * h)) / yNorm(y0);
      });
      const fit = fitLogLog(hs, errors);
      recordFigure(ctx, `${tab.name}: fitted local order of the dense output`, fit.slope);
      expect(Math.abs(fit.slope - (tab.dense.order + 1)), `local slopes ${fit.localSlopes}`).toBeLessThan(ORDER_TOLERANCE);
    });
  }

  claimTest(['engine.integrator'], 'adaptive DOP853 meets relative tolerances from 1e-6 down to 1e-13, at the end and in its dense output', (ctx) => {
    let worstRatio = 0;
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 2, max: 6 }), fc.constantFrom(1e-6, 1e-9, 1e-11, 1e-13), (seed, d, rtol) => {
        const { A, y0 } = linearProblem(seed, d);
        const T = 5;
        const sol = solve(field(A), 0, T, y0, { method: DOP853, controller: { kind: 'pid', rtol, atol: rtol * 1e-3 }, saveAt: { ts: [0.3, 1.7, 4.2], dense: true } });
        expect(sol.status).toBe('success');
        const checks: [number, Float64Array][] = [[T, sol.y], ...sol.ts.map((t, i) => [t, sol.ys[i]!] as [number, Float64Array]), [2.5, sol.dense!.evaluate(2.5)]];
        for (const [t, y] of checks) {
          const ref = exact(A, y0, t);
          const rel = maxErr(y, ref) / yNorm(ref);
          worstRatio = Math.max(worstRatio, rel / rtol);
          if (rel > GLOBAL_ERROR_FACTOR * rtol) {
            throw new Error(`rtol ${rtol}: relative error ${rel.toExponential(3)} at t = ${t} (absolute ${maxErr(y, ref).toExponential(3)}), ${sol.stats.acceptedSteps} steps; problem seed ${seed}; seed ${SEED}`);
          }
        }
      }),
      propertyParameters(16),
    );
    recordFigure(ctx, 'worst error / rtol', worstRatio);
  });
});
