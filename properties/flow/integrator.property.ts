/**
 * engine.integrator — the reference integrator is as accurate as it claims, so that Theorem 1 can be checked
 * as an identity. Orders are laws measured by refinement (orderByRefinement) on generated problems with
 * closed-form solutions, each decided against a rule fixed from theory:
 * - the global error at constant steps on y' = A y, A = Q (damped rotation blocks) Q^T for a random
 *   orthogonal Q, against Q exp(t D) Q^T y0: order p (5 for DOPRI5, 8 for DOP853);
 * - the error on a nonlinear system with a closed-form flow (y' = (1 + |y|^2) J y, which rotates y0 by
 *   (1 + |y0|^2) t): DOPRI5's global order 5, DOP853's one-step (local) order 9 (see NONLINEAR);
 * - the dense output's one-step error at theta h: order q + 1 (q = 4, 7), at theta away from the roots of its
 *   principal error function (see admissibleThetas);
 * and adaptive DOP853 meets relative tolerances from 1e-6 down to 1e-13 against exp(t A) (verified against
 * the closed form). The order conditions themselves (every rooted tree up to order p, which y' = A y does
 * not reach) are checked algebraically in src/flow/orderConditions.test.ts.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import type { LawRule } from '../../src/claims/index.js';
import { matmul, matmulTransB, matrix, rng, symmetricEigen, symmetricFunction, transpose, type Matrix } from '../../src/core/index.js';
import { denseWeights, DOP853, DOPRI5, solve, type ButcherTableau } from '../../src/flow/index.js';
import { orderByRefinement, separatingHalfWidth, type OrderEstimate } from '../../src/laws/index.js';
import { claimTest, recordFigure, verifiedAgainst } from '../arbitraries/claims.js';
import { DEEP, replayCommand, SEED } from '../arbitraries/config.js';
import { caseLedger } from '../arbitraries/ledger.js';
import { LAW_REFINEMENT, UNIT_ROUNDOFF } from '../arbitraries/lawCases.js';
import { measuredCase, recordLaw, type MeasuredCase } from '../arbitraries/lawRecord.js';

const FILE = 'properties/flow/integrator.property.ts';

/** Rule of a method's global order: p against p - 1. */
function globalOrderRule(tab: ButcherTableau, problem: string): LawRule {
  return {
    quantity: `global error of ${tab.name} at constant steps h on ${problem}, against h`,
    expected: tab.order,
    competitor: tab.order - 1,
    reason: `the tableau satisfies the order conditions up to order ${tab.order}, so the local error is O(h^${tab.order + 1}) and the global error O(h^${tab.order}); a wrong coefficient breaks some order condition and lowers the order to at most ${tab.order - 1}`,
  };
}

/** Rule of a one-step (local) order: p + 1 against p. */
function localOrderRule(what: string, order: number): LawRule {
  return {
    quantity: `one-step error of ${what} from the exact solution, against h`,
    expected: order + 1,
    competitor: order,
    reason: `an order-${order} formula errs by O(h^${order + 1}) on one step; a wrong coefficient lowers that to O(h^${order}) or below`,
  };
}

const CASES = DEEP ? 100 : 30;
// Constant-step levels n_k = N0 (3/2)^k, integers for k <= 6 (N0 = 64 = 2^6). Ratio 3/2 rather than 2: an
// order-8 error falls 256 times per halving, so between its asymptotic range (h omega below about 1) and
// rounding there are only three halvings; at 3/2 there are six levels, and the first correction to the local
// slopes still contracts by 2/3 per level, inside MAX_CONTRACTION.
const N0 = 64;
const RATIO = 1.5;
const GLOBAL_LEVELS = 7;
const ROTATION_LEVELS = 14;
const LOCAL_LEVELS = 16;
// The coarsest h omega: where each method's error is still in its convergent range (DOP853's stability
// region reaches further along the imaginary axis).
const START = (tab: ButcherTableau) => (tab.order >= 8 ? 2 : 1);
// Rounding of one Runge-Kutta step: its update sums the stages' contributions, each rounding at u |y|, so
// about (stages + 1) u |y|; n steps add up to sqrt(n) times that (gdRoundingFloor's reasoning).
const stepRounding = (tab: ButcherTableau) => (tab.c.length + 1) * UNIT_ROUNDOFF;

/** A = Q D Q^T with D of 2 x 2 blocks [[a, -b], [b, a]]: damped rotations at frequencies b in a random basis Q. */
interface OscillatoryProblem {
  readonly A: Matrix;
  readonly Q: Matrix;
  readonly blocks: readonly { readonly a: number; readonly b: number }[];
  readonly y0: Float64Array;
  /** The fastest rate |a + i b|. */
  readonly omega: number;
}

function oscillatoryProblem(seed: number, planes: number): OscillatoryProblem {
  const r = rng(seed);
  const d = 2 * planes;
  const B = matrix(d, d, Array.from({ length: d * d }, () => r.normal()));
  const Q = symmetricEigen(matmulTransB(B, B)).vectors;
  // Damping ratios up to 2%: over the horizon (N0 h omega / omega) the solution keeps at least e^-3 of its size.
  const blocks = Array.from({ length: planes }, () => {
    const b = r.uniformIn(0.5, 2);
    return { a: -r.uniformIn(0, 0.02) * b, b };
  });
  const D = blockMatrix(blocks, () => 1, (a) => a, (b) => b);
  return { A: matmul(matmul(Q, D), transpose(Q)), Q, blocks, y0: Float64Array.from({ length: d }, () => r.normal()), omega: Math.max(...blocks.map(({ a, b }) => Math.hypot(a, b))) };
}

/** A block-diagonal matrix of [[s c, -s n], [s n, s c]] blocks from per-block functions. */
function blockMatrix(blocks: OscillatoryProblem['blocks'], scale: (a: number) => number, cos: (a: number, b: number) => number, sin: (b: number, a: number) => number): Matrix {
  const d = 2 * blocks.length;
  const M = matrix(d, d);
  blocks.forEach(({ a, b }, k) => {
    const s = scale(a);
    const i = 2 * k;
    M.data[i * d + i] = s * cos(a, b);
    M.data[i * d + i + 1] = -s * sin(b, a);
    M.data[(i + 1) * d + i] = s * sin(b, a);
    M.data[(i + 1) * d + i + 1] = s * cos(a, b);
  });
  return M;
}

/** The closed form y(t) = Q exp(t D) Q^T y0. */
function oscillatoryExact(p: OscillatoryProblem, t: number): Float64Array {
  const E = blockMatrix(p.blocks, (a) => Math.exp(a * t), (_a, b) => Math.cos(b * t), (b) => Math.sin(b * t));
  const M = matmul(matmul(p.Q, E), transpose(p.Q));
  const d = p.y0.length;
  return Float64Array.from({ length: d }, (_, i) => p.y0.reduce((s, v, j) => s + M.data[i * d + j]! * v, 0));
}

function linearField(A: Matrix) {
  const d = A.rows;
  return (_t: number, y: Float64Array, out: Float64Array) => {
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += A.data[i * d + j]! * y[j]!;
      out[i] = s;
    }
  };
}

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

function symmetricExact(A: Matrix, y0: Float64Array, t: number): Float64Array {
  const E = symmetricFunction(A, (l) => Math.exp(t * l));
  const d = A.rows;
  return Float64Array.from({ length: d }, (_, i) => y0.reduce((s, v, j) => s + E.data[i * d + j]! * v, 0));
}

/**
 * A nonlinear system with a closed-form flow: on each plane (y_2k, y_2k+1), y' = (1 + |y|^2) J y with J the
 * rotation generator. |y| is conserved, so the solution rotates y0 by the angle (1 + |y0|^2) t.
 */
function rotationField(_t: number, y: Float64Array, out: Float64Array): void {
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

const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));
const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v, i) => s + (v - b[i]!) ** 2, 0));
const maxErr = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const yNorm = (a: Float64Array) => Math.max(...Array.from(a, Math.abs), 1e-300);

/** Generated problems: a seed, a plane count, and a point in [0, 1] (the radius of y0, or theta). */
const problemArb = fc.record({ seed: fc.nat(), planes: fc.integer({ min: 1, max: 3 }), knob: fc.integer({ min: 0, max: 1000 }).map((k) => k / 1000) });
const problems = (stream: number) => fc.sample(problemArb, { numRuns: CASES, seed: SEED + stream });

function finiteError(e: number, what: string): number {
  if (!Number.isFinite(e)) throw new Error(`${what} is ${e}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
  return e;
}

/** The global error's order on a problem at constant steps n_k = N0 RATIO^k over [0, T], relative to |y0|. */
function globalOrder(tab: ButcherTableau, field: (t: number, y: Float64Array, out: Float64Array) => void, y0: Float64Array, T: number, exact: Float64Array, rule: LawRule, growth = 1, maxLevels = GLOBAL_LEVELS): OrderEstimate {
  const n = (k: number) => Math.round(N0 * RATIO ** k);
  const scale = norm(y0);
  return orderByRefinement({
    x: (k) => T / n(k),
    error: (k) => finiteError(dist(solve(field, 0, T, y0, { method: tab, controller: { kind: 'constant', h: T / n(k) } }).y, exact) / scale, `${tab.name}'s error at n = ${n(k)}`),
    floor: (k) => Math.sqrt(n(k)) * stepRounding(tab) * growth,
    ...LAW_REFINEMENT,
    maxLevels,
    targetHalfWidth: separatingHalfWidth(rule),
  });
}

/** The one-step error's order at h_k = h0 / RATIO^k, relative to |y0|; one step rounds at about (stages + 1) u. */
function localOrder(tab: ButcherTableau, error: (h: number) => number, h0: number, rule: LawRule): OrderEstimate {
  return orderByRefinement({
    x: (k) => h0 / RATIO ** k,
    error: (k) => finiteError(error(h0 / RATIO ** k), `${tab.name}'s one-step error at h = ${h0 / RATIO ** k}`),
    floor: () => stepRounding(tab),
    ...LAW_REFINEMENT,
    maxLevels: LOCAL_LEVELS,
    targetHalfWidth: separatingHalfWidth(rule),
  });
}

/**
 * The nonlinear order per method, where float64 leaves it room. DOPRI5's one-step error on the rotation has a
 * tiny h^6 coefficient (its stability polynomial matches e^z to z^5 and is off by z^6/3600), so its local
 * slopes sit near 7 down to rounding; its global error over N0 steps and more is well above rounding and
 * settles at 5. DOP853's global error reaches rounding within about three halvings of h; its one-step error
 * accumulates no rounding and settles at 9 (local order p + 1).
 */
const NONLINEAR = (tab: ButcherTableau) => (tab.order >= 8 ? 'local' : 'global');

/**
 * The dense output's principal error function on y' = lambda y: its interpolant is a polynomial P_theta(z) in
 * z = h lambda, and P_theta(z) - e^(theta z) = c(theta) z^(q+1) + O(z^(q+2)) with
 * c(theta) = b(theta)^T A^q 1 - theta^(q+1) / (q+1)! (the tall tree of order q + 1; on y' = A y no other tree
 * enters).
 */
function denseErrorCoefficient(tab: ButcherTableau, theta: number): number {
  const q = tab.dense.order;
  const { A, b } = denseWeights(tab, theta);
  let v = b.map(() => 1);
  for (let k = 0; k < q; k++) v = A.map((row) => row.reduce((s, a, j) => s + a * v[j]!, 0));
  let factorial = 1;
  for (let k = 2; k <= q + 1; k++) factorial *= k;
  return b.reduce((s, x, j) => s + x * v[j]!, 0) - theta ** (q + 1) / factorial;
}

// Where |c(theta)| is below this share of its largest value over the grid, the O(h^(q+1)) term is nearly absent
// and the next order hides it until rounding: DOP853's c(theta) has roots near 0.17, 0.22 and 0.655. Such theta
// are degenerate cases of the law (its coefficient vanishes), so the cases draw theta from the rest.
const DENSE_COEFFICIENT_SHARE = 0.25;

/** The theta in [0.05, 0.95] (a grid of 0.005) where the dense output's principal error is not degenerate. */
function admissibleThetas(tab: ButcherTableau): number[] {
  const grid = Array.from({ length: 181 }, (_, k) => 0.05 + 0.005 * k);
  const c = grid.map((t) => Math.abs(denseErrorCoefficient(tab, t)));
  const largest = Math.max(...c);
  return grid.flatMap((t, k) => (c[k]! >= DENSE_COEFFICIENT_SHARE * largest ? [t] : []));
}

describe('the reference integrator', () => {
  for (const tab of [DOPRI5, DOP853] as ButcherTableau[]) {
    claimTest(['engine.integrator'], `${tab.name}: the global error has order ${tab.order} on y' = A y, and the nonlinear rotation shows it too`, (ctx) => {
      const linearRule = globalOrderRule(tab, "y' = A y (damped rotations in a random basis)");
      const nonlinearRule = NONLINEAR(tab) === 'global' ? globalOrderRule(tab, "y' = (1 + |y|^2) J y") : localOrderRule(`${tab.name} on y' = (1 + |y|^2) J y`, tab.order);
      const ledger = caseLedger(ctx, `${tab.name} orders`, FILE);
      const linear: MeasuredCase[] = [];
      const nonlinear: MeasuredCase[] = [];
      for (const [i, { seed, planes, knob }] of problems(1).entries()) {
        ledger.draw();
        const p = oscillatoryProblem(seed, planes);
        const T = (N0 * START(tab)) / p.omega;
        const label = `#${i} seed ${seed}, ${planes} plane(s)`;
        linear.push(measuredCase(linearRule, label, 2 * planes, globalOrder(tab, linearField(p.A), p.y0, T, oscillatoryExact(p, T), linearRule)));
        // The rotation: |y0|^2 in [0.25, 2], so the angular speed 1 + |y0|^2 is in [1.25, 3].
        const r = rng(seed).stream('rotation');
        const raw = Float64Array.from({ length: 2 * planes }, () => r.normal());
        const radius = Math.sqrt(0.25 + 1.75 * knob);
        const y0 = raw.map((v) => (v * radius) / norm(raw));
        const omega = 1 + radius * radius;
        if (NONLINEAR(tab) === 'global') {
          const Tr = (N0 * START(tab)) / omega;
          // A rounding error delta |y| in |y| changes the speed 1 + |y|^2 by 2 |y|^2 delta, and the phase by that
          // times the time left: the phase's rounding grows like 2 |y|^2 T times that of |y|.
          const m = measuredCase(nonlinearRule, label, 2 * planes, globalOrder(tab, rotationField, y0, Tr, rotationExact(y0, Tr), nonlinearRule, 1 + 2 * radius * radius * Tr, ROTATION_LEVELS));
          nonlinear.push(m);
        } else {
          const oneStep = (h: number) => dist(solve(rotationField, 0, h, y0, { method: tab, controller: { kind: 'constant', h } }).y, rotationExact(y0, h)) / radius;
          nonlinear.push(measuredCase(nonlinearRule, label, 2 * planes, localOrder(tab, oneStep, 1 / omega, nonlinearRule)));
        }
      }
      recordLaw(ctx, 'engine.integrator', linearRule, linear, { what: `${tab.name}: order of the global error on y' = A y`, xLabel: 'h', yLabel: '|y_n - Q exp(T D) Q^T y0| / |y0|' });
      recordLaw(ctx, 'engine.integrator', nonlinearRule, nonlinear, { what: `${tab.name}: order of the ${NONLINEAR(tab)} error on the rotation`, xLabel: 'h', yLabel: `${NONLINEAR(tab)} error / |y0|` });
    }, { evidence: { 'engine.integrator': verifiedAgainst('closed form', `${tab.name}'s errors are measured against Q exp(t D) Q^T y0 and against the rotation of y0 by (1 + |y0|^2) t`) } });

    claimTest(['engine.integrator'], `${tab.name}: the dense output's one-step error has order ${tab.dense.order + 1}`, (ctx) => {
      const rule = localOrderRule(`${tab.name}'s dense output at theta h`, tab.dense.order);
      const ledger = caseLedger(ctx, `${tab.name} dense output`, FILE);
      const cases: MeasuredCase[] = [];
      const thetas = admissibleThetas(tab);
      for (const [i, { seed, planes, knob }] of problems(2).entries()) {
        ledger.draw();
        const p = oscillatoryProblem(seed, planes);
        const theta = thetas[Math.min(thetas.length - 1, Math.floor(knob * thetas.length))]!;
        const error = (h: number) => {
          const sol = solve(linearField(p.A), 0, h, p.y0, { method: tab, controller: { kind: 'constant', h }, saveAt: { ts: [theta * h] } });
          return dist(sol.ys[0]!, oscillatoryExact(p, theta * h)) / norm(p.y0);
        };
        cases.push(measuredCase(rule, `#${i} seed ${seed}, ${planes} plane(s), theta ${theta.toFixed(3)}`, 2 * planes, localOrder(tab, error, START(tab) / p.omega, rule)));
      }
      recordLaw(ctx, 'engine.integrator', rule, cases, { what: `${tab.name}: order of the dense output's one-step error`, xLabel: 'h', yLabel: '|y(theta h) - interpolant| / |y0|' });
    }, { evidence: { 'engine.integrator': verifiedAgainst('closed form', `${tab.name}'s dense output against Q exp(theta h D) Q^T y0`) } });
  }

  // Adaptive runs control the local error per step to rtol; on a contractive linear problem the global error
  // stays within a modest multiple of rtol. 50 allows for the number of steps and the controller's safety.
  const GLOBAL_ERROR_FACTOR = 50;
  claimTest(['engine.integrator'], 'adaptive DOP853 meets relative tolerances from 1e-6 down to 1e-13, at the end and in its dense output', (ctx) => {
    let worstRatio = 0;
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 2, max: 6 }), fc.constantFrom(1e-6, 1e-9, 1e-11, 1e-13), (seed, d, rtol) => {
        const { A, y0 } = linearProblem(seed, d);
        const T = 5;
        const sol = solve(linearField(A), 0, T, y0, { method: DOP853, controller: { kind: 'pid', rtol, atol: rtol * 1e-3 }, saveAt: { ts: [0.3, 1.7, 4.2], dense: true } });
        expect(sol.status).toBe('success');
        const checks: [number, Float64Array][] = [[T, sol.y], ...sol.ts.map((t, i) => [t, sol.ys[i]!] as [number, Float64Array]), [2.5, sol.dense!.evaluate(2.5)]];
        for (const [t, y] of checks) {
          const ref = symmetricExact(A, y0, t);
          const rel = maxErr(y, ref) / yNorm(ref);
          worstRatio = Math.max(worstRatio, rel / rtol);
          if (rel > GLOBAL_ERROR_FACTOR * rtol) {
            throw new Error(`rtol ${rtol}: relative error ${rel.toExponential(3)} at t = ${t} (absolute ${maxErr(y, ref).toExponential(3)}), ${sol.stats.acceptedSteps} steps; problem seed ${seed}; seed ${SEED}; replay: ${replayCommand(FILE)}`);
          }
        }
      }),
      { seed: SEED, numRuns: DEEP ? 80 : 16 },
    );
    recordFigure(ctx, 'worst error / rtol', worstRatio);
  }, { evidence: { 'engine.integrator': verifiedAgainst('closed form', 'adaptive DOP853 against exp(t A) y0 (A symmetric, by its eigendecomposition) at the end, at saved times and in the dense output') } });
});
