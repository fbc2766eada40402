/**
 * The sine model f(x) = a sin(b x + c) of the paper's discussion: parameters laid out as [a, b, c]. Its
 * gradient (sin(bx + c), a x cos(bx + c), a cos(bx + c)) is (1, 0, 0) at every maximum, so maxima far apart
 * in x have tangent-kernel distance 0.
 *
 * @module
 */
import { matrix, type Matrix } from '../core/matrix.js';
import { Tape, ops } from '../autodiff/index.js';
import type { Model, Trace } from './model.js';
import type { ModelSpec } from './spec.js';

/** The layout [a, b, c] as blocks: a is the outer weight, b the inner weight, c the inner bias. */
const LAYOUT = [
  { name: 'a', rows: 1, cols: 1, offset: 0 },
  { name: 'b', rows: 1, cols: 1, offset: 1 },
  { name: 'c', rows: 1, cols: 1, offset: 2 },
] as const;

/** Compile the sine model. */
export function compileSine(spec: Extract<ModelSpec, { kind: 'sine' }>): Model {
  const trace = (w: Float64Array, X: Matrix): Trace => {
    if (X.cols !== 1) throw new RangeError(`inputs: the sine model takes 1 column, got ${X.cols}`);
    if (w.length !== 3) throw new RangeError(`parameters: expected 3 values [a, b, c], got ${w.length}`);
    const tape = new Tape();
    const params = LAYOUT.map((blk) => tape.variable(matrix(1, 1, w.subarray(blk.offset, blk.offset + 1)), blk.name));
    const [a, b, c] = params as [typeof params[0], typeof params[0], typeof params[0]];
    const x = tape.constant(X, 'inputs');
    const inner = ops.dense(x, b, c, 1, 1);
    const s = ops.apply('sin', inner);
    const output = ops.dense(s, a, null, 1, 1);
    return {
      tape,
      output,
      params,
      sites: [
        { kind: 'dense', input: x, output: inner, alpha: 1, beta: 1 },
        { kind: 'dense', input: s, output, alpha: 1, beta: 0 },
      ],
    };
  };
  return {
    spec,
    inputDim: 1,
    outputDim: 1,
    paramCount: 3,
    layout: LAYOUT,
    batchCoupled: false,
    structured: true,
    init: (rng) => Float64Array.from([1 + 0.1 * rng.normal(), 1 + 0.1 * rng.normal(), 0.1 * rng.normal()]),
    trace,
    forward: (w, X) => trace(w, X).output.value,
  };
}


