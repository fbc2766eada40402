/**
 * The kernel machine of Theorem 1, y(x) = sum_i a_i(x) K^p(x, x_i) + b(x), built from the path quantities
 * of a query x. Everything here takes the query's quantities as its argument: a_i and b depend on x
 * (Remark 1), and nothing in the API hides that.
 *
 * - weights (P9-P11): a_i(x) = -Lbar'_i(x) with Lbar'_i(x) = K^lp(x, x_i) / K^p(x, x_i), the average of L'_i
 *   along the path weighted by K^g(x, x_i)(t). For O outputs the O x O block K^p(x, x_i) is inverted:
 *   a_i(x) = -K^p(x, x_i)^{-1} K^lp(x, x_i).
 * - offset: b(x) = f_{w0}(x), less the regulariser term of Remark 4 when there is weight decay.
 * - Remark 2's loss-weighted form needs no division: y(x) = b(x) - sum_i K^lp(x, x_i).
 *
 * @module
 * @claim thm.kernel-machine
 * @claim step.reweight
 * @claim rem.loss-weighted-kernel
 * @claim def.kernel-machine
 */
import { matrix, type Matrix } from '../core/matrix.js';
import type { PathQuantities } from './gradientFlow.js';

function outputs(q: PathQuantities): number {
  return q.f0.cols;
}

/** b(x) = f_{w0}(x) - int grad f(x) . grad R dt, n x O. */
export function kernelMachineOffset(q: PathQuantities): Matrix {
  const b = matrix(q.f0.rows, q.f0.cols);
  for (let i = 0; i < b.data.length; i++) b.data[i] = q.f0.data[i]! - q.regulariserTerm.data[i]!;
  return b;
}

// Solve the O x O system M a = r by Gaussian elimination with partial pivoting (O is the output count).
function solveSmall(M: number[][], r: number[]): number[] {
  const n = r.length;
  const A = M.map((row, i) => [...row, r[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(A[i]![c]!) > Math.abs(A[p]![c]!)) p = i;
    [A[c], A[p]] = [A[p]!, A[c]!];
    for (let i = c + 1; i < n; i++) {
      const f = A[i]![c]! / A[c]![c]!;
      for (let j = c; j <= n; j++) A[i]![j]! -= f * A[c]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = A[i]![n]!;
    for (let j = i + 1; j < n; j++) s -= A[i]![j]! * x[j]!;
    x[i] = s / A[i]![i]!;
  }
  return x;
}

/**
 * a_i(x) for every query x and training point i: (n O) x m, row (x, k), column i. Where K^p(x, x_i) is
 * singular (caveat.zero-path-kernel) the entries are not finite: the division of P9 has no value there.
 */
export function kernelMachineWeights(q: PathQuantities): Matrix {
  const O = outputs(q);
  const n = q.f0.rows;
  const m = q.lossWeightedKernel.cols;
  const a = matrix(n * O, m);
  const cols = m * O;
  for (let x = 0; x < n; x++) {
    for (let i = 0; i < m; i++) {
      const block = Array.from({ length: O }, (_, k) => Array.from({ length: O }, (_, kk) => q.pathKernel.data[(x * O + k) * cols + i * O + kk]!));
      const rhs = Array.from({ length: O }, (_, k) => -q.lossWeightedKernel.data[(x * O + k) * m + i]!);
      // A training point that never influenced the query (K^p and K^lp both exactly 0, as for a weight that
      // never moves) contributes nothing: its a_i is taken to be 0 rather than 0/0. A zero K^p with a nonzero
      // K^lp has no a_i at all (caveat.zero-path-kernel) and stays non-finite.
      const silent = block.every((r) => r.every((v) => v === 0)) && rhs.every((v) => v === 0);
      const ai = silent ? rhs.map(() => 0) : O === 1 ? [rhs[0]! / block[0]![0]!] : solveSmall(block, rhs);
      ai.forEach((v, k) => (a.data[(x * O + k) * m + i] = v));
    }
  }
  return a;
}

/** The kernel machine's output sum_i K^p(x, x_i) a_i(x) + b(x) for each query, n x O. */
export function kernelMachinePredict(pathKernel: Matrix, a: Matrix, b: Matrix): Matrix {
  const n = b.rows;
  const O = b.cols;
  const m = a.cols;
  const cols = m * O;
  const y = matrix(n, O);
  for (let x = 0; x < n; x++) {
    for (let k = 0; k < O; k++) {
      let acc = b.data[x * O + k]!;
      for (let i = 0; i < m; i++) for (let kk = 0; kk < O; kk++) acc += pathKernel.data[(x * O + k) * cols + i * O + kk]! * a.data[(x * O + kk) * m + i]!;
      y.data[x * O + k] = acc;
    }
  }
  return y;
}

/** Remark 2's form: y(x) = b(x) - sum_i K^lp(x, x_i) (every a_i = -1), n x O. */
export function lossWeightedPredict(lossWeightedKernel: Matrix, b: Matrix): Matrix {
  const n = b.rows;
  const O = b.cols;
  const m = lossWeightedKernel.cols;
  const y = matrix(n, O);
  for (let r = 0; r < n * O; r++) {
    let acc = b.data[r]!;
    for (let i = 0; i < m; i++) acc -= lossWeightedKernel.data[r * m + i]!;
    y.data[r] = acc;
  }
  return y;
}

/** The kernel machine of Theorem 1 at a query block: weights, offset and output. */
export function kernelMachine(q: PathQuantities): { a: Matrix; b: Matrix; y: Matrix } {
  const a = kernelMachineWeights(q);
  const b = kernelMachineOffset(q);
  return { a, b, y: kernelMachinePredict(q.pathKernel, a, b) };
}
