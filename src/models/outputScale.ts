/**
 * The output-scaled, centred model of Chizat, Oyallon and Bach (2019): g_w(x) = alpha (f_w(x) - f_{w0}(x)),
 * with the same parameters and layout as the base model f. Centring makes g_{w0} = 0 whatever alpha, so that
 * alpha changes how far the weights must move to fit the data (about 1/alpha: the lazy regime as alpha grows),
 * not the function at initialisation.
 *
 * The wrapper records the base model on the tape, subtracts a constant node holding f_{w0}(X) and scales by
 * alpha. Its gradients are alpha times the base's, so its tangent kernel is alpha^2 K^g_f; the structured
 * kernel needs no change: the base's sites are kept, and the reverse pass from the scaled output already
 * multiplies every site's delta = dg/dz by alpha.
 *
 * @module
 * @claim regime.output-scale
 */
import type { Matrix } from '../core/matrix.js';
import { ops } from '../autodiff/index.js';
import type { Model, Trace } from './model.js';

/** The output-scaled model and the point it is centred at. */
export interface OutputScaledModel extends Model {
  /** The output scale alpha > 0. */
  readonly alpha: number;
  /** The base model f. */
  readonly base: Model;
  /** The centre w0 (a copy): g_{w0} = 0. */
  readonly w0: Float64Array;
}

/**
 * g_w(x) = alpha (f_w(x) - f_{w0}(x)) for a base model f, an output scale alpha > 0 and a centre w0.
 *
 * `init` returns a copy of w0 and draws nothing: the wrapper is defined around its centre. `spec` is the
 * base's (the wrapper is not a spec kind of its own). f_{w0}(X) is computed once per input matrix object and
 * cached (inputs are never mutated by the engine), so a flow that traces the training set at every stage pays
 * for it once.
 *
 * @param base - the model f.
 * @param alpha - the output scale, positive and finite.
 * @param w0 - the centre, in the base's layout.
 */
export function outputScaled(base: Model, alpha: number, w0: Float64Array): OutputScaledModel {
  if (!(alpha > 0 && Number.isFinite(alpha))) throw new RangeError(`output scale: alpha ${alpha} is not a positive finite number`);
  if (w0.length !== base.paramCount) throw new RangeError(`output scale: the centre has ${w0.length} values, the base model ${base.paramCount}`);
  const centre = w0.slice();
  const atCentre = new WeakMap<Matrix, Matrix>();
  const f0 = (X: Matrix): Matrix => {
    let value = atCentre.get(X);
    if (value === undefined) {
      value = base.forward(centre, X);
      atCentre.set(X, value);
    }
    return value;
  };
  const trace = (w: Float64Array, X: Matrix): Trace => {
    const inner = base.trace(w, X);
    const offset = inner.tape.constant(f0(X), 'f(x; w0)');
    const output = ops.scale(ops.sub(inner.output, offset), alpha);
    return { tape: inner.tape, output, params: inner.params, sites: inner.sites };
  };
  return {
    alpha,
    base,
    w0: centre,
    spec: base.spec,
    inputDim: base.inputDim,
    outputDim: base.outputDim,
    paramCount: base.paramCount,
    layout: base.layout,
    batchCoupled: base.batchCoupled,
    structured: base.structured,
    init: () => centre.slice(),
    trace,
    forward: (w, X) => trace(w, X).output.value,
  };
}
