/**
 * What a compiled model is: one flat float64 parameter vector with a documented layout, and a trace that
 * records the model's evaluation on a tape for differentiation.
 *
 * Parameter layout (the same for every framework the project exchanges weights with): blocks in order of the
 * layers; a dense layer stores W row-major as [out, in], then b [out]; a normalisation layer stores its gain
 * [width] then its shift [width] right after the dense layer it follows.
 *
 * @module
 */
import type { Matrix } from '../core/matrix.js';
import type { Node, Tape } from '../autodiff/index.js';
import type { Rng } from '../core/rng.js';
import type { ModelSpec } from './spec.js';

/** A contiguous block of the flat parameter vector. */
export interface ParamBlock {
  /** For example `layer1.W`, `layer1.b`, `layer1.norm.gain`, `out.W`. */
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  readonly offset: number;
}

/**
 * A place in the model where parameters enter linearly. The structured tangent kernel needs, per site, the
 * derivative of the output with respect to the site's output and the site's input (anchors.md: a dense layer's
 * share of K^g is (delta . delta') (alpha^2 h . h' + beta^2)).
 */
export type Site =
  | {
      readonly kind: 'dense';
      /** The layer's input h (N x in). */
      readonly input: Node;
      /** z = alpha h W^T + beta b (N x out). */
      readonly output: Node;
      readonly alpha: number;
      /** The bias multiplier, or 0 when the layer has no bias. */
      readonly beta: number;
    }
  | {
      readonly kind: 'affine';
      /** The normalised values u (N x k). */
      readonly input: Node;
      /** y = u * gain + shift (N x k). */
      readonly output: Node;
    };

/** A recorded evaluation. */
export interface Trace {
  readonly tape: Tape;
  /** Outputs, N x outputDim. */
  readonly output: Node;
  /** One variable node per parameter block, in layout order, each a view on the flat vector. */
  readonly params: readonly Node[];
  /** Linear parameter sites, for the structured kernel. */
  readonly sites: readonly Site[];
}

/** A compiled model. */
export interface Model {
  readonly spec: ModelSpec;
  readonly inputDim: number;
  readonly outputDim: number;
  /** d, the number of parameters. */
  readonly paramCount: number;
  readonly layout: readonly ParamBlock[];
  /**
   * Whether one example's output depends on the other examples of the batch (batch normalisation in
   * training mode). Such a model's kernels are defined only on one batch, with total derivatives.
   */
  readonly batchCoupled: boolean;
  /** Whether every parameter enters at a site (so the structured kernel applies). */
  readonly structured: boolean;
  /** A fresh parameter vector drawn from the generator (use its `init` stream). */
  init(rng: Rng): Float64Array;
  /** Record f_w(X) on a new tape. */
  trace(w: Float64Array, X: Matrix): Trace;
  /** f_w(X), N x outputDim. */
  forward(w: Float64Array, X: Matrix): Matrix;
}
