/**
 * The contract every differentiable operation keeps: its forward rule, its vector-Jacobian product (reverse
 * mode) and its Jacobian-vector product (forward mode), side by side in one object so that a reader checks a
 * derivative against the rule it differentiates.
 *
 * All values are 2-D float64 matrices (a batch of rows; a scalar is 1 x 1).
 *
 * @module
 */
import type { Matrix } from '../core/matrix.js';

/** What a forward rule returns: the value, and anything the derivative rules reuse (for example 1/sigma). */
export interface ForwardResult<Aux> {
  readonly value: Matrix;
  readonly aux: Aux;
}

/** One differentiable operation. */
export interface Primitive<Attrs = undefined, Aux = undefined> {
  /** A short name, used in error messages and the tape's description. */
  readonly name: string;
  /** The forward rule. */
  forward(inputs: readonly Matrix[], attrs: Attrs): ForwardResult<Aux>;
  /**
   * Reverse mode: given the cotangent g of the output, the cotangent of each input (g^T dy/dx_k), or null for
   * an input that is not differentiable or not needed. `needs[k]` says whether input k's cotangent is wanted;
   * a rule may skip work for the others (a dense layer skips its weight gradient when only the cotangent of
   * its input is wanted).
   */
  vjp(g: Matrix, inputs: readonly Matrix[], value: Matrix, aux: Aux, attrs: Attrs, needs: readonly boolean[]): readonly (Matrix | null)[];
  /** Forward mode: given a tangent per input (null meaning zero), the tangent of the output. */
  jvp(tangents: readonly (Matrix | null)[], inputs: readonly Matrix[], value: Matrix, aux: Aux, attrs: Attrs): Matrix;
}
