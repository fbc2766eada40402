/**
 * Derivatives of a model's outputs with respect to its flat parameter vector: the VJP (a cotangent on the
 * outputs pulled back to parameters), the JVP (a parameter direction pushed to the outputs) and the Jacobian.
 *
 * Row (i, k) of a Jacobian is grad_w f_k(x_i), at row index i * outputDim + k (example-major).
 *
 * @module
 */
import { matrix, type Matrix } from '../core/matrix.js';
import type { Node } from '../autodiff/index.js';
import type { Model, Trace } from './model.js';

/** Gather the cotangents of the parameter nodes into one flat vector (zeros where a block got none). */
export function flattenParamAdjoints(trace: Trace, adjoints: ReadonlyMap<number, Matrix>, paramCount: number): Float64Array {
  const g = new Float64Array(paramCount);
  let offset = 0;
  for (const p of trace.params) {
    const a = adjoints.get(p.id);
    if (a) g.set(a.data, offset);
    offset += p.value.data.length;
  }
  return g;
}

/** The tangent map for a flat direction v: each parameter node gets its slice of v. */
export function paramTangents(trace: Trace, v: Float64Array): Map<Node, Matrix> {
  const map = new Map<Node, Matrix>();
  let offset = 0;
  for (const p of trace.params) {
    const n = p.value.data.length;
    map.set(p, matrix(p.value.rows, p.value.cols, v.subarray(offset, offset + n)));
    offset += n;
  }
  if (offset !== v.length) throw new RangeError(`direction: expected ${offset} values, got ${v.length}`);
  return map;
}

/** sum_{i,k} G_ik grad_w f_k(x_i): the VJP of the outputs with cotangent G (N x outputDim). */
export function outputVjp(model: Model, w: Float64Array, X: Matrix, G: Matrix): Float64Array {
  const trace = model.trace(w, X);
  return flattenParamAdjoints(trace, trace.tape.backward(trace.output, G), model.paramCount);
}

/** d/dtau f_{w + tau v}(X) at tau = 0: the JVP of the outputs (N x outputDim). */
export function outputJvp(model: Model, w: Float64Array, X: Matrix, v: Float64Array): Matrix {
  const trace = model.trace(w, X);
  return trace.tape.jvp(paramTangents(trace, v), trace.output);
}

/**
 * The Jacobian d f(X) / d w, (N * outputDim) x d. Independent examples are differentiated one at a time
 * (per-example gradients); a batch-coupled model is differentiated through the whole batch, one output
 * entry at a time, so each row is a total derivative through the batch statistics.
 */
export function jacobian(model: Model, w: Float64Array, X: Matrix): Matrix {
  const O = model.outputDim;
  const J = matrix(X.rows * O, model.paramCount);
  if (model.batchCoupled) {
    const trace = model.trace(w, X);
    for (let i = 0; i < X.rows; i++) {
      for (let k = 0; k < O; k++) {
        const seed = matrix(X.rows, O);
        seed.data[i * O + k] = 1;
        J.data.set(flattenParamAdjoints(trace, trace.tape.backward(trace.output, seed), model.paramCount), (i * O + k) * model.paramCount);
      }
    }
    return J;
  }
  for (let i = 0; i < X.rows; i++) {
    const trace = model.trace(w, matrix(1, X.cols, X.data.subarray(i * X.cols, (i + 1) * X.cols)));
    for (let k = 0; k < O; k++) {
      const seed = matrix(1, O);
      seed.data[k] = 1;
      J.data.set(flattenParamAdjoints(trace, trace.tape.backward(trace.output, seed), model.paramCount), (i * O + k) * model.paramCount);
    }
  }
  return J;
}
