/**
 * The path of a gradient flow sampled for the signed-average search (properties/caveats/signedAverage.property.ts):
 * K^g(x, x_i) and -L'_i at the dense output's w(t) on a uniform grid of t, the range of a sampled function
 * with a bound on how far the grid can miss its extremes, and Simpson's rule on the samples.
 *
 * @module
 */
import type { Matrix } from '../../src/core/index.js';
import { lossGradient, tangentKernel, type TrainingProblem } from '../../src/kernels/index.js';

// The grid resolves the path when the path varies on a time scale tau >> h. DOP853 at rtol 1e-11 steps by
// about tau (1e-11)^(1/8) ~ 0.04 tau, so a flow of n accepted steps over T varies on tau ~ 25 T / n on
// average; max(GRID_MIN_INTERVALS, 2 n) intervals give h ~ tau / 50 on average. Steps are not uniform (a
// fast transient at the start is taken in short steps), so the grid is then doubled, up to
// GRID_MAX_INTERVALS, until Simpson's rule on it is in its asymptotic range for every pair (see
// simpsonAsymptotic), which also makes the second differences measure g'' where it is largest. A multiple
// of 16 so that Simpson's rule applies on every sample, every second, fourth and eighth.
/** The first grid's fewest intervals. */
export const GRID_MIN_INTERVALS = 128;
/** The finest grid (the search doubles up to it). */
export const GRID_MAX_INTERVALS = 2048;
// The second difference estimates h^2 g'' averaged over 2h; g'' can be larger in between. A factor 4 covers
// that for functions that vary on tau >= 50 h, not on the grid's scale.
const GRID_SAFETY = 4;

/** K^g(x, x_i)(t) and -L'_i(t) on the grid for one scalar-output problem. */
export interface PathSamples {
  readonly h: number;
  /** kernel[x * m + i][k] = K^g(x, x_i) at grid time k. */
  readonly kernel: readonly Float64Array[];
  /** negLp[i][k] = -L'_i at grid time k. */
  readonly negLp: readonly Float64Array[];
}

/** K^g(x, x_i) and -L'_i at w(t) for t on `intervals` uniform intervals of [0, T] (w from a dense output). */
export function samplePath(problem: TrainingProblem, queries: Matrix, w: (t: number) => Float64Array, T: number, intervals: number): PathSamples {
  const m = problem.xTrain.rows;
  const n = queries.rows;
  const N = intervals + 1;
  const kernel = Array.from({ length: n * m }, () => new Float64Array(N));
  const negLp = Array.from({ length: m }, () => new Float64Array(N));
  for (let k = 0; k < N; k++) {
    // (T k) / intervals can round one ulp past T, outside the dense output.
    const wt = w(k === intervals ? T : (T * k) / intervals);
    const K = tangentKernel(problem.model, wt, queries, problem.xTrain);
    const { lossDerivatives } = lossGradient(problem, wt);
    for (let r = 0; r < n * m; r++) kernel[r]![k] = K.data[r]!;
    for (let i = 0; i < m; i++) negLp[i]![k] = -lossDerivatives.data[i]!;
  }
  return { h: T / intervals, kernel, negLp };
}

/** The first grid for a flow of `steps` accepted steps (see GRID_MIN_INTERVALS): a multiple of 16. */
export const gridIntervals = (steps: number) => Math.max(GRID_MIN_INTERVALS, 16 * Math.ceil(steps / 8));

/** The smallest and largest sample, and the largest magnitude. */
export function range(g: Float64Array): { lo: number; hi: number; maxAbs: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of g) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return { lo, hi, maxAbs: Math.max(Math.abs(lo), Math.abs(hi)) };
}

/** How far the true extremum of g can lie beyond the sampled one: GRID_SAFETY * max|second difference| / 8. */
export function gridMiss(g: Float64Array): number {
  let worst = 0;
  for (let k = 1; k + 1 < g.length; k++) worst = Math.max(worst, Math.abs(g[k + 1]! - 2 * g[k]! + g[k - 1]!));
  return (GRID_SAFETY * worst) / 8;
}

/** Simpson's rule on every `stride`-th sample (the count of intervals used must be even). */
export function simpson(g: (k: number) => number, N: number, h: number, stride = 1): number {
  const n = (N - 1) / stride;
  let s = g(0) + g(n * stride);
  for (let k = 1; k < n; k++) s += (k % 2 === 1 ? 4 : 2) * g(k * stride);
  return (s * h * stride) / 3;
}

/** Simpson's a_i from the samples on every `stride`-th sample. */
export function simpsonA(samples: PathSamples, x: number, i: number, m: number, stride: number): number {
  const K = samples.kernel[x * m + i]!;
  const g = samples.negLp[i]!;
  return simpson((k) => K[k]! * g[k]!, K.length, samples.h, stride) / simpson((k) => K[k]!, K.length, samples.h, stride);
}

