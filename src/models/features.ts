/**
 * Models linear in fixed features: f_w(x) = W phi(x) (+ b), with phi an identity, polynomial or random
 * feature map that training never changes. For these the tangent kernel is phi(x) . phi(x') (+ 1 with a bias)
 * at every w: the paper's section 2 example of a model that is a kernel machine without any limit.
 *
 * @module
 */
import { matrix, type Matrix } from '../core/matrix.js';
import { rng as makeRng, STREAMS, type Rng } from '../core/rng.js';
import { SCALAR_RULES, Tape, ops } from '../autodiff/index.js';
import { LayoutBuilder, bindParams } from './layout.js';
import type { Model, Trace } from './model.js';
import type { FeaturesSpec } from './spec.js';

/** A fixed map from inputs (N x inputDim) to features (N x featureCount). */
export interface FeatureMap {
  readonly featureCount: number;
  (X: Matrix): Matrix;
}

// Exponent vectors of all monomials of total degree 1..degree in d variables, plus the constant 1 first.
function monomials(d: number, degree: number): number[][] {
  const out: number[][] = [new Array<number>(d).fill(0)];
  const grow = (start: number, current: number[], left: number): void => {
    for (let j = start; j < d; j++) {
      const next = current.slice();
      next[j]! += 1;
      out.push(next);
      if (left > 1) grow(j, next, left - 1);
    }
  };
  grow(0, new Array<number>(d).fill(0), degree);
  return out;
}

/** The feature map of a spec; random features draw their projection from the spec's own seed. */
export function featureMap(spec: FeaturesSpec): FeatureMap {
  const d = spec.inputDim;
  const fm = spec.featureMap;
  if (fm.type === 'identity') return Object.assign((X: Matrix) => X, { featureCount: d });
  if (fm.type === 'polynomial') {
    const powers = monomials(d, fm.degree);
    const map = (X: Matrix): Matrix => {
      const out = matrix(X.rows, powers.length);
      for (let i = 0; i < X.rows; i++) {
        powers.forEach((p, k) => {
          let v = 1;
          for (let j = 0; j < d; j++) v *= X.data[i * d + j]! ** p[j]!;
          out.data[i * powers.length + k] = v;
        });
      }
      return out;
    };
    return Object.assign(map, { featureCount: powers.length });
  }
  // Random features: phi(x) = scale * act(Omega x + c) / sqrt(D), Omega ~ N(0, 1/d), c ~ U[0, 2 pi).
  const r: Rng = makeRng(fm.seed).stream(STREAMS.features);
  const D = fm.count;
  const omega = Float64Array.from({ length: D * d }, () => r.normal() / Math.sqrt(d));
  const phase = Float64Array.from({ length: D }, () => r.uniformIn(0, 2 * Math.PI));
  const act = SCALAR_RULES[fm.activation].f;
  const norm = fm.scale / Math.sqrt(D);
  const map = (X: Matrix): Matrix => {
    const out = matrix(X.rows, D);
    for (let i = 0; i < X.rows; i++) {
      for (let k = 0; k < D; k++) {
        let s = phase[k]!;
        for (let j = 0; j < d; j++) s += omega[k * d + j]! * X.data[i * d + j]!;
        out.data[i * D + k] = norm * act(s);
      }
    }
    return out;
  };
  return Object.assign(map, { featureCount: D });
}

/** Compile a validated linear-in-features spec. */
export function compileFeatures(spec: FeaturesSpec): Model {
  const phi = featureMap(spec);
  const builder = new LayoutBuilder();
  const W = builder.add('out.W', spec.outputDim, phi.featureCount);
  const b = spec.bias ? builder.add('out.b', 1, spec.outputDim) : null;
  const layout = builder.blocks;
  const trace = (w: Float64Array, X: Matrix): Trace => {
    if (X.cols !== spec.inputDim) throw new RangeError(`inputs: expected ${spec.inputDim} columns, got ${X.cols}`);
    const tape = new Tape();
    const params = bindParams(tape, layout, w);
    const h = tape.constant(phi(X), 'features');
    const output = ops.dense(h, params[W]!, b === null ? null : params[b]!, 1, 1);
    return { tape, output, params, sites: [{ kind: 'dense', input: h, output, alpha: 1, beta: b === null ? 0 : 1 }] };
  };
  return {
    spec,
    inputDim: spec.inputDim,
    outputDim: spec.outputDim,
    paramCount: builder.size,
    layout,
    batchCoupled: false,
    structured: true,
    init: (rng) => Float64Array.from({ length: builder.size }, () => rng.normal() / Math.sqrt(phi.featureCount)),
    trace,
    forward: (w, X) => trace(w, X).output.value,
  };
}
