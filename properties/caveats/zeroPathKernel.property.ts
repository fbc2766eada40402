/**
 * caveat.zero-path-kernel — P9 multiplies and divides by K^p(x, x_i), so a_i(x) = -K^lp(x, x_i) / K^p(x, x_i)
 * has a pole wherever K^p(x, x_i) = 0 while K^lp(x, x_i) != 0. The path kernel is an integral of a kernel that
 * is not positive pointwise in x, so as the query x moves, K^p(x, x_i) can cross zero. Near the crossing
 * |a_i(x)| grows without bound, like 1 / |s - s*| along a segment x(s) = x_a + s (x_b - x_a), while the
 * product a_i K^p = -K^lp (Remark 2's form) stays finite and continuous: the kernel machine still reproduces
 * f, but its weights say nothing there.
 *
 * How: one flow with dense output gives w(t); K^p and K^lp at any new query are then integrals along that
 * path, computed by composite Gauss-Legendre quadrature (the same linear functional for every query, so the
 * bisection for the root s* sees one continuous function of s). The quadrature is checked against the
 * integrals the flow carries as ODE state, and the points near the root are recomputed by a second flow with
 * all of them as queries (one ODE), which is what the figures report.
 */
import { describe, expect } from 'vitest';
import { fromRows, gaussLegendreOn, matrix, rng, UNIT_ROUNDOFF_F64, type Matrix } from '../../src/core/index.js';
import { gradientFlow, kernelMachineWeights, lossGradient, tangentKernel, type PathQuantities, type TrainingProblem } from '../../src/kernels/index.js';
import { fitLogLog } from '../../src/laws/index.js';
import { squared } from '../../src/losses/index.js';
import { compileModel } from '../../src/models/index.js';
import { claimTest, recordFigure } from '../arbitraries/claims.js';
import { replayCommand, SEED } from '../arbitraries/config.js';
import { FLOW_ATOL, FLOW_RTOL, IDENTITY_RTOL } from '../arbitraries/flowTolerance.js';

const FILE = 'properties/caveats/zeroPathKernel.property.ts';

// Quadrature: 40 panels of 8 Gauss-Legendre nodes on [0, T]. On a path that varies on a time scale ~ 1 the
// rule's error (h/2)^16 / 16! scale is below rounding; the dense output's interpolation error (within the
// integrator's tolerance) and the tiny derivative jumps at its step boundaries remain, so the quadrature
// matches the ODE-state integrals to IDENTITY_RTOL of the largest |K^p| on the segment.
const PANELS = 40;
const NODES_PER_PANEL = 8;
// Distances from the root: 10^-k for k = 2..8. At 1e-8 K^p(x(s), x_i) is still ~1e-8 |dK^p/ds|, three orders
// above the integrator's absolute error on it (~1e-13 after atol 1e-14 per step), so its sign is reliable.
const EXPONENTS = [2, 3, 4, 5, 6, 7, 8];
// a_i = c / (s - s*) (1 + O(kappa |s - s*|)), kappa the relative rate of change of K^lp and dK^p/ds along the
// segment (O(1) per unit s): over distances 1e-2..1e-8 the fitted slope departs from -1 by about
// kappa 1e-2 / ln(1e6) ~ 1e-3. 0.01 is above that and far below the distance to a slope 0 (no pole).
const SLOPE_TOL = 0.01;
// a_i K^p against -K^lp: one division and one multiplication, a few u relative (as in Theorem 1's P9 check).
const PRODUCT_RTOL = 8 * UNIT_ROUNDOFF_F64;
// The bisection stops when the bracket is a few ulps of s in [0, 1].
const ROOT_WIDTH = 4 * Number.EPSILON;

/** The path as quadrature nodes: w(t_n), the weight of t_n, and L'_i(t_n). */
interface PathQuadrature {
  readonly w: readonly Float64Array[];
  readonly weight: readonly number[];
  readonly lossDerivative: readonly number[];
}

function pathQuadrature(problem: TrainingProblem, wOf: (t: number) => Float64Array, T: number, i: number): PathQuadrature {
  const w: Float64Array[] = [];
  const weight: number[] = [];
  const lossDerivative: number[] = [];
  for (let p = 0; p < PANELS; p++) {
    const rule = gaussLegendreOn(NODES_PER_PANEL, (T * p) / PANELS, (T * (p + 1)) / PANELS);
    rule.nodes.forEach((t, j) => {
      const wt = wOf(t);
      w.push(wt);
      weight.push(rule.weights[j]!);
      lossDerivative.push(lossGradient(problem, wt).lossDerivatives.data[i]!);
    });
  }
  return { w, weight, lossDerivative };
}

/** K^p(x, x_i) and K^lp(x, x_i) for each query row by the quadrature. */
function integrate(problem: TrainingProblem, path: PathQuadrature, X: Matrix, xi: Matrix): { kp: Float64Array; klp: Float64Array } {
  const kp = new Float64Array(X.rows);
  const klp = new Float64Array(X.rows);
  path.w.forEach((wt, n) => {
    const K = tangentKernel(problem.model, wt, X, xi);
    for (let q = 0; q < X.rows; q++) {
      kp[q]! += path.weight[n]! * K.data[q]!;
      klp[q]! += path.weight[n]! * K.data[q]! * path.lossDerivative[n]!;
    }
  });
  return { kp, klp };
}

// The pinned case: an MLP 1-4-1 with tanh, four training points, squared loss, T = 2, and the segment of
// queries x in [0.4, 1.4], on which K^p(x, x_0) changes sign once (found on a grid of queries over [-3, 3]).
const model = compileModel({ kind: 'mlp', inputDim: 1, layers: [{ width: 4, activation: 'tanh' }] });
const CASE_SEED = 5;
const targetStream = rng(CASE_SEED).stream('data');
const problem: TrainingProblem = {
  model,
  loss: squared,
  xTrain: fromRows([[-1.2], [-0.3], [0.5], [1.4]]),
  yTrain: matrix(4, 1, Array.from({ length: 4 }, () => targetStream.uniformIn(-1.5, 1.5))),
};
const w0 = model.init(rng(CASE_SEED).stream('init'));
const T = 2;
const I = 0;
const X_A = 0.4;
const X_B = 1.4;
const xAt = (s: number): number => X_A + s * (X_B - X_A);
const column = (q: PathQuantities, what: 'pathKernel' | 'lossWeightedKernel'): number[] => Array.from({ length: q.x.rows }, (_, r) => q[what].data[r * problem.xTrain.rows + I]!);
const where = `MLP 1-4-1 tanh, case seed ${CASE_SEED}, training point ${I} (x = ${problem.xTrain.data[I]}), segment [${X_A}, ${X_B}], T ${T}; seed ${SEED}; replay: ${replayCommand(FILE)}`;

describe('caveat.zero-path-kernel: a_i has a pole where K^p(x, x_i) = 0', () => {
  claimTest(
    ['caveat.zero-path-kernel', 'step.reweight', 'rem.loss-weighted-kernel'],
    'near a zero of K^p(x, x_i) along a segment of queries |a_i(x)| grows like 1/|s - s*| (log-log slope -1) while a_i K^p = -K^lp stays finite and continuous',
    (ctx) => {
      // 1. The segment on a coarse grid, from the flow's own ODE state: K^p(x(s), x_i) changes sign.
      const coarse = Array.from({ length: 11 }, (_, k) => k / 10);
      const first = gradientFlow(problem, w0, { queries: fromRows(coarse.map((s) => [xAt(s)])) }, { T, rtol: FLOW_RTOL, atol: FLOW_ATOL, dense: true });
      expect(first.status, first.message).toBe('success');
      const kpCoarse = column(first.queries!, 'pathKernel');
      const klpCoarse = column(first.queries!, 'lossWeightedKernel');
      const k = kpCoarse.findIndex((v, j) => j + 1 < kpCoarse.length && Math.sign(v) !== Math.sign(kpCoarse[j + 1]!));
      expect(k, `K^p(x(s), x_i) keeps its sign on the segment: ${kpCoarse.map((v) => v.toExponential(2)).join(', ')}; ${where}`).toBeGreaterThanOrEqual(0);

      // 2. The quadrature along the dense path agrees with the ODE state on the coarse grid.
      const xi = fromRows([[problem.xTrain.data[I]!]]);
      const path = pathQuadrature(problem, first.w!, T, I);
      const quad = integrate(problem, path, fromRows(coarse.map((s) => [xAt(s)])), xi);
      const scale = Math.max(...kpCoarse.map(Math.abs));
      let quadError = 0;
      coarse.forEach((_, j) => {
        quadError = Math.max(quadError, Math.abs(quad.kp[j]! - kpCoarse[j]!), Math.abs(quad.klp[j]! - klpCoarse[j]!));
      });
      expect(quadError, `quadrature vs ODE state: absolute ${quadError.toExponential(3)}, relative ${(quadError / scale).toExponential(3)}; ${where}`).toBeLessThanOrEqual(IDENTITY_RTOL * scale);

      // 3. Bisection on s for the root of the quadrature's K^p(x(s), x_i).
      let lo = coarse[k]!;
      let hi = coarse[k + 1]!;
      const signLo = Math.sign(quad.kp[k]!);
      while (hi - lo > ROOT_WIDTH) {
        const mid = (lo + hi) / 2;
        if (mid <= lo || mid >= hi) break;
        if (Math.sign(integrate(problem, path, fromRows([[xAt(mid)]]), xi).kp[0]!) === signLo) lo = mid;
        else hi = mid;
      }
      const sStar = (lo + hi) / 2;

      // 4. The flow again, with s* and s* -+ 10^-k as queries (one ODE).
      const deltas = EXPONENTS.map((e) => 10 ** -e);
      const points = [sStar, ...deltas.flatMap((d) => [sStar - d, sStar + d])];
      const second = gradientFlow(problem, w0, { queries: fromRows(points.map((s) => [xAt(s)])) }, { T, rtol: FLOW_RTOL, atol: FLOW_ATOL });
      expect(second.status, second.message).toBe('success');
      const q = second.queries!;
      const kp = column(q, 'pathKernel');
      const klp = column(q, 'lossWeightedKernel');
      const aAll = kernelMachineWeights(q);
      const a = points.map((_, r) => aAll.data[r * problem.xTrain.rows + I]!);

      // The root lies between every pair s* -+ 10^-k, and a_i changes sign across it (a simple pole).
      deltas.forEach((d, j) => {
        const [l, r] = [1 + 2 * j, 2 + 2 * j];
        expect(Math.sign(kp[l]!) * Math.sign(kp[r]!), `K^p at s* -+ ${d}: ${kp[l]}, ${kp[r]}; ${where}`).toBe(-1);
        expect(Math.sign(a[l]!) * Math.sign(a[r]!), `a_i at s* -+ ${d}: ${a[l]}, ${a[r]}; ${where}`).toBe(-1);
      });

      // |a_i| ~ c / |s - s*|: the log-log slope of |a_i| against the distance is -1.
      const absA = deltas.map((_, j) => (Math.abs(a[1 + 2 * j]!) + Math.abs(a[2 + 2 * j]!)) / 2);
      const fit = fitLogLog(deltas, absA);
      expect(Math.abs(fit.slope + 1), `slope ${fit.slope} (local ${fit.localSlopes.map((v) => v.toFixed(6)).join(', ')}); ${where}`).toBeLessThan(SLOPE_TOL);

      // a_i K^p = -K^lp at every point: the product is what the kernel machine uses, and it is finite.
      let worstProduct = 0;
      points.forEach((_, r) => {
        const err = Math.abs(a[r]! * kp[r]! + klp[r]!);
        const rel = err / Math.abs(klp[r]!);
        worstProduct = Math.max(worstProduct, rel);
        expect(rel, `a_i K^p = ${a[r]! * kp[r]!} vs -K^lp = ${-klp[r]!}: relative ${rel.toExponential(3)}, absolute ${err.toExponential(3)}; ${where}`).toBeLessThanOrEqual(PRODUCT_RTOL);
      });

      // K^lp is continuous through the root: within a Lipschitz bound from the coarse grid (twice its largest
      // difference quotient), and clearly nonzero there, which is what makes the pole.
      const lipschitz = 2 * Math.max(...klpCoarse.slice(1).map((v, j) => Math.abs(v - klpCoarse[j]!) / 0.1));
      deltas.forEach((d, j) => {
        for (const r of [1 + 2 * j, 2 + 2 * j]) {
          expect(Math.abs(klp[r]! - klp[0]!), `K^lp jumps by ${Math.abs(klp[r]! - klp[0]!)} within ${d} of the root; ${where}`).toBeLessThanOrEqual(lipschitz * d);
        }
      });
      const klpScale = Math.max(...klpCoarse.map(Math.abs));
      expect(Math.abs(klp[0]!), `K^lp at the root ${klp[0]} is not clearly nonzero; ${where}`).toBeGreaterThan(1e-2 * klpScale);

      recordFigure(ctx, 'root s* on the segment', sStar);
      recordFigure(ctx, 'query x* at the root', xAt(sStar));
      recordFigure(ctx, 'K^lp(x*, x_i) (finite)', klp[0]!);
      recordFigure(ctx, 'largest |a_i| seen (at |s - s*| = 1e-8)', Math.max(...absA));
      recordFigure(ctx, '|a_i| at |s - s*| = 1e-2', absA[0]!);
      recordFigure(ctx, 'log-log slope of |a_i| against |s - s*|', fit.slope);
      recordFigure(ctx, 'slope 95% half-width', fit.slopeHalfWidth95);
      recordFigure(ctx, 'residue |a_i| |s - s*|', absA.at(-1)! * deltas.at(-1)!);
      recordFigure(ctx, 'worst relative error of a_i K^p = -K^lp', worstProduct);
      recordFigure(ctx, 'quadrature vs ODE state, relative', quadError / scale);
    },
  );
});
