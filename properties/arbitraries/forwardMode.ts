/**
 * A second implementation of per-example gradients for the properties: the Jacobian built column by column in
 * forward mode (one JVP per parameter direction e_j on one trace). It never runs a reverse pass, so it shares
 * no summation with the VJP that the engine's gradient grad L = J^T L' and its per-example rows use: what the
 * two agree on is checked, not assumed. Slow (d JVPs), so for small models only.
 *
 * @module
 */
import { matrix, type Matrix } from '../../src/core/index.js';
import { paramTangents, type Model } from '../../src/models/index.js';

/**
 * d f(X) / d w, (N O) x d, row (i, k) = grad_w f_k(x_i), from d forward-mode JVPs: column j is the JVP along
 * the unit direction e_j. For a batch-coupled model the JVP runs through the whole batch (total derivatives).
 */
export function jacobianByJvp(model: Model, w: Float64Array, X: Matrix): Matrix {
  const d = model.paramCount;
  const trace = model.trace(w, X);
  const J = matrix(X.rows * model.outputDim, d);
  const e = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    e.fill(0);
    e[j] = 1;
    const column = trace.tape.jvp(paramTangents(trace, e), trace.output).data;
    for (let r = 0; r < column.length; r++) J.data[r * d + j] = column[r]!;
  }
  return J;
}

/** sum_r c_r J_r: the rows of J (N O x d) weighted by c (length N O), summed in the order of r. */
export function weightedRowSum(J: Matrix, c: ArrayLike<number>): Float64Array {
  const d = J.cols;
  const out = new Float64Array(d);
  for (let r = 0; r < J.rows; r++) {
    const cr = c[r]!;
    for (let j = 0; j < d; j++) out[j]! += cr * J.data[r * d + j]!;
  }
  return out;
}
