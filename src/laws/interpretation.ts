/**
 * Reading a trained model as the paper's "superposition of training examples" (section 3): for a query x, the
 * kernel machine of Theorem 1 writes f_T(x) - b(x) = sum_i a_i(x) K^p(x, x_i), so the term
 * c_i(x) = K^p(x, x_i) a_i(x) (an O-vector; equal to -K^lp(x, x_i), example i's share of the superposition
 * w_T - w_0 = -int sum_i L'_i grad f(x_i) dt read along the query's gradient) is how much training example i
 * moved the prediction at x. This module ranks the training points by |c_i(x)|_2 and sets that ranking next
 * to two fixed-before-training similarities:
 *
 * - nearest inputs: smallest Euclidean distance |x - x_i| in input space;
 * - nearest under the initial NTK: largest normalised trace similarity
 *   tr K^g_0(x, x_i) / sqrt(tr K^g_0(x, x) tr K^g_0(x_i, x_i)), with K^g_0 the O x O block at w0 (the trace
 *   is the kernel of the summed outputs' gradients, the normalisation removes the points' gradient sizes).
 *
 * and, to tell the kernel's part of c_i(x) from the weight's, a fourth ranking: largest path-kernel similarity
 * tr K^p(x, x_i) / (T sqrt(tr K^g_0(x, x) tr K^g_0(x_i, x_i))) (normalised by the same initial diagonals, so
 * that it equals the NTK ranking when the kernel does not move; K^p's own diagonals are not integrated).
 *
 * The path quantities come from one run of the reference gradient flow with the queries carried as ODE state.
 *
 * @module
 * @claim disc.superposition
 * @claim thm.kernel-machine
 */
import { matrix, type Matrix } from '../core/index.js';
import { gradientFlow, kernelMachineOffset, kernelMachineWeights, tangentKernel, type FlowResult, type PathQuantities, type TrainingProblem } from '../kernels/index.js';

/** Options of {@link interpretQueries}. */
export interface InterpretationOptions {
  /** The horizon T of the flow. */
  readonly T: number;
  /** How many training points each ranking lists (default 5). */
  readonly top?: number;
  /** The integrator's tolerances (defaults 1e-11 and 1e-14) and step budget (default 20,000). */
  readonly rtol?: number;
  readonly atol?: number;
  readonly maxSteps?: number;
}

/** One query's reading. */
export interface QueryInterpretation {
  /** The query's row in the queries matrix. */
  readonly query: number;
  /** f_T(x), b(x) (O each). */
  readonly fT: Float64Array;
  readonly b: Float64Array;
  /** Row i: c_i(x) = K^p(x, x_i) a_i(x), m x O. */
  readonly contributions: Matrix;
  /** a_i(x), m x O. */
  readonly a: Matrix;
  /** sum_i c_i(x), O: the kernel machine's f_T(x) - b(x). */
  readonly contributionSum: Float64Array;
  /** Training indices, by |c_i(x)|_2, largest first. */
  readonly topContributors: readonly number[];
  /** Training indices, by |x - x_i|, smallest first. */
  readonly nearestInputs: readonly number[];
  /** Training indices, by the normalised initial-NTK similarity, largest first. */
  readonly nearestNtk: readonly number[];
  /** Training indices, by the path-kernel similarity, largest first. */
  readonly nearestPathKernel: readonly number[];
  /** |A intersect B| / top for pairs of rankings. */
  readonly overlap: { readonly contributorsInputs: number; readonly contributorsNtk: number; readonly inputsNtk: number; readonly contributorsPathKernel: number; readonly pathKernelNtk: number };
}

/** The flow and the readings of every query. */
export interface Interpretation {
  readonly flow: FlowResult;
  readonly quantities: PathQuantities;
  readonly queries: readonly QueryInterpretation[];
}

function ranking(scores: readonly number[], top: number, descending: boolean): number[] {
  const order = scores.map((_, i) => i).sort((i, j) => (descending ? scores[j]! - scores[i]! : scores[i]! - scores[j]!) || i - j);
  return order.slice(0, top);
}

function overlapOf(a: readonly number[], b: readonly number[]): number {
  return a.filter((i) => b.includes(i)).length / a.length;
}

/** tr of the O x O block (r, c) of a kernel matrix with O outputs. */
function blockTrace(K: Matrix, r: number, c: number, O: number): number {
  let s = 0;
  for (let k = 0; k < O; k++) s += K.data[(r * O + k) * K.cols + c * O + k]!;
  return s;
}

/**
 * c_i(x) = K^p(x, x_i) a_i(x) for query row x of the path quantities, m x O, from Theorem 1's weights
 * (the O x O block of K^p times the vector a_i).
 */
export function kernelMachineContributions(q: PathQuantities, a: Matrix, x: number): Matrix {
  const O = q.f0.cols;
  const m = a.cols;
  const c = matrix(m, O);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < O; k++) {
      let acc = 0;
      for (let kk = 0; kk < O; kk++) acc += q.pathKernel.data[(x * O + k) * m * O + i * O + kk]! * a.data[(x * O + kk) * m + i]!;
      c.data[i * O + k] = acc;
    }
  }
  return c;
}

/** Train by the flow to T with the queries as ODE state, then rank the training points for every query. */
export function interpretQueries(problem: TrainingProblem, w0: Float64Array, queries: Matrix, options: InterpretationOptions): Interpretation {
  const { model, xTrain } = problem;
  const top = options.top ?? 5;
  const O = model.outputDim;
  const m = xTrain.rows;
  const flow = gradientFlow(problem, w0, { queries }, { T: options.T, rtol: options.rtol ?? 1e-11, atol: options.atol ?? 1e-14, maxSteps: options.maxSteps ?? 20_000 });
  if (flow.status !== 'success') throw new RangeError(`interpretation: the flow ended with status ${flow.status} (${flow.message})`);
  const q = flow.queries!;
  const a = kernelMachineWeights(q);
  const b = kernelMachineOffset(q);
  const Kqt = tangentKernel(model, w0, queries, xTrain);
  const Kqq = tangentKernel(model, w0, queries);
  const Ktt = tangentKernel(model, w0, xTrain);
  const trainSelf = Array.from({ length: m }, (_, i) => blockTrace(Ktt, i, i, O));
  const readings = Array.from({ length: queries.rows }, (_, x): QueryInterpretation => {
    const c = kernelMachineContributions(q, a, x);
    const size = Array.from({ length: m }, (_, i) => Math.hypot(...c.data.subarray(i * O, (i + 1) * O)));
    const distance = Array.from({ length: m }, (_, i) => {
      let s = 0;
      for (let j = 0; j < xTrain.cols; j++) s += (queries.data[x * queries.cols + j]! - xTrain.data[i * xTrain.cols + j]!) ** 2;
      return Math.sqrt(s);
    });
    const self = blockTrace(Kqq, x, x, O);
    const similarity = Array.from({ length: m }, (_, i) => blockTrace(Kqt, x, i, O) / Math.sqrt(self * trainSelf[i]!));
    const pathSimilarity = Array.from({ length: m }, (_, i) => blockTrace(q.pathKernel, x, i, O) / (options.T * Math.sqrt(self * trainSelf[i]!)));
    const sum = new Float64Array(O);
    for (let i = 0; i < m; i++) for (let k = 0; k < O; k++) sum[k]! += c.data[i * O + k]!;
    const ai = matrix(m, O);
    for (let i = 0; i < m; i++) for (let k = 0; k < O; k++) ai.data[i * O + k] = a.data[(x * O + k) * m + i]!;
    const topContributors = ranking(size, top, true);
    const nearestInputs = ranking(distance, top, false);
    const nearestNtk = ranking(similarity, top, true);
    const nearestPathKernel = ranking(pathSimilarity, top, true);
    return {
      query: x,
      fT: q.fT.data.slice(x * O, (x + 1) * O),
      b: b.data.slice(x * O, (x + 1) * O),
      contributions: c,
      a: ai,
      contributionSum: sum,
      topContributors,
      nearestInputs,
      nearestNtk,
      nearestPathKernel,
      overlap: {
        contributorsInputs: overlapOf(topContributors, nearestInputs),
        contributorsNtk: overlapOf(topContributors, nearestNtk),
        inputsNtk: overlapOf(nearestInputs, nearestNtk),
        contributorsPathKernel: overlapOf(topContributors, nearestPathKernel),
        pathKernelNtk: overlapOf(nearestPathKernel, nearestNtk),
      },
    };
  });
  return { flow, quantities: q, queries: readings };
}
