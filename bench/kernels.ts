/**
 * The tangent kernel three ways on one model, timed side by side in one process, with their agreement.
 *
 * @module
 */
import { compare, matrix, rng } from '../src/core/index.js';
import { compileModel } from '../src/models/index.js';
import { tangentKernelJacobian, tangentKernelKvp, tangentKernelStructured } from '../src/kernels/index.js';
import { timeIt, type BenchRow } from './timing.js';

/** Options for the kernel benchmark. */
export interface KernelBenchOptions {
  readonly inputDim: number;
  readonly widths: readonly number[];
  readonly points: number;
  readonly seed: number;
}

/** Time the three kernel methods on an MLP inputDim-widths-1 (tanh) on `points` inputs. */
export function benchKernels(o: KernelBenchOptions): { rows: BenchRow[]; agreement: Record<string, number>; paramCount: number } {
  const model = compileModel({ kind: 'mlp', inputDim: o.inputDim, layers: o.widths.map((width) => ({ width, activation: 'tanh' })) });
  const r = rng(o.seed);
  const w = model.init(r.stream('init'));
  const data = r.stream('data');
  const X = matrix(o.points, o.inputDim, Array.from({ length: o.points * o.inputDim }, () => data.normal()));
  const label = `MLP ${[o.inputDim, ...o.widths, 1].join('-')} tanh, N = ${o.points}, d = ${model.paramCount}`;
  const structured = timeIt(`structured (${label})`, () => tangentKernelStructured(model, w, X));
  const jac = timeIt(`Jacobian contraction (${label})`, () => tangentKernelJacobian(model, w, X));
  const kvp = timeIt(`kernel-vector products (${label})`, () => tangentKernelKvp(model, w, X));
  const tol = { rtol: 0, atol: Infinity };
  let maxDiag = 0;
  for (let i = 0; i < o.points; i++) maxDiag = Math.max(maxDiag, jac.value.data[i * o.points + i]!);
  const agreement = {
    'structured vs Jacobian (max abs / max diag)': compare(structured.value, jac.value, tol).maxAbsError / maxDiag,
    'kvp vs Jacobian (max abs / max diag)': compare(kvp.value, jac.value, tol).maxAbsError / maxDiag,
  };
  return { rows: [structured.row, jac.row, kvp.row], agreement, paramCount: model.paramCount };
}
