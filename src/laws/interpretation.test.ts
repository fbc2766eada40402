import { describe, expect, it } from 'vitest';
import { gamma, jacobianByDifferences, matrix, rng, toRows, type Matrix } from '../core/index.js';
import { squared } from '../losses/index.js';
import { compileModel, type Model } from '../models/index.js';
import { interpretQueries } from './interpretation.js';

// A 2-4-2 tanh MLP on five training points and three queries: two outputs, so that the O x O blocks of the
// kernels have off-diagonal entries and an index that mixes up (row, output) pairs reads a different number.
const model = compileModel({ kind: 'mlp', inputDim: 2, outputDim: 2, layers: [{ width: 4, activation: 'tanh' }] });
const O = model.outputDim;
const xTrain = matrix(5, 2, [0.5, -1, 1, 0.2, -0.3, 0.8, -1.2, -0.4, 0.1, 1.3]);
const yTrain = matrix(5, 2, [0.3, -0.2, 0.5, 0.1, -0.4, 0.6, 0.2, -0.5, -0.1, 0.4]);
const queries = matrix(3, 2, [0.9, -0.6, -0.8, 0.5, 0.2, 0.9]);
const m = xTrain.rows;
const problem = { model, loss: squared, xTrain, yTrain };
const w0 = model.init(rng(11).stream('init'));
const T = 0.5;
const TOP = 3;

/** Step of the (Richardson-extrapolated) central differences for the Jacobian: truncation h^4, rounding u |f| / h. */
const FD_STEP = 1e-5;
/**
 * How far the finite-difference NTK may be from the exact one, relative to its scale: truncation h^2 = 1e-10
 * times the third derivatives (O(1) for tanh of O(1) inputs) plus rounding u / h ~ 2e-11, summed over the
 * parameters of a product J J^T; 1e-8 leaves two orders for the constants. The rankings compared below are
 * asserted to have gaps wider than this, so the test cannot turn on a near tie.
 */
const FD_RTOL = 1e-8;

/** The Jacobian d f_k(x_n) / d w_j by differences of forward passes (src/core/finiteDifference.ts): (N O) x d rows. */
const jacobianRows = (mdl: Model, w: Float64Array, X: Matrix): number[][] => toRows(jacobianByDifferences((v) => mdl.forward(v, X).data, w, FD_STEP));

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, j) => s + v * b[j]!, 0);
/** tr of the O x O block of J1 J2^T at points n1, n2: sum_k grad f_k(x_n1) . grad f_k(x_n2). */
const traceOf = (J1: number[][], n1: number, J2: number[][], n2: number) => Array.from({ length: O }, (_, k) => dot(J1[n1 * O + k]!, J2[n2 * O + k]!)).reduce((s, v) => s + v, 0);

/** Indices 0..n-1 sorted by score (stable on ties), by a plain selection sort. */
function argsort(scores: readonly number[], descending: boolean): number[] {
  const left = scores.map((_, i) => i);
  const out: number[] = [];
  while (left.length > 0) {
    let best = 0;
    for (let p = 1; p < left.length; p++) {
      const better = descending ? scores[left[p]!]! > scores[left[best]!]! : scores[left[p]!]! < scores[left[best]!]!;
      if (better) best = p;
    }
    out.push(left.splice(best, 1)[0]!);
  }
  return out;
}

/** The smallest gap between consecutive sorted scores among the first top + 1, relative to the largest |score|. */
function relativeGap(scores: readonly number[], order: readonly number[]): number {
  const scale = Math.max(...scores.map(Math.abs));
  let gap = Infinity;
  for (let p = 0; p + 1 < Math.min(order.length, TOP + 1); p++) gap = Math.min(gap, Math.abs(scores[order[p]!]! - scores[order[p + 1]!]!));
  return gap / scale;
}

/** The top TOP indices of `scores` by brute force, with gaps wider than the differences' error so no near tie decides. */
function expectTop(actual: readonly number[], scores: readonly number[], descending: boolean): void {
  const order = argsort(scores, descending);
  expect(relativeGap(scores, order)).toBeGreaterThan(FD_RTOL);
  expect(actual).toEqual(order.slice(0, TOP));
}

describe('interpretQueries on a small two-output problem', () => {
  const result = interpretQueries(problem, w0, queries, { T, top: TOP });
  const q = result.quantities;
  const Jq = jacobianRows(model, w0, queries);
  const Jt = jacobianRows(model, w0, xTrain);

  it('the nearest inputs are the smallest Euclidean distances, recomputed by brute force', () => {
    result.queries.forEach((r) => {
      const distance = Array.from({ length: m }, (_, i) => Math.hypot(queries.data[r.query * 2]! - xTrain.data[i * 2]!, queries.data[r.query * 2 + 1]! - xTrain.data[i * 2 + 1]!));
      expectTop(r.nearestInputs, distance, false);
    });
  });

  it('the nearest points under the initial NTK follow the normalised trace similarity of a finite-difference Jacobian', () => {
    result.queries.forEach((r) => {
      const x = r.query;
      const similarity = Array.from({ length: m }, (_, i) => traceOf(Jq, x, Jt, i) / Math.sqrt(traceOf(Jq, x, Jq, x) * traceOf(Jt, i, Jt, i)));
      expectTop(r.nearestNtk, similarity, true);
    });
  });

  it('the path-kernel ranking divides tr K^p(x, x_i) by T and the finite-difference initial diagonals', () => {
    result.queries.forEach((r) => {
      const x = r.query;
      const trKp = (i: number) => Array.from({ length: O }, (_, k) => q.pathKernel.data[(x * O + k) * m * O + i * O + k]!).reduce((s, v) => s + v, 0);
      const similarity = Array.from({ length: m }, (_, i) => trKp(i) / (T * Math.sqrt(traceOf(Jq, x, Jq, x) * traceOf(Jt, i, Jt, i))));
      expectTop(r.nearestPathKernel, similarity, true);
    });
  });

  it('a_i(x) solves K^p(x, x_i) a_i = -K^lp(x, x_i), c_i = K^p a_i, and the top contributors are the largest |c_i|', () => {
    result.queries.forEach((r) => {
      const x = r.query;
      const size: number[] = [];
      for (let i = 0; i < m; i++) {
        const c: number[] = [];
        for (let k = 0; k < O; k++) {
          let Ka = 0;
          let KaAbs = 0;
          for (let kk = 0; kk < O; kk++) {
            const term = q.pathKernel.data[(x * O + k) * m * O + i * O + kk]! * r.a.data[i * O + kk]!;
            Ka += term;
            KaAbs += Math.abs(term);
          }
          const klp = q.lossWeightedKernel.data[(x * O + k) * m + i]!;
          // Gaussian elimination with partial pivoting on the O x O block is backward stable with growth at
          // most 2^(O-1): the residual is within (2^(O-1) gamma(3 O) + gamma(O)) |K^p| |a| (as in the property).
          const solveTol = (2 ** (O - 1) * gamma(3 * O) + gamma(O)) * KaAbs;
          expect(Math.abs(Ka + klp)).toBeLessThanOrEqual(solveTol);
          // The same O products summed in another order: within gamma(O) of their absolute sum.
          expect(Math.abs(r.contributions.data[i * O + k]! - Ka)).toBeLessThanOrEqual(gamma(O) * KaAbs);
          c.push(Ka);
        }
        expect(Math.hypot(...c)).toBeGreaterThan(0);
        size.push(Math.hypot(...c));
      }
      expectTop(r.topContributors, size, true);
    });
  });

  it('the overlaps are |A intersect B| / top, counted by sets', () => {
    const overlap = (a: readonly number[], b: readonly number[]) => [...new Set(a)].filter((i) => new Set(b).has(i)).length / TOP;
    result.queries.forEach((r) => {
      expect(r.overlap).toEqual({
        contributorsInputs: overlap(r.topContributors, r.nearestInputs),
        contributorsNtk: overlap(r.topContributors, r.nearestNtk),
        inputsNtk: overlap(r.nearestInputs, r.nearestNtk),
        contributorsPathKernel: overlap(r.topContributors, r.nearestPathKernel),
        pathKernelNtk: overlap(r.nearestPathKernel, r.nearestNtk),
      });
      // Two TOP-subsets of five training points share at least 2 TOP - 5 = 1 point: every overlap is positive.
      Object.values(r.overlap).forEach((v) => expect(v).toBeGreaterThan(0));
    });
  });

  it('a flow that does not reach T is an error, not a reading', () => {
    expect(() => interpretQueries(problem, w0, queries, { T, top: TOP, maxSteps: 1 })).toThrow(/the flow ended with status max-steps/);
  });
});
